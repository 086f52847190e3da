# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_agent_global_optspecs
    string join \n color= h/help V/version
end

function __fish_git_agent_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_agent_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_agent_using_subcommand
    set -l cmd (__fish_git_agent_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-agent -n "__fish_git_agent_needs_command" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_needs_command" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_needs_command" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "new" -d 'Create a session: a worktree on a new branch, from HEAD or --base'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "list" -d 'List live sessions (--all: also kept and discarded)'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "show" -d 'Everything known about one session, with its last run and the tail of its log'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "path" -d 'Print a session\'s worktree path'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "diff" -d 'Show a session\'s whole change against its base, as git diff prints it'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "run" -d 'Run a command or agent in a session\'s worktree'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "logs" -d 'Print the output of a session\'s detached runs'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "wait" -d 'Wait for runs to end; exit 0 only if all ended `done`'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "stop" -d 'End a session\'s live run (its whole process group)'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "keep" -d 'Bring a session\'s change into this checkout (staged, or as commits)'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "discard" -d 'Remove a session\'s worktree and branch; restorable until gc'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "restore" -d 'Bring a discarded or kept session back: worktree, branch, index and files'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "overlap" -d 'Pairs of live sessions that change the same paths, and whether they merge'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "push" -d 'Send sessions (their refs, snapshotted first) and notes to a remote'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "fetch" -d 'Bring sessions and notes from a remote; they list as pushed'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "gc" -d 'Forget old kept/discarded sessions, repair broken ones, prune leftovers'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "watch" -d 'Watch the sessions live: a full-screen view, or one JSON line per change'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "board" -d 'Serve a live, read-only web page of the sessions on 127.0.0.1'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "pool" -d 'Show, fill or empty the warm pool of spare worktrees (agent.pool)'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "completions" -d 'Print the shell completion script'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "review" -d 'Run a read-only reviewer on sessions\' changes; record its JSON verdict'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "fix" -d 'Run a corrector on the latest review\'s blocking findings'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "land" -d 'Land sessions as commits on this branch, in an order that lands the most'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "sync" -d 'Merge this checkout\'s branch into a session (conflicts: an agent can resolve them)'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "audit" -d 'Every commit of a range with its provenance (session, agent, prompt, review)'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l base -d 'Start from this commit instead of HEAD' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l scope -d 'Paths the session may change (git glob pathspec, repeatable)' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -s a -l agent -d 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -s m -l prompt -d 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l prompt-file -d 'Read the prompt from a file' -r -F
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l timeout -d 'Kill the run after this long (30s, 10m, 2h); default agent.timeout' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l carry -d 'Bring this checkout\'s staged, unstaged and untracked changes along (the session\'s change is then what is done on top of them)'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l json -d 'Print the session as JSON'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l detach -d 'Run in the background; output goes to the session\'s log'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand list" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand list" -l all -d 'Also list kept and discarded sessions'
complete -c git-agent -n "__fish_git_agent_using_subcommand list" -l json -d 'Print a JSON array of sessions'
complete -c git-agent -n "__fish_git_agent_using_subcommand list" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand list" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand show" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand show" -l json -d 'Print the session as JSON'
complete -c git-agent -n "__fish_git_agent_using_subcommand show" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand show" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand path" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand path" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand path" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand diff" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand diff" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand diff" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -s a -l agent -d 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -s m -l prompt -d 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -l prompt-file -d 'Read the prompt from a file' -r -F
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -l timeout -d 'Kill the run after this long (30s, 10m, 2h); default agent.timeout' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -l detach -d 'Run in the background; output goes to the session\'s log'
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -l read-only -d 'Fail (exit 1) and undo everything if the run changes the worktree, a ref, hooks, config or info/'
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand logs" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand logs" -s f -l follow -d 'Keep printing while the run is live'
complete -c git-agent -n "__fish_git_agent_using_subcommand logs" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand logs" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand wait" -l timeout -d 'Give up after this long (exit 1)' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand wait" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand wait" -l any -d 'Return as soon as one of them ends; print its id on stdout (exit 0 if it ended `done`, 1 otherwise)'
complete -c git-agent -n "__fish_git_agent_using_subcommand wait" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand wait" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand stop" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand stop" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand stop" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -s m -l message -d 'Message of the --squash commit (default: the run\'s prompt, else the id)' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -l squash -d 'Make one commit on the current branch instead of staging the change'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -l commit -d 'Replay the session\'s commits, plus one for uncommitted leftovers'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -l keep-worktree -d 'Leave the session\'s worktree and branch in place afterwards'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -s n -l no-verify -d 'With --squash/--commit: skip the pre-commit and commit-msg hooks, as `git commit --no-verify`'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -s f -l force -d 'Keep even with a live run (stopped first) or out-of-scope changes'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -s f -l force -d 'Stop a live run first instead of refusing'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand restore" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand restore" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand restore" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand overlap" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand overlap" -l json -d 'Print a JSON array of {"a", "b", "paths", "clean"}'
complete -c git-agent -n "__fish_git_agent_using_subcommand overlap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand overlap" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand push" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand push" -s f -l force -d 'Replace a remote session of the same id made in another clone (or changed there since it was fetched) instead of refusing'
complete -c git-agent -n "__fish_git_agent_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand push" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand fetch" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand fetch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand fetch" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand gc" -l expire -d 'Forget kept and discarded sessions last changed before this date (git\'s forms: 2.weeks.ago, 2026-01-01, now, never; default agent.gcExpire)' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand gc" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand gc" -s n -l dry-run -d 'Print what would be done; change nothing'
complete -c git-agent -n "__fish_git_agent_using_subcommand gc" -l json -d 'Print {"dry_run": …, "actions": [{"session", "action", "reason"}…]}'
complete -c git-agent -n "__fish_git_agent_using_subcommand gc" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand gc" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand watch" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand watch" -l json -d 'One JSON line per change (also what is printed when stdout is not a terminal)'
complete -c git-agent -n "__fish_git_agent_using_subcommand watch" -l until-done -d 'End when no session is running'
complete -c git-agent -n "__fish_git_agent_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand watch" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand board" -l port -d 'Port to listen on (default: a free one)' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand board" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand board" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand board" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand pool" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand pool" -l fill -d 'Fill the pool up to agent.pool spares now, and wait until every spare is ready'
complete -c git-agent -n "__fish_git_agent_using_subcommand pool" -l clear -d 'Remove every spare (waiting for those being filled)'
complete -c git-agent -n "__fish_git_agent_using_subcommand pool" -l json -d 'Print {"size": n, "spares": [{"path", "commit", "ready"}…]}'
complete -c git-agent -n "__fish_git_agent_using_subcommand pool" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand pool" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand completions" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand completions" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand completions" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -s a -l agent -d 'Run this agent as the reviewer; without a name (or without -a and a command), agent.reviewer, else agent.default' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -l checklist -d 'A file whose text replaces the built-in checklist (default: agent.reviewChecklist)' -r -F
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -l timeout -d 'Kill each reviewer run after this long (30s, 10m, 2h); default agent.timeout' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -l detach -d 'Review in the background; the reviewer\'s output goes to the session\'s log'
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -l ready-on-stdin -d 'Stdin is a pipe to write a byte to once the reviewer runs (__review)'
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -s a -l agent -d 'Run this agent as the corrector; without a name, agent.default' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -s m -l more -d 'More instructions, appended to the corrector\'s prompt' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -l timeout -d 'Kill the run after this long (30s, 10m, 2h); default agent.timeout' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -l should-fix -d 'Also ask for the review\'s should_fix items'
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -l detach -d 'Run in the background; output goes to the session\'s log'
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -l force -d 'Fix even after 3 fix runs without an approved review in between'
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -l test -d 'Run `sh -c <CMD>` in a scratch checkout of each tree before it lands; a failure skips that session' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -l commit -d 'Replay each session\'s commits (plus one for leftovers) instead of one squash commit'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -l dry-run -d 'Print the order and each predicted result; change nothing'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -l json -d 'Print one JSON document: {dry_run, order, results}'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -s n -l no-verify -d 'Skip the pre-commit and commit-msg hooks, as `git commit --no-verify`'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -s a -l agent -d 'Run the configured agent (agent.<name>.command, or a built-in: codex, claude, opencode, aider, gemini); without a name, agent.default' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -s m -l prompt -d 'The prompt: appended as the last argument of an agent (-a), and in GIT_AGENT_PROMPT for agents and commands alike' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -l prompt-file -d 'Read the prompt from a file' -r -F
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -l timeout -d 'Kill the run after this long (30s, 10m, 2h); default agent.timeout' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -l detach -d 'Run in the background; output goes to the session\'s log'
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand audit" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand audit" -l require -d 'Exit 1 if any commit in the range has no provenance'
complete -c git-agent -n "__fish_git_agent_using_subcommand audit" -l json -d 'Print a JSON array of {commit, subject, session, agent, prompt, review}'
complete -c git-agent -n "__fish_git_agent_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agent -n "__fish_git_agent_using_subcommand audit" -s V -l version -d 'Print version'

# Live session ids, read from the repository (refs/agents/*/meta) by one git
# process, without starting git-agent.
function __fish_git_agent_ids
    git for-each-ref --format='%(refname)%0a%(raw)' 'refs/agents/*/meta' 2>/dev/null | awk '/^refs\/agents\/[^\/]+\/meta$/ { id = substr($0, 13, length($0) - 17); next }
id != "" && /^state *= *"/ { s = $0; sub(/^state *= *"/, "", s); sub(/".*/, "", s); if (index(" active running done failed broken ", " " s " ")) printf "%s ", id; id = "" }' | string split -n ' '
end
complete -c git-agent -n "__fish_git_agent_using_subcommand show" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand path" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand diff" -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand run" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand logs" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand wait" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand stop" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand keep" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand restore" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand push" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand review" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand fix" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand land" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand sync" -f -a "(__fish_git_agent_ids)" -d 'Session'
