#!/usr/bin/env bash
# Benchmarks git-agent against the raw git commands it replaces, on the same
# repositories in the same run, and prints ratios. Not a test: timings vary
# with the machine. Medians of [runs] runs.
#
#   new        git agent new            vs  git worktree add -b
#              on a real source tree (the crate sources in ~/.cargo/registry/src,
#              a few thousand files) and on a generated tree of 20,000 files
#   list       git agent list --json with 1,000 sessions (change counts live)
#              vs  git worktree list --porcelain + git for-each-ref refs/agents/
#   keep       git agent keep of a 1,000-file change  vs  git apply --index
#              of the same patch in a twin repository, where its blobs
#              are as new as they are to keep (and, for reference, where
#              keep has already written them)
#
#   pool       the warm pool (agent.pool): scripts/bench-pool.sh, run on
#              its own trees; only when asked for
#
# Usage: scripts/bench.sh [runs] [new] [list] [keep] [pool] (default: 5 runs,
# new, list and keep).
set -euo pipefail
RUNS=${1:-5}
shift || true
SECTIONS=" ${*:-new list keep} "
want() { [[ $SECTIONS == *" $1 "* ]]; }
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
export PATH="$here/target/release:$PATH"
registry=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ 2>/dev/null | head -1 || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
report() { printf '%-44s git-agent %6s ms   git %6s ms   ratio %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

make_repo() { # dir, then a command that fills it
  local dir=$1; shift
  git init -q -b main "$dir"
  "$@" "$dir"
  git -C "$dir" add -A >/dev/null 2>&1
  git -C "$dir" -c gc.auto=0 commit -q -m initial
  # Packed, as a repository of that size is once git's auto gc has run,
  # and no auto gc starting in the background during the measurements.
  git -C "$dir" gc -q
  git -C "$dir" config gc.auto 0
}
fill_crates() { # the crate sources this project built from; this project's own sources without them
  if [ -n "$registry" ]; then cp -r "$registry". "$1/"; else cp -r "$here/src" "$here/tests" "$1/"; fi
}
fill_generated() { python3 - "$1" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(20000):
    d = os.path.join(root, f"d{i // 500:02d}", f"s{(i // 50) % 10}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}.txt"), "w") as f:
        f.write(f"file {i}\n" * 5)
PY
}

bench_new() { # repo label
  local repo=$1 label=$2 a=() g=()
  for i in $(seq "$RUNS"); do
    a+=("$(ms git -C "$repo" agent new "b$i")")
    g+=("$(ms git -C "$repo" worktree add -q -b "g$i" "$repo/.worktrees/g$i" HEAD)")
  done
  report "new ($label, $(git -C "$repo" ls-files | wc -l) files)" \
    "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)"
}

if [[ $SECTIONS == " pool " ]]; then exec "$here/scripts/bench-pool.sh" "$RUNS"; fi
echo "git-agent benchmarks, $RUNS runs each, medians"
if want new; then
  make_repo "$work/crates" fill_crates
  bench_new "$work/crates" "real source tree"
fi
make_repo "$work/gen" fill_generated
want new && bench_new "$work/gen" "generated tree"

