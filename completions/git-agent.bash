# bash completion for git-agent                            -*- shell-script -*-
#
# Generated from git-agent's command-line definition by
# `git agent completions bash`; do not edit.
#
# Load it with `source <(git agent completions bash)` in ~/.bashrc, or install
# it as ~/.local/share/bash-completion/completions/git-agent, where
# bash-completion finds it the first time `git agent <TAB>` or
# `git-agent <TAB>` is completed.
#
# git's own completion calls _git_agent for `git agent …` and for aliases of
# it; `git-agent …` on its own goes through the same code. Session ids come
# from a single `git for-each-ref` over refs/agents/*/meta (git 2.36 or later),
# with no git-agent process, so completion stays fast with many sessions.

# --- Generated from the clap definition --------------------------------------

__git_agent_verbs='new list show path diff run logs wait stop keep discard restore overlap push fetch gc watch board pool completions review fix land sync audit'

# The long options of verb $1 ('' before the verb), in __git_agent_words.
__git_agent_options ()
{
	case "$1" in
	'') __git_agent_words='--color --help --version' ;;
	new) __git_agent_words='--base --carry --scope --json --agent --prompt --prompt-file --detach --timeout --color --help --version' ;;
	list) __git_agent_words='--all --json --color --help --version' ;;
	show) __git_agent_words='--json --color --help --version' ;;
	path) __git_agent_words='--color --help --version' ;;
	diff) __git_agent_words='--color --help --version' ;;
	run) __git_agent_words='--agent --prompt --prompt-file --detach --timeout --read-only --color --help --version' ;;
	logs) __git_agent_words='--follow --color --help --version' ;;
	wait) __git_agent_words='--timeout --any --color --help --version' ;;
	stop) __git_agent_words='--color --help --version' ;;
	keep) __git_agent_words='--squash --message --commit --keep-worktree --no-verify --force --color --help --version' ;;
	discard) __git_agent_words='--force --color --help --version' ;;
	restore) __git_agent_words='--color --help --version' ;;
	overlap) __git_agent_words='--json --color --help --version' ;;
	push) __git_agent_words='--force --color --help --version' ;;
	fetch) __git_agent_words='--color --help --version' ;;
	gc) __git_agent_words='--dry-run --expire --json --color --help --version' ;;
	watch) __git_agent_words='--json --until-done --color --help --version' ;;
	board) __git_agent_words='--port --color --help --version' ;;
	pool) __git_agent_words='--fill --clear --json --color --help --version' ;;
	completions) __git_agent_words='--color --help --version' ;;
	review) __git_agent_words='--agent --checklist --detach --timeout --color --help --version' ;;
	fix) __git_agent_words='--agent --should-fix --more --detach --timeout --force --color --help --version' ;;
	land) __git_agent_words='--commit --test --dry-run --json --no-verify --color --help --version' ;;
	sync) __git_agent_words='--agent --prompt --prompt-file --detach --timeout --color --help --version' ;;
	audit) __git_agent_words='--require --json --color --help --version' ;;
	*) __git_agent_words='--color --help --version' ;;
	esac
}

# Whether option $2 of verb $1 takes its value as the next word.
__git_agent_takes_value ()
{
	case "$1 $2" in
	*" --color") return 0 ;;
	"new --base") return 0 ;;
	"new --scope") return 0 ;;
	"new --agent"|"new -a") return 0 ;;
	"new --prompt"|"new -m") return 0 ;;
	"new --prompt-file") return 0 ;;
	"new --timeout") return 0 ;;
	"run --agent"|"run -a") return 0 ;;
	"run --prompt"|"run -m") return 0 ;;
	"run --prompt-file") return 0 ;;
	"run --timeout") return 0 ;;
	"wait --timeout") return 0 ;;
	"keep --message"|"keep -m") return 0 ;;
	"gc --expire") return 0 ;;
	"board --port") return 0 ;;
	"review --agent"|"review -a") return 0 ;;
	"review --checklist") return 0 ;;
	"review --timeout") return 0 ;;
	"fix --agent"|"fix -a") return 0 ;;
	"fix --more"|"fix -m") return 0 ;;
	"fix --timeout") return 0 ;;
	"land --test") return 0 ;;
	"sync --agent"|"sync -a") return 0 ;;
	"sync --prompt"|"sync -m") return 0 ;;
	"sync --prompt-file") return 0 ;;
	"sync --timeout") return 0 ;;
	*) return 1 ;;
	esac
}

# The values of option $2, or of positional argument number $2, of verb $1,
# in __git_agent_words; returns 1 when there is nothing to offer.
__git_agent_values ()
{
	case "$1 $2" in
	*" --color") __git_agent_words='auto always never' ;;
	"new --base") __git_agent_words=$(__git_agent_git for-each-ref --format='%(refname:short)' refs/heads refs/tags refs/remotes | tr '\n' ' ') ;;
	"new --agent"|"new -a") __git_agent_words="codex claude opencode aider gemini $(__git_agent_git config --name-only --get-regexp '^agent\..*\.command$' | sed 's/^agent\.//; s/\.command$//' | tr '\n' ' ')" ;;
	"run --agent"|"run -a") __git_agent_words="codex claude opencode aider gemini $(__git_agent_git config --name-only --get-regexp '^agent\..*\.command$' | sed 's/^agent\.//; s/\.command$//' | tr '\n' ' ')" ;;
	"review --agent"|"review -a") __git_agent_words="codex claude opencode aider gemini $(__git_agent_git config --name-only --get-regexp '^agent\..*\.command$' | sed 's/^agent\.//; s/\.command$//' | tr '\n' ' ')" ;;
	"fix --agent"|"fix -a") __git_agent_words="codex claude opencode aider gemini $(__git_agent_git config --name-only --get-regexp '^agent\..*\.command$' | sed 's/^agent\.//; s/\.command$//' | tr '\n' ' ')" ;;
	"sync --agent"|"sync -a") __git_agent_words="codex claude opencode aider gemini $(__git_agent_git config --name-only --get-regexp '^agent\..*\.command$' | sed 's/^agent\.//; s/\.command$//' | tr '\n' ' ')" ;;
	"restore 1") __git_agent_ids 'kept discarded' ;;
	"completions 1") __git_agent_words='bash elvish fish powershell zsh' ;;
	"show 1"|"path 1"|"diff 1"|"run 1"|"logs 1"|"wait "[1-9]*|"stop 1"|"keep 1"|"discard 1"|"push "[2-9]*|"review "[1-9]*|"fix 1"|"land "[1-9]*|"sync 1") __git_agent_ids ;;
	*) return 1 ;;
	esac
}

