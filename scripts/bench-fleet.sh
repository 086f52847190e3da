#!/usr/bin/env bash
# The 50-agent case of issue 14, as a benchmark (not a test: timings vary
# with the machine). On a generated repository, N detached fake agents run
# at once; SHARED of them append to a few shared files (so they conflict
# pairwise), the rest write files of their own. Then, as a person would:
#
#   git agent land                                  # lands what it can
#   for id in <conflicted>; do git agent sync $id -- <resolver>; done
#   git agent land                                  # and again, until all are home
#
# The resolver is a scripted agent: it keeps both sides of each conflict
# (drops the markers), stages and commits the merge. Prints the wall time of
# each phase, the git-agent commands run and the commands a person typed
# (a `for` loop over the conflicted ids is one line), against the same
# fleet brought home by hand: one `keep --squash` per session plus, for each
# refused one, a merge in the session, an edit, a commit and a keep again.
#
# Usage: scripts/bench-fleet.sh [agents] [shared] [shared files]
#        (default 50 30 10). GIT_AGENT_BIN names the binary (default: a
#        release build of this checkout, honouring CARGO_TARGET_DIR).
set -euo pipefail
AGENTS=${1:-50}
SHARED=${2:-30}
FILES=${3:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${GIT_AGENT_BIN:-} ]]; then
  cargo build --release --quiet --manifest-path "$here/Cargo.toml"
  GIT_AGENT_BIN=${CARGO_TARGET_DIR:-$here/target}/release/git-agent
fi
export PATH="$(dirname "$GIT_AGENT_BIN"):$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# A generated repository: 200 source files, the shared files.
repo=$work/repo
git init -q -b main "$repo"
cd "$repo"
for i in $(seq 1 200); do mkdir -p "src/m$((i % 20))"; printf 'line %s\n' "$i" > "src/m$((i % 20))/f$i.txt"; done
for f in $(seq 1 "$FILES"); do printf 'shared %s\n' "$f" > "shared$f.txt"; done
git add -A && git commit -qm "generated"

resolver=$work/resolve.sh
cat > "$resolver" <<'SH'
#!/bin/sh
# Keep both sides of every conflict: drop the markers, commit the merge.
set -e
for f in $(git diff --name-only --diff-filter=U); do
  sed -i -e '/^<<<<<<< /d' -e '/^=======$/d' -e '/^>>>>>>> /d' "$f"
done
git add -A
git commit -q --no-edit
SH
chmod +x "$resolver"

commands=0
agent() { commands=$((commands + 1)); git agent "$@"; }

start=$(now)
for i in $(seq 1 "$AGENTS"); do
  id=$(printf 'a%02d' "$i")
  if (( i <= SHARED )); then
    file="shared$(( (i - 1) % FILES + 1 )).txt"
  else
    file="own/$id.txt"
  fi
  git agent new "$id" --detach -- sh -c "mkdir -p own && printf 'work of %s\n' $id >> $file" >/dev/null 2>&1
done
git agent wait >/dev/null 2>&1
dispatch=$(since "$start")

start=$(now)
typed=0
rounds=0
syncs=0
land_time=0
sync_time=0
while :; do
  rounds=$((rounds + 1))
  typed=$((typed + 1))
  t=$(now)
  agent land --json > "$work/land.json" || true
  land_time=$(awk -v a="$land_time" -v b="$(since "$t")" 'BEGIN { printf "%.2f", a + b }')
  conflicted=$(jq -r '.results[] | select(.result == "conflict") | .session' "$work/land.json")
  landed=$(jq '[.results[] | select(.result == "landed")] | length' "$work/land.json")
  left=$(echo "$conflicted" | grep -c . || true)
  echo "round $rounds: landed $landed, conflicted $left"
  [[ $left -eq 0 ]] && break
  typed=$((typed + 1))
  t=$(now)
  for id in $conflicted; do
    syncs=$((syncs + 1))
    agent sync "$id" -- "$resolver" >/dev/null 2>&1 || { echo "sync $id failed" >&2; exit 1; }
  done
  sync_time=$(awk -v a="$sync_time" -v b="$(since "$t")" 'BEGIN { printf "%.2f", a + b }')
done
landing=$(since "$start")

kept=$(git agent list --all --json | jq '[.[] | select(.state == "kept")] | length')
commits=$(git rev-list --count HEAD)
missing=$(git agent audit --json "HEAD~$((commits - 1))..HEAD" | jq '[.[] | select(.session == null)] | length')
git fsck --strict --no-progress --no-dangling >/dev/null

echo
echo "agents: $AGENTS ($SHARED appending to $FILES shared files)"
echo "dispatch (new --detach x$AGENTS, wait): ${dispatch}s"
echo "landing: ${landing}s in $rounds rounds: land ${land_time}s, $syncs syncs ${sync_time}s"
echo "home: $kept of $AGENTS kept; $((commits - 1)) commits on main, $missing without provenance; fsck clean"
echo "git-agent commands run: $commands; lines a person typed: $typed"
refused=$((SHARED - FILES))
echo "by hand: $AGENTS keeps + $refused refused, each merge + edit + commit + keep again = $((AGENTS + 4 * refused)) commands"
