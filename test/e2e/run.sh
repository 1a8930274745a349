#!/usr/bin/env bash
# The e2e tier: the extension in a real VS Code (code-server from npm) against the lab, which
# must be up (scripts/test.sh brings it up; alone: `bash test/lab/lab.sh up` first).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ -f "${LAB_DIR:-/run/ebpf-lens-lab}/lab.json" ] || { echo "the lab is not up: bash test/lab/lab.sh up" >&2; exit 1; }
bash test/e2e/install.sh >/dev/null || exit 1
node out/test/e2e/harness/main.js
