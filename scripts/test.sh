#!/usr/bin/env bash
# npm test: installs what it needs, builds, lints, then runs the test tiers in order:
#   unit (plain mocha, no VS Code) → lab (real sshd + bpftool/bpftrace nodes on this machine)
#   → e2e (the extension inside a real VS Code: code-server, headless Chromium)
#   → demo (npm run demo comes up, and Ctrl-C leaves nothing behind)
# Each tier ends with the plain line "N passed, N failed". Exit status 0 only if all passed.
# TIERS="unit lab e2e" selects tiers. Runs as root (the lab makes namespaces and sshds).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TIERS=${TIERS:-unit lab e2e demo}
t0=$(date +%s)
say() { printf '\n=== %s (%ss)\n' "$*" $(( $(date +%s) - t0 )); }

bash scripts/ensure-deps.sh || exit 1
say "build: type-check + compile, bundle, lint"
npm run -s compile || exit 1   # out/ is made afresh: a file moved or removed leaves no stale test behind
node esbuild.mjs || exit 1
npx eslint . || exit 1
npx prettier --check . >/dev/null || { echo "prettier: files not formatted (npm run format):"; npx prettier --list-different .; exit 1; }

case " $TIERS " in
  *" lab "*|*" e2e "*)
    [ "$(id -u)" = 0 ] || { echo "the lab and e2e tiers must run as root" >&2; exit 1; }
    say "lab up"
    trap 'bash test/lab/lab.sh down' EXIT
    trap 'exit 130' INT TERM
    bash test/lab/lab.sh down >/dev/null 2>&1   # leftovers of an earlier crashed run
    bash test/lab/lab.sh up || exit 1;;
esac

failed=()
for tier in $TIERS; do
  case $tier in
    unit) say "unit tier"; npx mocha --config .mocharc.unit.json || failed+=(unit);;
    lab)  say "lab tier";  npx mocha --config .mocharc.lab.json || failed+=(lab);;
    e2e)  say "e2e tier";  bash test/e2e/run.sh || failed+=(e2e);;
    demo) say "demo tier"
          bash test/lab/lab.sh down >/dev/null 2>&1   # the demo brings up its own node
          bash test/e2e/install.sh >/dev/null && node out/test/e2e/harness/demoCheck.js || failed+=(demo);;
    *) echo "unknown tier $tier" >&2; exit 2;;
  esac
done
say "done"
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED tiers: ${failed[*]}"; exit 1; fi
echo "all tiers passed: $TIERS"
