#!/usr/bin/env bash
# Install what the project itself needs to build (npm packages), idempotently.
# The lab (test/lab/lab.sh) and the e2e harness install their own Debian packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "Node.js and npm are needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }
stamp=node_modules/.ebpf-lens-lock
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[deps] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
