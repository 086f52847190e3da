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
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "show" -d 'Everything known about one session'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "path" -d 'Print a session\'s worktree path'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "diff" -d 'Show a session\'s whole change against its base, as git diff prints it'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "discard" -d 'Remove a session\'s worktree and branch; restorable until gc'
complete -c git-agent -n "__fish_git_agent_needs_command" -f -a "completions" -d 'Print the shell completion script'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l base -d 'Start from this commit instead of HEAD' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l scope -d 'Paths the session may change (git glob pathspec, repeatable)' -r
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l carry -d 'Bring this checkout\'s staged, unstaged and untracked changes along'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -l json -d 'Print the session as JSON'
complete -c git-agent -n "__fish_git_agent_using_subcommand new" -s h -l help -d 'Print help'
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
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -s f -l force -d 'Stop a live run first instead of refusing'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -s V -l version -d 'Print version'
complete -c git-agent -n "__fish_git_agent_using_subcommand completions" -l color -d 'When to colour output: auto, always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agent -n "__fish_git_agent_using_subcommand completions" -s h -l help -d 'Print help'
complete -c git-agent -n "__fish_git_agent_using_subcommand completions" -s V -l version -d 'Print version'

# Live session ids, read from the repository (refs/agents/*/meta) by one git
# process, without starting git-agent.
function __fish_git_agent_ids
    git for-each-ref --format='%(refname)%0a%(raw)' 'refs/agents/*/meta' 2>/dev/null | awk '/^refs\/agents\/[^\/]+\/meta$/ { id = substr($0, 13, length($0) - 17); next }
id != "" && /^state *= *"/ { s = $0; sub(/^state *= *"/, "", s); sub(/".*/, "", s); if (index(" active running done failed broken ", " " s " ")) printf "%s ", id; id = "" }' | string split -n ' '
end
complete -c git-agent -n "__fish_git_agent_using_subcommand show" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand path" -f -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand diff" -a "(__fish_git_agent_ids)" -d 'Session'
complete -c git-agent -n "__fish_git_agent_using_subcommand discard" -f -a "(__fish_git_agent_ids)" -d 'Session'
