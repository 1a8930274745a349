#!/usr/bin/env bash
# The 2 AM incident, on a lab edge node (test/lab/lab.sh must be up; the node must be a netns
# node of the bookworm flavour, e.g. edge1):
#
#   incident.sh up NODE [RATE]      traffic generator namespace ↔ NODE over a veth pair (inc0 on
#                                   the node, XDP in driver mode), the UDP service on NODE,
#                                   RATE datagrams/s (default 1000), and deploy v1
#   incident.sh deploy NODE v1|v2   replace the deployment (v2: the "automated optimisation")
#   incident.sh rollback NODE       deploy v1 again
#   incident.sh truth NODE          JSON: the generator's and the service's own counters, the
#                                   scenario's constants (rate, abort fraction, sampler Hz), the
#                                   deployments made so far (version, time)
#   incident.sh status NODE         the same, for people
#   incident.sh down NODE           stop everything, remove the pins, the namespace and the veth
#
# Expected values come from the construction: the generator sends RATE packets/s; v2's XDP
# program aborts every packet whose sequence number is a multiple of 10 (ABORT = 0.1); v1's
# sampler runs at 10 Hz on CPU 0.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABSH=$HERE/../../test/lab/lab.sh
LAB=${LAB_DIR:-/run/ebpf-lens-lab}
INC=$LAB/incident
GENNS=elab-incgen
PINS=/sys/fs/bpf/incident/edge
PORT=9999
EDGE_ADDR=10.200.0.249      # a /30 of the lab's 10.200.0.0/24, only on this veth pair
GEN_ADDR=10.200.0.250
log() { printf '[incident] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "the incident must run as root"
[ -f "$LAB/lab.json" ] || die "the lab is not up: bash test/lab/lab.sh up"
nodeexec() { bash "$LABSH" nodeexec "$@"; }
check_node() {
  case $1 in edge[0-9]*) ;; *) die "the incident runs on a bookworm netns node (edge1, edge2, …), not $1";; esac
  ip netns list | grep -qw "^elab-$1" || die "node $1 is not up"
}

build() {
  mkdir -p "$INC/bin" "$INC/obj"
  local v f
  [ -s "$LAB/build/vmlinux.h" ] || die "no vmlinux.h in $LAB/build (lab.sh up makes it)"
  for v in v1 v2; do
    if [ ! -s "$INC/obj/edge_$v.bpf.o" ] || [ "$HERE/bpf/edge_$v.bpf.c" -nt "$INC/obj/edge_$v.bpf.o" ]; then
      clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"$LAB/build" -c "$HERE/bpf/edge_$v.bpf.c" -o "$INC/obj/edge_$v.bpf.o"
    fi
  done
  for f in udpsink udpgen; do
    if [ ! -x "$INC/bin/$f" ] || [ "$HERE/src/$f.c" -nt "$INC/bin/$f" ]; then gcc -O1 -g -Wall -o "$INC/bin/$f" "$HERE/src/$f.c"; fi
  done
  if [ ! -x "$INC/bin/incident-agent" ] || [ "$HERE/src/agent.c" -nt "$INC/bin/incident-agent" ]; then
    gcc -O2 -Wall -o "$INC/bin/incident-agent" "$HERE/src/agent.c" -lbpf
  fi
  chmod 0755 "$INC" "$INC/bin"
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pidof_file() { cat "$1" 2>/dev/null || true; }

stop_pid() { # FILE
  local p; p=$(pidof_file "$1")
  if alive "$p"; then kill "$p" 2>/dev/null || true; for _ in $(seq 1 30); do alive "$p" || break; sleep 0.1; done; alive "$p" && kill -9 "$p" 2>/dev/null; fi
  rm -f "$1"
}

cmd_up() {
  local n=$1 rate=${2:-1000}
  check_node "$n"
  build
  mkdir -p "$INC/$n"
  echo "$rate" > "$INC/$n/rate"
  : > "$INC/$n/deploys.log"
  if ! ip netns list | grep -qw "^$GENNS"; then
    ip netns add "$GENNS"
    ip -n "$GENNS" link set lo up
    ip link add incg0 netns "$GENNS" type veth peer name inc0 netns "elab-$n"
    ip -n "elab-$n" addr add "$EDGE_ADDR/30" dev inc0
    ip -n "elab-$n" link set inc0 up
    ip -n "$GENNS" addr add "$GEN_ADDR/30" dev incg0
    ip -n "$GENNS" link set incg0 up
  fi
  # the service on the node
  if ! alive "$(pidof_file "$INC/$n/sink.pid")"; then
    nodeexec "$n" sh -c 'setsid "$1" "$2" > "$3" 2>&1 < /dev/null & echo $!' sh "$INC/bin/udpsink" "$PORT" "$INC/$n/sink.out" > "$INC/$n/sink.pid"
  fi
  cmd_deploy "$n" v1
  # steady traffic from the generator's namespace
  if ! alive "$(pidof_file "$INC/$n/gen.pid")"; then
    ip netns exec "$GENNS" sh -c 'setsid "$1" "$2" "$3" "$4" > "$5" 2>&1 < /dev/null & echo $!' sh "$INC/bin/udpgen" "$EDGE_ADDR" "$PORT" "$rate" "$INC/$n/gen.out" > "$INC/$n/gen.pid"
  fi
  log "up on $n: $rate packets/s to $EDGE_ADDR:$PORT (inc0), v1 deployed"
}

cmd_deploy() {
  local n=$1 v=$2
  check_node "$n"
  case $v in v1|v2) ;; *) die "deploy v1 | v2";; esac
  build
  mkdir -p "$INC/$n"
  # the old deployment goes first (one XDP program per interface), then the new one comes up
  stop_pid "$INC/$n/agent.pid"
  nodeexec "$n" rm -rf "$PINS"
  nodeexec "$n" mkdir -p "$(dirname "$PINS")"
  rm -f "$INC/$n/agent.out"
  nodeexec "$n" sh -c 'setsid "$1" "$2" "$3" inc0 "$4" > "$5" 2>&1 < /dev/null & echo $!' sh \
    "$INC/bin/incident-agent" "$INC/obj/edge_$v.bpf.o" "$PINS" "$INC/bin/udpsink" "$INC/$n/agent.out" > "$INC/$n/agent.pid"
  for _ in $(seq 1 100); do grep -q '^ready$' "$INC/$n/agent.out" 2>/dev/null && break; alive "$(pidof_file "$INC/$n/agent.pid")" || break; sleep 0.1; done
  grep -q '^ready$' "$INC/$n/agent.out" 2>/dev/null || { cat "$INC/$n/agent.out" >&2 2>/dev/null; die "the $v agent did not come up"; }
  printf '%s %s\n' "$v" "$(date +%s%3N)" >> "$INC/$n/deploys.log"
  log "$n: $v deployed"
}

