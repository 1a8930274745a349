#!/usr/bin/env bash
# The fresh-machine rehearsal: what a newcomer's first `npm test` meets, run before resolving work.
#   - clones HEAD (committed work only) into a new folder;
#   - removes the project's caches: /var/cache/ebpf-lens (the trixie node root, VS Code) and uses an
#     empty temporary npm cache, so every npm package comes from the registry again;
#   - refuses to run beside another `npm test`, lab or demo (they share the lab's names and ports);
#   - runs `npm test` there, exactly as the README says, and checks its time budget:
#     55 min, or 75 min with HOG=1 (one core kept busy for the whole run: real machines are loaded).
# env: HOG=1  KEEP=1 (keep the clone after a green run; a red one is always kept)  TIERS (passed on)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "fresh-check: run as root (npm test makes namespaces and sshds)" >&2; exit 1; }

busy=()
[ -e /run/ebpf-lens-lab ] && busy+=("a lab is up (/run/ebpf-lens-lab)")
ip netns list 2>/dev/null | grep -q '^elab-' && busy+=("lab network namespaces exist (ip netns list)")
pgrep -f 'scripts/test\.sh|test/lab/run\.sh|scripts/demo\.sh' >/dev/null && busy+=("another npm test or demo runs: $(pgrep -af 'scripts/test\.sh|scripts/demo\.sh' | head -1)")
pgrep -f 'code-server|out/node/entry\.js' >/dev/null && busy+=("a code-server runs")
if [ ${#busy[@]} -gt 0 ]; then
  printf 'fresh-check: refused, the machine is not quiet:\n' >&2
  printf '  - %s\n' "${busy[@]}" >&2
  printf 'Stop them (bash test/lab/lab.sh down; end the other run), then try again.\n' >&2
  exit 3
fi

stamp=$(date +%Y%m%d-%H%M%S)
dir=${FRESH_DIR:-/var/tmp/ebpf-lens-fresh-$stamp}
npmcache=$(mktemp -d /var/tmp/ebpf-lens-npm-cache.XXXXXX)
log=$dir.log
hog=
cleanup() {
  [ -n "$hog" ] && kill "$hog" 2>/dev/null
  rm -rf "$npmcache"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "fresh-check: cloning $(git -C "$here" rev-parse --short HEAD) into $dir (log: $log)"
[ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ] && echo "fresh-check: note: uncommitted changes in $here are not part of this run"
git clone -q "$here" "$dir" || exit 1
rm -rf --one-file-system /var/cache/ebpf-lens
if [ "${HOG:-0}" = 1 ]; then
  ( trap 'exit 0' TERM; while :; do :; done ) &
  hog=$!
  echo "fresh-check: HOG=1, one core kept busy (pid $hog)"
fi
budget=55; [ "${HOG:-0}" = 1 ] && budget=75
t0=$(date +%s)
( cd "$dir" && env npm_config_cache="$npmcache" ${TIERS:+TIERS="$TIERS"} npm test ) > "$log" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
grep -E '^=== |^[0-9]+ passed, [0-9]+ failed|^tier check:|^HOLLOW|^FAILED|^all tiers passed' "$log" | sed 's/^/  /'
min=$(( (secs + 59) / 60 ))
echo "fresh-check: npm test exited $rc after ${secs} s (~${min} min; budget ${budget} min${HOG:+, HOG=$HOG})"
if [ $rc -eq 0 ] && [ $secs -gt $(( budget * 60 )) ]; then
  echo "fresh-check: OVER BUDGET" >&2
  rc=4
fi
if [ $rc -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf --one-file-system "$dir"; else echo "fresh-check: the clone is kept: $dir"; fi
exit $rc