# completion: `git agent keep <TAB>` in bash through git's own completion,
# with 500 live sessions (the target: under 50 ms) and then 1,000, against
# the one `git for-each-ref` it replaces. Timed inside bash, around the
# completion call only (loading bash-completion is not counted).
bash_completion=/usr/share/bash-completion/bash_completion
git_completion=/usr/share/bash-completion/completions/git
complete_bench() { # number of live sessions
  if [ ! -f "$bash_completion" ] || [ ! -f "$git_completion" ]; then
    echo "bash completion: skipped (bash-completion or git's completion script missing)"
    return
  fi
  local a=() g=() i
  for i in $(seq "$RUNS"); do
    a+=("$(cd "$work/many" && bash --norc --noprofile -c '
      source "$1"; source "$2"; source <(git-agent completions bash)
      COMP_WORDS=(git agent keep ""); COMP_CWORD=3; COMP_LINE="git agent keep "; COMP_POINT=${#COMP_LINE}
      s=$EPOCHREALTIME; __git_wrap__git_main; e=$EPOCHREALTIME
      [ "${#COMPREPLY[@]}" -ge "$3" ] || { echo "only ${#COMPREPLY[@]} ids offered" >&2; exit 1; }
      echo $(( (${e/./} - ${s/./}) / 1000 ))' bash "$bash_completion" "$git_completion" "$1")")
    g+=("$(ms git -C "$work/many" for-each-ref --format='%(refname)' 'refs/agents/*/meta')")
  done
  report "bash completion of ids ($1 sessions)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)"
}
# list: 1,000 sessions in a small repository, a tenth of them with changes.
if want list; then
make_repo "$work/many" cp -r "$here/src"
for i in $(seq 500); do git -C "$work/many" agent new "s$i" >/dev/null 2>&1; done
complete_bench 500
for i in $(seq 501 1000); do git -C "$work/many" agent new "s$i" >/dev/null 2>&1; done
for i in $(seq 1 10 1000); do echo change >> "$work/many/.worktrees/s$i/lib.rs"; done
by_hand() { git -C "$work/many" worktree list --porcelain && git -C "$work/many" for-each-ref refs/agents/; }
a=(); g=()
for i in $(seq "$RUNS"); do a+=("$(ms git -C "$work/many" agent list --json)"); g+=("$(ms by_hand)"); done
report "list --json (1,000 sessions)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)"
# The same with the stat cache removed first: every worktree is read afresh.
a=(); g=()
for i in $(seq "$RUNS"); do
  rm -f "$work/many/.git/agents/list-cache.json"
  a+=("$(ms git -C "$work/many" agent list --json)"); g+=("$(ms by_hand)")
done
report "list --json (1,000 sessions, no cache)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)"

complete_bench 1000
fi

# keep: a 1,000-file change into a clean checkout, against git apply --index
# of the same patch. Twice: right after the session was created (its index
# still has racily-clean entries, so git re-hashes them when snapshotting),
# and after the session's index was refreshed (what any `git status` or
# `git add` by the agent does).
#
# The patch is applied in a second repository made the same way: there its
# blobs are new, as they are to keep (whose snapshot writes them), and
# applying means writing them. Applied in the same repository after the
# keep, the blobs are there already; that figure is printed for reference.
if want keep; then
repo=$work/gen
# Made the same way as the first, not copied: a copy's fresh directories
# make file creation there behave differently.
copy=$work/gen-apply
make_repo "$copy" fill_generated
# keep hands the removed worktree (20,000 files) to a background purge;
# let it finish so it slows neither side of the next measurement.
# Then write back what is dirty, so neither side pays for the other's
# files (or for the copy above) being flushed while it runs.
settle() {
  local i
  for i in $(seq 100); do
    [ -z "$(ls -A "$repo/.git/agents/trash" 2>/dev/null)" ] && break
    sleep 0.1
  done
  sync
}
keep_bench() { # label, refresh?
  local a=() g=() again=() wt
  for i in $(seq "$RUNS"); do
    wt=$(git -C "$repo" agent new "k$2$i" 2>/dev/null | cut -f2)
    (cd "$wt" && find d00 d01 -name '*.txt' | head -1000 | while read -r f; do echo "edit $2 $i" >> "$f"; done)
    [ "$2" = refreshed ] && git -C "$wt" update-index -q --refresh || true
    git -C "$wt" diff --binary > "$work/patch"
    settle
    a+=("$(ms git -C "$repo" agent keep "k$2$i")")
    settle
    g+=("$(ms git -C "$copy" apply --index "$work/patch")")
    git -C "$copy" reset -q --hard
    git -C "$repo" reset -q --hard
    settle
    again+=("$(ms git -C "$repo" apply --index "$work/patch")")
    git -C "$repo" reset -q --hard
  done
  local keep apply
  keep=$(printf '%s\n' "${a[@]}" | median)
  apply=$(printf '%s\n' "${g[@]}" | median)
  report "keep (1,000 files; $1)" "$keep" "$apply"
  report "  the same, the patch's blobs already written" "$keep" "$(printf '%s\n' "${again[@]}" | median)"
}
keep_bench "session just created" fresh
keep_bench "session index refreshed" refreshed
fi
if want pool; then "$here/scripts/bench-pool.sh" "$RUNS"; fi