last_line() { tail -n 1 "$1" 2>/dev/null || true; }
cmd_truth() {
  local n=$1 s g
  s=$(last_line "$INC/$n/sink.out"); g=$(last_line "$INC/$n/gen.out")
  printf '{"node": "%s", "rate": %s, "abortFraction": 0.1, "samplerHz": 10, "port": %s, "interface": "inc0",' "$n" "$(cat "$INC/$n/rate" 2>/dev/null || echo 0)" "$PORT"
  printf ' "sent": {"t": %s, "n": %s}, "received": {"t": %s, "n": %s}, "deploys": [' \
    "$(echo "$g" | sed -n 's/^t=\([0-9]*\) .*/\1/p' | grep . || echo 0)" "$(echo "$g" | sed -n 's/.*sent=\([0-9]*\)$/\1/p' | grep . || echo 0)" \
    "$(echo "$s" | sed -n 's/^t=\([0-9]*\) .*/\1/p' | grep . || echo 0)" "$(echo "$s" | sed -n 's/.*received=\([0-9]*\)$/\1/p' | grep . || echo 0)"
  awk 'BEGIN { f = 1 } { printf "%s{\"version\": \"%s\", \"at\": %s}", (f ? "" : ", "), $1, $2; f = 0 }' "$INC/$n/deploys.log" 2>/dev/null || true
  printf ']}\n'
}

cmd_status() {
  local n=$1
  cmd_truth "$n"
  nodeexec "$n" sh -c "find $PINS -mindepth 1 2>/dev/null | sort" || true
}

cmd_down() {
  local n=$1
  stop_pid "$INC/$n/gen.pid"
  stop_pid "$INC/$n/agent.pid"
  stop_pid "$INC/$n/sink.pid"
  if ip netns list | grep -qw "^elab-$n"; then
    nodeexec "$n" rm -rf "$(dirname "$PINS")" 2>/dev/null || true
    ip -n "elab-$n" link del inc0 2>/dev/null || true
  fi
  ip netns del "$GENNS" 2>/dev/null || true
  rm -rf "${INC:?}/$n"
  log "down on $n"
}

case ${1:-} in
  build) build;;
  up) shift; cmd_up "$@";;
  deploy) shift; cmd_deploy "$@";;
  rollback) cmd_deploy "$2" v1;;
  truth) cmd_truth "$2";;
  status) cmd_status "$2";;
  down) cmd_down "$2";;
  *) sed -n '2,20p' "$0"; exit 2;;
esac