# --- Completion --------------------------------------------------------------

# Run git, honouring the -C and --git-dir given to git itself when git's
# completion is loaded.
__git_agent_git ()
{
	if declare -F __git >/dev/null; then
		__git "$@"
	else
		command git "$@" 2>/dev/null
	fi
}

# The ids of live sessions, in __git_agent_words: one for-each-ref prints every
# session's metadata blob and awk picks the ids (bash's own `read` takes a
# pipe a byte at a time: too slow for hundreds of sessions).
__git_agent_ids ()
{
	__git_agent_words=$(
		__git_agent_git for-each-ref --format='%(refname)%0a%(raw)' 'refs/agents/*/meta' |
			awk -v want=" ${1:-active running done failed broken} " '/^refs\/agents\/[^\/]+\/meta$/ { id = substr($0, 13, length($0) - 17); next }
id != "" && /^state *= *"/ { s = $0; sub(/^state *= *"/, "", s); sub(/".*/, "", s); if (index(want, " " s " ")) printf "%s ", id; id = "" }'
	)
}

# COMPREPLY: the words of $1 that start with $2 (default: the current word),
# each followed by a space, as completion runs with -o nospace like git's.
__git_agent_reply ()
{
	local word prefix=${2-$cur}
	local -a candidates
	read -r -a candidates <<<"$1"
	COMPREPLY=()
	for word in "${candidates[@]}"; do
		if [[ $word == "$prefix"* ]]; then
			COMPREPLY+=("$word ")
		fi
	done
}

# Complete $cur, the word after `git agent $@`.
__git_agent_complete ()
{
	local word verb='' position=0 value_of='' __git_agent_words=''
	for word; do
		if [ -n "$value_of" ]; then
			value_of=''
		elif [ "$word" = -- ]; then
			return # a command or paths follow: bash's default completion
		elif [[ $word == -* ]]; then
			if [[ $word != *=* ]] && __git_agent_takes_value "$verb" "$word"; then
				value_of=$word
			fi
		elif [ -z "$verb" ]; then
			verb=$word
		else
			position=$((position + 1))
		fi
	done

	if [ -n "$value_of" ]; then
		__git_agent_values "$verb" "$value_of" && __git_agent_reply "$__git_agent_words"
		return
	fi
	case "$cur" in
	--*=*)
		__git_agent_values "$verb" "${cur%%=*}" &&
			__git_agent_reply "$__git_agent_words" "${cur#*=}"
		;;
	-*)
		__git_agent_options "$verb"
		__git_agent_reply "$__git_agent_words"
		;;
	*)
		if [ -z "$verb" ]; then
			__git_agent_reply "$__git_agent_verbs"
		elif __git_agent_values "$verb" $((position + 1)); then
			__git_agent_reply "$__git_agent_words"
		fi
		;;
	esac
}

# The words an alias adds after "agent" (`alias.ak = agent show` adds "show"),
# in the array `alias_words`. $1 is the command word git's completion found.
__git_agent_alias_words ()
{
	local name=$1 word found=''
	local -a definition
	# For `git ak …` git's completion has already put "agent" in words[1];
	# COMP_WORDS still holds what was typed.
	if [ "$name" = agent ] && [ "${__git_cmd_idx-}" = 1 ]; then
		name=${COMP_WORDS[1]-}
	fi
	if [ -z "$name" ] || [ "$name" = agent ]; then
		return
	fi
	read -r -a definition <<<"$(__git_agent_git config --get "alias.$name")"
	for word in "${definition[@]}"; do
		if [ -n "$found" ]; then
			# Plain words only: stop at the quoting or `;` of a shell alias.
			[[ $word == *[!A-Za-z0-9._=/-]* ]] && break
			alias_words+=("$word")
		elif [ "$word" = agent ]; then
			found=1
		fi
	done
}

# Called by git's completion for `git agent …`, with words, cword, cur and
# __git_cmd_idx (the index of "agent", or of an alias for it, in words) set.
_git_agent ()
{
	local -a alias_words=()
	local i=${__git_cmd_idx:-1}
	__git_agent_alias_words "${words[i]}"
	__git_agent_complete "${alias_words[@]}" "${words[@]:i+1:cword-i-1}"
}

# `git-agent …` on its own.
__git_agent_standalone ()
{
	local cur words cword prev
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword prev
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
	fi
	__git_agent_complete "${words[@]:1:cword-1}"
}

complete -o bashdefault -o default -o nospace -F __git_agent_standalone git-agent 2>/dev/null ||
	complete -o default -o nospace -F __git_agent_standalone git-agent
