#!/usr/bin/env bash
# npm run demo: one lab edge node with a deployed BPF program, listed by `ebpf-lens list`.
# Installs what it needs, starts its own node, and removes everything it started on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "npm run demo must run as root (it starts a lab node: a network namespace and an sshd)" >&2; exit 1; }
export FLEET=1 TRIXIE=0 EXTRAS=0
LAB=test/lab/lab.sh
WORK=$(mktemp -d /tmp/ebpf-lens-demo.XXXXXX)
cleanup() { bash $LAB down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

bash scripts/ensure-deps.sh
npx tsc -p . >/dev/null
node esbuild.mjs
bash $LAB up
bash $LAB deploy edge1 counter_v1
bash $LAB deploy edge1 xdp

# the node as a user would configure it (the lab's host key is trusted through known_hosts,
# verification stays on)
node -e '
  const lab = require(process.argv[1]);
  const n = lab.nodes.find((x) => x.name === "edge1");
  const cfg = { "ebpfLens.nodes": [{ name: "edge1", host: n.host, port: n.port, user: "root",
      identityFile: lab.clientKey, tags: ["demo"] }],
    "ebpfLens.knownHostsFiles": [lab.knownHosts] };
  require("fs").writeFileSync(process.argv[2], JSON.stringify(cfg, null, 2));
' "${LAB_DIR:-/run/ebpf-lens-lab}/lab.json" "$WORK/nodes.json"

export XDG_CONFIG_HOME=$WORK/config
echo
echo "\$ ebpf-lens list --config nodes.json --node edge1"
node dist/cli.js list --config "$WORK/nodes.json" --node edge1
echo
echo "\$ ebpf-lens list --config nodes.json --node edge1 --json   (first program)"
node dist/cli.js list --config "$WORK/nodes.json" --node edge1 --json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const p = JSON.parse(s).nodes[0].programs.find((x) => x.pinned.length > 0);
    console.log(JSON.stringify(p, null, 2)); });'
echo
echo "The node, its sshd and its pins are removed now."
