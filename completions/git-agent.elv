
use builtin;
use str;

set edit:completion:arg-completer[git-agent] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'git-agent'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'git-agent'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand new 'Create a session: a worktree on a new branch, from HEAD or --base'
            cand list 'List live sessions (--all: also kept and discarded)'
            cand show 'Everything known about one session, with its last run and the tail of its log'
            cand path 'Print a session''s worktree path'
            cand diff 'Show a session''s whole change against its base, as git diff prints it'
            cand run 'Run a command or agent in a session''s worktree'
            cand logs 'Print the output of a session''s detached runs'
            cand wait 'Wait for runs to end; exit 0 only if all ended `done`'
            cand stop 'End a session''s live run (its whole process group)'
            cand keep 'Bring a session''s change into this checkout (staged, or as commits)'
            cand discard 'Remove a session''s worktree and branch; restorable until gc'
            cand restore 'Bring a discarded or kept session back: worktree, branch, index and files'
            cand overlap 'Pairs of live sessions that change the same paths, and whether they merge'
            cand push 'Send sessions (their refs, snapshotted first) and notes to a remote'
            cand fetch 'Bring sessions and notes from a remote; they list as pushed'
            cand gc 'Forget old kept/discarded sessions, repair broken ones, prune leftovers'
            cand watch 'Watch the sessions live: a full-screen view, or one JSON line per change'
            cand board 'Serve a live, read-only web page of the sessions on 127.0.0.1'
            cand pool 'Show, fill or empty the warm pool of spare worktrees (agent.pool)'
            cand completions 'Print the shell completion script'
            cand review 'Run a read-only reviewer on sessions'' changes; record its JSON verdict'
            cand fix 'Run a corrector on the latest review''s blocking findings'
            cand land 'Land sessions as commits on this branch, in an order that lands the most'
            cand sync 'Merge this checkout''s branch into a session (conflicts: an agent can resolve them)'
            cand audit 'Every commit of a range with its provenance (session, agent, prompt, review)'
        }
        &'git-agent;new'= {
            cand --base 'Start from this commit instead of HEAD'
            cand --scope 'Paths the session may change (git glob pathspec, repeatable)'
            cand -a 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default'
            cand --agent 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default'
            cand -m 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike'
            cand --prompt 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike'
            cand --prompt-file 'Read the prompt from a file'
            cand --timeout 'Kill the run after this long (30s, 10m, 2h); default agent.timeout'
            cand --color 'When to colour output: auto, always or never'
            cand --carry 'Bring this checkout''s staged, unstaged and untracked changes along (the session''s change is then what is done on top of them)'
            cand --json 'Print the session as JSON'
            cand --detach 'Run in the background; output goes to the session''s log'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;list'= {
            cand --color 'When to colour output: auto, always or never'
            cand --all 'Also list kept and discarded sessions'
            cand --json 'Print a JSON array of sessions'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;show'= {
            cand --color 'When to colour output: auto, always or never'
            cand --json 'Print the session as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;path'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;diff'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;run'= {
            cand -a 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default'
            cand --agent 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default'
            cand -m 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike'
            cand --prompt 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike'
            cand --prompt-file 'Read the prompt from a file'
            cand --timeout 'Kill the run after this long (30s, 10m, 2h); default agent.timeout'
            cand --color 'When to colour output: auto, always or never'
            cand --detach 'Run in the background; output goes to the session''s log'
            cand --read-only 'Fail (exit 1) and undo everything if the run changes the worktree, a ref, hooks, config or info/'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;logs'= {
            cand --color 'When to colour output: auto, always or never'
            cand -f 'Keep printing while the run is live'
            cand --follow 'Keep printing while the run is live'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;wait'= {
            cand --timeout 'Give up after this long (exit 1)'
            cand --color 'When to colour output: auto, always or never'
            cand --any 'Return as soon as one of them ends; print its id on stdout (exit 0 if it ended `done`, 1 otherwise)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;stop'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;keep'= {
            cand -m 'Message of the --squash commit (default: the run''s prompt, else the id)'
            cand --message 'Message of the --squash commit (default: the run''s prompt, else the id)'
            cand --color 'When to colour output: auto, always or never'
            cand --squash 'Make one commit on the current branch instead of staging the change'
            cand --commit 'Replay the session''s commits, plus one for uncommitted leftovers'
            cand --keep-worktree 'Leave the session''s worktree and branch in place afterwards'
            cand -n 'With --squash/--commit: skip the pre-commit and commit-msg hooks, as `git commit --no-verify`'
            cand --no-verify 'With --squash/--commit: skip the pre-commit and commit-msg hooks, as `git commit --no-verify`'
            cand -f 'Keep even with a live run (stopped first) or out-of-scope changes'
            cand --force 'Keep even with a live run (stopped first) or out-of-scope changes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;discard'= {
            cand --color 'When to colour output: auto, always or never'
            cand -f 'Stop a live run first instead of refusing'
            cand --force 'Stop a live run first instead of refusing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;restore'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;overlap'= {
            cand --color 'When to colour output: auto, always or never'
            cand --json 'Print a JSON array of {"a", "b", "paths", "clean"}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;push'= {
            cand --color 'When to colour output: auto, always or never'
            cand -f 'Replace a remote session of the same id made in another clone (or changed there since it was fetched) instead of refusing'
            cand --force 'Replace a remote session of the same id made in another clone (or changed there since it was fetched) instead of refusing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;fetch'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;gc'= {
            cand --expire 'Forget kept and discarded sessions last changed before this date (git''s forms: 2.weeks.ago, 2026-01-01, now, never; default agent.gcExpire)'
            cand --color 'When to colour output: auto, always or never'
            cand -n 'Print what would be done; change nothing'
            cand --dry-run 'Print what would be done; change nothing'
            cand --json 'Print {"dry_run": …, "actions": [{"session", "action", "reason"}…]}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;watch'= {
            cand --color 'When to colour output: auto, always or never'
            cand --json 'One JSON line per change (also what is printed when stdout is not a terminal)'
            cand --until-done 'End when no session is running'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;board'= {
            cand --port 'Port to listen on (default: a free one)'
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;pool'= {
            cand --color 'When to colour output: auto, always or never'
            cand --fill 'Fill the pool up to agent.pool spares now, and wait until every spare is ready'
            cand --clear 'Remove every spare (waiting for those being filled)'
            cand --json 'Print {"size": n, "spares": [{"path", "commit", "ready"}…]}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;completions'= {
            cand --color 'When to colour output: auto, always or never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;review'= {
            cand -a 'Run this agent as the reviewer; without a name (or without -a and a command), agent.reviewer, else agent.default'
            cand --agent 'Run this agent as the reviewer; without a name (or without -a and a command), agent.reviewer, else agent.default'
            cand --checklist 'A file whose text replaces the built-in checklist (default: agent.reviewChecklist)'
            cand --timeout 'Kill each reviewer run after this long (30s, 10m, 2h); default agent.timeout'
            cand --color 'When to colour output: auto, always or never'
            cand --detach 'Review in the background; the reviewer''s output goes to the session''s log'
            cand --ready-on-stdin 'Stdin is a pipe to write a byte to once the reviewer runs (__review)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;fix'= {
            cand -a 'Run this agent as the corrector; without a name, agent.default'
            cand --agent 'Run this agent as the corrector; without a name, agent.default'
            cand -m 'More instructions, appended to the corrector''s prompt'
            cand --more 'More instructions, appended to the corrector''s prompt'
            cand --timeout 'Kill the run after this long (30s, 10m, 2h); default agent.timeout'
            cand --color 'When to colour output: auto, always or never'
            cand --should-fix 'Also ask for the review''s should_fix items'
            cand --detach 'Run in the background; output goes to the session''s log'
            cand --force 'Fix even after 3 fix runs without an approved review in between'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;land'= {
            cand --test 'Run `sh -c <CMD>` in a scratch checkout of each tree before it lands; a failure skips that session'
            cand --color 'When to colour output: auto, always or never'
            cand --commit 'Replay each session''s commits (plus one for leftovers) instead of one squash commit'
            cand --dry-run 'Print the order and each predicted result; change nothing'
            cand --json 'Print one JSON document: {dry_run, order, results}'
            cand -n 'Skip the pre-commit and commit-msg hooks, as `git commit --no-verify`'
            cand --no-verify 'Skip the pre-commit and commit-msg hooks, as `git commit --no-verify`'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;sync'= {
            cand -a 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default'
            cand --agent 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default'
            cand -m 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike'
            cand --prompt 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike'
            cand --prompt-file 'Read the prompt from a file'
            cand --timeout 'Kill the run after this long (30s, 10m, 2h); default agent.timeout'
            cand --color 'When to colour output: auto, always or never'
            cand --detach 'Run in the background; output goes to the session''s log'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'git-agent;audit'= {
            cand --color 'When to colour output: auto, always or never'
            cand --require 'Exit 1 if any commit in the range has no provenance'
            cand --json 'Print a JSON array of {commit, subject, session, agent, prompt, review}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
