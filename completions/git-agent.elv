
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
            cand show 'Everything known about one session'
            cand path 'Print a session''s worktree path'
            cand diff 'Show a session''s whole change against its base, as git diff prints it'
            cand discard 'Remove a session''s worktree and branch; restorable until gc'
            cand completions 'Print the shell completion script'
        }
        &'git-agent;new'= {
            cand --base 'Start from this commit instead of HEAD'
            cand --scope 'Paths the session may change (git glob pathspec, repeatable)'
            cand --color 'When to colour output: auto, always or never'
            cand --carry 'Bring this checkout''s staged, unstaged and untracked changes along'
            cand --json 'Print the session as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
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
        &'git-agent;discard'= {
            cand --color 'When to colour output: auto, always or never'
            cand -f 'Stop a live run first instead of refusing'
            cand --force 'Stop a live run first instead of refusing'
            cand -h 'Print help'
            cand --help 'Print help'
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
    ]
    $completions[$command]
}
