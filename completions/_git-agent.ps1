
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'git-agent' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'git-agent'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'git-agent' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a session: a worktree on a new branch, from HEAD or --base')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List live sessions (--all: also kept and discarded)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Everything known about one session, with its last run and the tail of its log')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print a session''s worktree path')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show a session''s whole change against its base, as git diff prints it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command or agent in a session''s worktree')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the output of a session''s detached runs')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait for runs to end; exit 0 only if all ended `done`')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'End a session''s live run (its whole process group)')
            [CompletionResult]::new('keep', 'keep', [CompletionResultType]::ParameterValue, 'Bring a session''s change into this checkout (staged, or as commits)')
            [CompletionResult]::new('discard', 'discard', [CompletionResultType]::ParameterValue, 'Remove a session''s worktree and branch; restorable until gc')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Bring a discarded or kept session back: worktree, branch, index and files')
            [CompletionResult]::new('overlap', 'overlap', [CompletionResultType]::ParameterValue, 'Pairs of live sessions that change the same paths, and whether they merge')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Send sessions (their refs, snapshotted first) and notes to a remote')
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Bring sessions and notes from a remote; they list as pushed')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Forget old kept/discarded sessions, repair broken ones, prune leftovers')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Watch the sessions live: a full-screen view, or one JSON line per change')
            [CompletionResult]::new('board', 'board', [CompletionResultType]::ParameterValue, 'Serve a live, read-only web page of the sessions on 127.0.0.1')
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'Show, fill or empty the warm pool of spare worktrees (agent.pool)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'Run a read-only reviewer on sessions'' changes; record its JSON verdict')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Run a corrector on the latest review''s blocking findings')
            [CompletionResult]::new('land', 'land', [CompletionResultType]::ParameterValue, 'Land sessions as commits on this branch, in an order that lands the most')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Merge this checkout''s branch into a session (conflicts: an agent can resolve them)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Every commit of a range with its provenance (session, agent, prompt, review)')
            break
        }
        'git-agent;new' {
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Start from this commit instead of HEAD')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Paths the session may change (git glob pathspec, repeatable)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike')
            [CompletionResult]::new('--prompt-file', '--prompt-file', [CompletionResultType]::ParameterName, 'Read the prompt from a file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill the run after this long (30s, 10m, 2h); default agent.timeout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--carry', '--carry', [CompletionResultType]::ParameterName, 'Bring this checkout''s staged, unstaged and untracked changes along (the session''s change is then what is done on top of them)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the session as JSON')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Run in the background; output goes to the session''s log')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;list' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list kept and discarded sessions')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of sessions')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;show' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the session as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;path' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;diff' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;run' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike')
            [CompletionResult]::new('--prompt-file', '--prompt-file', [CompletionResultType]::ParameterName, 'Read the prompt from a file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill the run after this long (30s, 10m, 2h); default agent.timeout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Run in the background; output goes to the session''s log')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Fail (exit 1) and undo everything if the run changes the worktree, a ref, hooks, config or info/')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;logs' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing while the run is live')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing while the run is live')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;wait' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long (exit 1)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--any', '--any', [CompletionResultType]::ParameterName, 'Return as soon as one of them ends; print its id on stdout (exit 0 if it ended `done`, 1 otherwise)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;stop' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;keep' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Message of the --squash commit (default: the run''s prompt, else the id)')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Message of the --squash commit (default: the run''s prompt, else the id)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--squash', '--squash', [CompletionResultType]::ParameterName, 'Make one commit on the current branch instead of staging the change')
            [CompletionResult]::new('--commit', '--commit', [CompletionResultType]::ParameterName, 'Replay the session''s commits, plus one for uncommitted leftovers')
            [CompletionResult]::new('--keep-worktree', '--keep-worktree', [CompletionResultType]::ParameterName, 'Leave the session''s worktree and branch in place afterwards')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'With --squash/--commit: skip the pre-commit and commit-msg hooks, as `git commit --no-verify`')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'With --squash/--commit: skip the pre-commit and commit-msg hooks, as `git commit --no-verify`')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep even with a live run (stopped first) or out-of-scope changes')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Keep even with a live run (stopped first) or out-of-scope changes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;discard' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Stop a live run first instead of refusing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Stop a live run first instead of refusing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;restore' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;overlap' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of {"a", "b", "paths", "clean"}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;push' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace a remote session of the same id made in another clone (or changed there since it was fetched) instead of refusing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace a remote session of the same id made in another clone (or changed there since it was fetched) instead of refusing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;fetch' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;gc' {
            [CompletionResult]::new('--expire', '--expire', [CompletionResultType]::ParameterName, 'Forget kept and discarded sessions last changed before this date (git''s forms: 2.weeks.ago, 2026-01-01, now, never; default agent.gcExpire)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print what would be done; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be done; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print {"dry_run": …, "actions": [{"session", "action", "reason"}…]}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;watch' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON line per change (also what is printed when stdout is not a terminal)')
            [CompletionResult]::new('--until-done', '--until-done', [CompletionResultType]::ParameterName, 'End when no session is running')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;board' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (default: a free one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;pool' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--fill', '--fill', [CompletionResultType]::ParameterName, 'Fill the pool up to agent.pool spares now, and wait until every spare is ready')
            [CompletionResult]::new('--clear', '--clear', [CompletionResultType]::ParameterName, 'Remove every spare (waiting for those being filled)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print {"size": n, "spares": [{"path", "commit", "ready"}…]}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;review' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Run this agent as the reviewer; without a name (or without -a and a command), agent.reviewer, else agent.default')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Run this agent as the reviewer; without a name (or without -a and a command), agent.reviewer, else agent.default')
            [CompletionResult]::new('--checklist', '--checklist', [CompletionResultType]::ParameterName, 'A file whose text replaces the built-in checklist (default: agent.reviewChecklist)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill each reviewer run after this long (30s, 10m, 2h); default agent.timeout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Review in the background; the reviewer''s output goes to the session''s log')
            [CompletionResult]::new('--ready-on-stdin', '--ready-on-stdin', [CompletionResultType]::ParameterName, 'Stdin is a pipe to write a byte to once the reviewer runs (__review)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;fix' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Run this agent as the corrector; without a name, agent.default')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Run this agent as the corrector; without a name, agent.default')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'More instructions, appended to the corrector''s prompt')
            [CompletionResult]::new('--more', '--more', [CompletionResultType]::ParameterName, 'More instructions, appended to the corrector''s prompt')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill the run after this long (30s, 10m, 2h); default agent.timeout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--should-fix', '--should-fix', [CompletionResultType]::ParameterName, 'Also ask for the review''s should_fix items')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Run in the background; output goes to the session''s log')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Fix even after 3 fix runs without an approved review in between')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;land' {
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Run `sh -c <CMD>` in a scratch checkout of each tree before it lands; a failure skips that session')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--commit', '--commit', [CompletionResultType]::ParameterName, 'Replay each session''s commits (plus one for leftovers) instead of one squash commit')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the order and each predicted result; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document: {dry_run, order, results}')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Skip the pre-commit and commit-msg hooks, as `git commit --no-verify`')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Skip the pre-commit and commit-msg hooks, as `git commit --no-verify`')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;sync' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike')
            [CompletionResult]::new('--prompt-file', '--prompt-file', [CompletionResultType]::ParameterName, 'Read the prompt from a file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill the run after this long (30s, 10m, 2h); default agent.timeout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Run in the background; output goes to the session''s log')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-agent;audit' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto, always or never')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'Exit 1 if any commit in the range has no provenance')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of {commit, subject, session, agent, prompt, review}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
