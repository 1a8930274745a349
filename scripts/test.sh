#!/usr/bin/env bash
# npm test: installs what it needs, builds, lints, then runs the test tiers in order:
#   unit (plain mocha, no VS Code)  →  lab (real sshd + bpftool/bpftrace nodes on this machine)
# Each tier ends with the plain line "N passed, N failed". Exit status: 0 only if all passed.
# TIERS="unit lab" selects tiers (default: all). Must run as root (the lab makes namespaces).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TIERS=${TIERS:-unit lab}
t0=$(date +%s)
say() { printf '\n=== %s (%ss)\n' "$*" $(( $(date +%s) - t0 )); }

bash scripts/ensure-deps.sh || exit 1
say "build: type-check + compile, bundle, lint"
npx tsc -p . || exit 1
node esbuild.mjs || exit 1
npx eslint . || exit 1

failed=()
for tier in $TIERS; do
  case $tier in
    unit) say "unit tier"; npx mocha --config .mocharc.unit.json || failed+=(unit);;
    lab)  say "lab tier";  bash test/lab/run.sh || failed+=(lab);;
    *) echo "unknown tier $tier" >&2; exit 2;;
  esac
done
say "done"
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED tiers: ${failed[*]}"; exit 1; fi
echo "all tiers passed: $TIERS"
