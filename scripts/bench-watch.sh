#!/usr/bin/env bash
# The cost of one `watch` refresh against `list --json`: a repository with
# 50 sessions, each with changes in its worktree; 5 of them change (a new
# file, a new metadata blob) and the fleet is refreshed as `watch` does
# when inotify names them (examples/watch_refresh.rs, in process), against
# one `git agent list --json` after the same 5 worktrees changed (a
# process reading all 50; its cache spares it recounting the 45 others,
# which it still checks file by file). Medians of
# [runs] runs. Not a test: timings vary with the machine.
#
# Usage: scripts/bench-watch.sh [runs] [sessions] [changed]  (default 9 50 5)
set -euo pipefail
RUNS=${1:-9}
SESSIONS=${2:-50}
CHANGED=${3:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml" --bin git-agent --example watch_refresh
target=${CARGO_TARGET_DIR:-$here/target}
export PATH="$target/release:$PATH"
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "kept: $work" >&2 || trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

repo=$work/repo
git init -q -b main "$repo"
for d in $(seq 1 20); do
  mkdir -p "$repo/src/d$d"
  for f in $(seq 1 25); do printf 'line %s\n' $(seq 1 40) > "$repo/src/d$d/f$f.txt"; done
done
git -C "$repo" add -A && git -C "$repo" commit -q -m init
for i in $(seq -w 1 "$SESSIONS"); do
  git -C "$repo" agent new "s$i" >/dev/null 2>&1
  wt="$repo/.worktrees/s$i"
  echo "session $i" >> "$wt/src/d1/f1.txt"
  echo "new in $i" > "$wt/new-$i.txt"
done

git -C "$repo" agent list --json >/dev/null # the list cache, as a second `list` finds it
# Before each list, the same kind of change as before each refresh: a new
# file in 5 worktrees (list's cache then recounts those 5, as watch does).
l=()
for run in $(seq "$RUNS"); do
  for i in $(seq -w 1 "$SESSIONS" | head -n "$CHANGED"); do echo changed > "$repo/.worktrees/s$i/list-$run.txt"; done
  l+=("$(ms git -C "$repo" agent list --json)")
done
list=$(printf '%s\n' "${l[@]}" | median)
refresh=$("$target/release/examples/watch_refresh" "$repo" "$CHANGED" "$RUNS")
printf 'list --json (%s sessions):                 %8s ms\n' "$SESSIONS" "$list"
printf 'watch refresh (%s of %s sessions changed): %8s ms\n' "$CHANGED" "$SESSIONS" "$refresh"
awk -v a="$refresh" -v b="$list" 'BEGIN {printf "ratio refresh / list: %.3f (list is %.1fx the refresh)\n", a / b, b / a}'
