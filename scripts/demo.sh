#!/usr/bin/env bash
# npm run demo: eBPF Lens in a real VS Code (code-server, from npm) against one lab edge node
# with deployed BPF programs and a small service to trace. Installs what it needs; Ctrl-C stops
# and removes everything it started (code-server, the node's sshd and namespace, its pins).
# DEMO=incident (default): the 2 AM incident (demo/incident) on the node, with its walkthrough;
# DEMO=basic: two small deployed programs and a service to trace.
# env: DEMO_PORT (8080), DEMO_HOST (127.0.0.1; 0.0.0.0 to reach it from another machine)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "npm run demo must run as root (it starts a lab node: a network namespace and an sshd)" >&2; exit 1; }
export FLEET=1 TRIXIE=0 EXTRAS=0
LAB=test/lab/lab.sh
if [ -f "${LAB_DIR:-/run/ebpf-lens-lab}/lab.json" ]; then
  echo "A lab is already up (is npm test running?). Stop it first: bash $LAB down" >&2; exit 1
fi
cleanup() { echo "removing the demo node…"; bash $LAB down >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

bash scripts/ensure-deps.sh
echo "building…"
npm run -s compile >/dev/null
node esbuild.mjs --minify
echo "installing the real VS Code (code-server) if needed…"
bash test/e2e/install.sh >/dev/null
bash $LAB up
if [ "${DEMO:-incident}" = incident ]; then
  bash demo/incident/incident.sh up edge1
else
  bash $LAB deploy edge1 counter_v1
  bash $LAB deploy edge1 xdp
  bash $LAB app edge1 start >/dev/null
fi
node out/demo/editor.js
