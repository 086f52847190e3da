#!/usr/bin/env bash
# The warm pool (agent.pool) against the raw git commands a session costs
# without it, side by side in one run, on two generated trees: one the size
# of git.git (4,800 files in 60 directories, 200 B to 30 KB each, about
# 60 MB) and one of 20,000 small files. Medians of [runs] runs; timings
# vary with the machine and its load.
#
#   new        git agent new (a ready spare in the pool)
#              vs  git worktree add -b            target: ≤ 0.05×
#   lifecycle  git agent new + git agent discard (pool)
#              vs  git worktree add -b + git worktree remove   target: ≤ 0.2×
#   and, for reference, git agent new + discard without a pool.
#
# Before every run main moves on by one commit (20 files edited), so each
# spare is one commit behind the session's base, as it is in real use.
# The pool is full and idle before each timed `new`; the `discard` right
# after it runs while the pool's background refill does. Between runs the
# background work (refill, removed files' deletion) is waited for.
#
# Usage: scripts/bench-pool.sh [runs] (default 7). scripts/bench.sh runs
# it as its `pool` section.
set -euo pipefail
RUNS=${1:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$here/target}
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
export PATH="$target/release:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}'; }
report() { printf '%-46s git-agent %6s ms   git %6s ms   ratio %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

make_repo() { # dir, then a command that fills it
  local dir=$1; shift
  git init -q -b main "$dir"
  "$@" "$dir"
  git -C "$dir" add -A >/dev/null 2>&1
  git -C "$dir" -c gc.auto=0 commit -q -m initial
  git -C "$dir" gc -q
  git -C "$dir" config gc.auto 0
}
fill_gitgit() { python3 - "$1" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(4847)
words = "the of and to in is that for it as with was on be by this are or from at".split()
for i in range(4800):
    d = os.path.join(root, f"dir{i % 60:02d}", f"sub{(i // 60) % 4}")
    os.makedirs(d, exist_ok=True)
    size = int(rng.lognormvariate(8.4, 1.0))
    size = max(200, min(size, 30000))
    line = " ".join(rng.choice(words) for _ in range(12)) + f" {i}\n"
    with open(os.path.join(d, f"file{i}.c"), "w") as f:
        f.write((line * (size // len(line) + 1))[:size])
PY
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

move_main_on() { # repo run
  git -C "$1" ls-files | awk -v n="$2" 'NR % 211 == n % 211' | head -20 | while read -r f; do
    echo "run $2" >> "$1/$f"
  done
  git -C "$1" commit -qam "main moves on ($2)"
}
# Wait for the pool's background work and for removed worktrees' deletion.
settle() {
  local repo=$1 i
  git -C "$repo" agent pool --fill >/dev/null 2>&1 || true
  for i in $(seq 300); do
    [ -z "$(ls -A "$repo/.git/agents/trash" 2>/dev/null)" ] && break
    sleep 0.1
  done
  sync
}

bench() { # repo label
  local repo=$1 label=$2 i add=() rm=() new=() discard=() plain_new=() plain_discard=()
  local files; files=$(git -C "$repo" ls-files | wc -l)
  for i in $(seq "$RUNS"); do
    move_main_on "$repo" "$i"
    sync
    add+=("$(ms git -C "$repo" worktree add -q -b "g$i" "$repo/../g$i" HEAD)")
    sync
    rm+=("$(ms git -C "$repo" worktree remove --force "$repo/../g$i")")
    git -C "$repo" branch -q -D "g$i"
    git -C "$repo" config agent.pool 0
    settle "$repo"
    plain_new+=("$(ms git -C "$repo" agent new "n$i")")
    sync
    plain_discard+=("$(ms git -C "$repo" agent discard "n$i")")
    git -C "$repo" config agent.pool 2
    settle "$repo"
    new+=("$(ms git -C "$repo" agent new "p$i")")
    discard+=("$(ms git -C "$repo" agent discard "p$i")")
    settle "$repo"
  done
  local m_add m_rm m_new m_discard m_pnew m_pdiscard
  m_add=$(printf '%s\n' "${add[@]}" | median)
  m_rm=$(printf '%s\n' "${rm[@]}" | median)
  m_new=$(printf '%s\n' "${new[@]}" | median)
  m_discard=$(printf '%s\n' "${discard[@]}" | median)
  m_pnew=$(printf '%s\n' "${plain_new[@]}" | median)
  m_pdiscard=$(printf '%s\n' "${plain_discard[@]}" | median)
  echo "$label: $files files"
  report "  new from the pool vs worktree add -b" "$m_new" "$m_add"
  report "  new + discard (pool) vs add + remove" "$((m_new + m_discard))" "$((m_add + m_rm))"
  report "  new without a pool vs worktree add -b" "$m_pnew" "$m_add"
  report "  new + discard (no pool) vs add + remove" "$((m_pnew + m_pdiscard))" "$((m_add + m_rm))"
  echo "  (medians: pool new $m_new, pool discard $m_discard, plain new $m_pnew, plain discard $m_pdiscard, add $m_add, remove $m_rm ms)"
  echo "  (all runs: pool new ${new[*]}; add ${add[*]})"
}

echo "git-agent warm pool benchmark, $RUNS runs each, medians"
make_repo "$work/gitgit/repo" fill_gitgit
bench "$work/gitgit/repo" "git.git-sized tree"
make_repo "$work/gen/repo" fill_generated
bench "$work/gen/repo" "generated tree"
