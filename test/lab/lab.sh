#!/usr/bin/env bash
# eBPF Lens test lab: a fleet of real "edge nodes" on this machine, each a real sshd with its own
# host key, its own mount namespace (private bpffs and /tmp) and, for most, its own network
# namespace behind a bridge that has a leg in this machine's namespace (so tests, the CLI and
# code-server reach every node directly).
#
#   lab.sh up                 install packages (idempotent), build assets, start every node
#   lab.sh down               remove everything 'up' made (also after a failed or partial run)
#   lab.sh status             nodes, pids, pins
#   lab.sh deploy NODE WHAT   WHAT = counter_v1 | counter_v2 | moved_getpgid | moved_getsid | xdp: load, attach and pin under
#                             /sys/fs/bpf/edge/<name> in NODE's own bpffs (like a real deploy)
#   lab.sh undeploy NODE [NAME]   remove that deployment (all of /sys/fs/bpf/edge without NAME)
#   lab.sh nodeexec NODE CMD...   run CMD in NODE's mount + network namespaces, as root, no ssh
#   lab.sh cut|uncut NODE     take NODE's link down / up (sshd keeps running)
#   lab.sh kill NODE          kill NODE's sshd and every session process (a crashed node)
#   lab.sh start NODE         start NODE again after 'kill' (a reboot: its pins are gone)
#   lab.sh fault NODE MODE [TOOL]  replace bpftool (or bpftrace) on NODE only: truncated | malformed |
#                             empty | crash | slow (real output after SLOW=3 s) | missing | count (the
#                             real tool; each run's argv and batch commands logged on the node in
#                             /run/ebpf-lens-bpftool-count-NODE.log)
#   lab.sh unfault NODE [TOOL]
#   lab.sh slowlogin NODE sleep|cpu N | off   a slow login shell on NODE: its /etc/bash.bashrc (read by
#                             bash for every SSH session, before any interactive guard) first sleeps
#                             N s, or keeps a CPU busy for N s of CPU time; off restores it. It
#                             stays through 'kill' + 'start' (a reboot keeps rc files); 'down' ends it
#   lab.sh stats 0|1          kernel.bpf_stats_enabled (the value found first is restored by down)
#   lab.sh grow N | shrink N  more edge nodes up to edgeN (load tests) | back to edge1..edgeN
#   lab.sh app NODE start [RATE] | stop | path   run edgeapp (hot/cold functions, USDT) on NODE;
#                             path: where NODE sees its binary (app.out: t=NS hot=N cold=N lines)
#
# Nodes: edge1..edge$FLEET (netns, Debian bookworm tools: bpftrace 0.17, bpftool 7.1),
#        lo1 (loopback port, same tools), trixie1 (netns + Debian trixie root: bpftrace 0.23,
#        bpftool 7.5), forky1 (netns + Debian forky root: bpftrace 0.27, bpftool 7.8), jump1
#        (netns, allows TCP forwarding), hidden1 (sshd on 127.0.0.1 inside jump1's namespace:
#        reachable only through ProxyJump jump1).
# Users on every node: root (key), edgeuser (key or password, NOPASSWD sudo for bpftool and
# bpftrace only), edgenosudo (key, no sudo).
# ClientAliveInterval is left unset on edge1, trixie1 and forky1 (as on many real nodes).
#
# env: LAB_DIR (/run/ebpf-lens-lab)  FLEET (20)  TRIXIE (1)  FORKY (1)  EXTRAS (1: lo1, jump1, hidden1)
#      LAB_BASEPORT (2200)
#      EBPF_LENS_CACHE (/var/cache/ebpf-lens: the trixie and forky roots, reused; never required)
set -euo pipefail

LAB=${LAB_DIR:-/run/ebpf-lens-lab}
FLEET=${FLEET:-20}
TRIXIE=${TRIXIE:-1}
FORKY=${FORKY:-1}
EXTRAS=${EXTRAS:-1}
BASEPORT=${LAB_BASEPORT:-2200}
CACHE=${EBPF_LENS_CACHE:-/var/cache/ebpf-lens}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BR=elabbr
NET=10.200.0          # used ONLY on the lab's own bridge and namespaces
SUDO_USER_NAME=edgeuser
NOSUDO_USER_NAME=edgenosudo
USER_MARK="ebpf-lens lab user"
SSHD=/usr/sbin/sshd

log() { printf '[lab] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "the lab must run as root"
case $LAB in /|/run|/tmp|/var|/root|/home|"") die "LAB_DIR=$LAB is not a folder the lab may own";; esac

# ------------------------------------------------------------------------------------ nodes
# name kind addr port clientalive forwarding
node_table() {
  local i
  for i in $(seq 1 "$FLEET"); do
    printf 'edge%s netns %s.%s 22 %s no\n' "$i" "$NET" $((10 + i)) "$([ "$i" = 1 ] && echo no || echo yes)"
  done
  if [ "$EXTRAS" = 1 ]; then
    printf 'lo1 loopback 127.0.0.1 %s yes no\n' $((BASEPORT + 1))
    printf 'jump1 netns %s.2 22 yes yes\n' "$NET"
    printf 'hidden1 hidden 127.0.0.1 22 yes no\n'
  fi
  [ "$TRIXIE" = 1 ] && printf 'trixie1 trixie %s.3 22 no no\n' "$NET"
  [ "$FORKY" = 1 ] && printf 'forky1 forky %s.4 22 no no\n' "$NET"
  return 0
}
node_field() { # NODE FIELD#
  local f
  f=$(awk -v n="$1" -v k="$2" '$1 == n { print $k }' "$LAB/nodes.tsv" 2>/dev/null) || true
  [ -n "$f" ] || die "unknown node $1"
  echo "$f"
}
# a node of a Debian root of its own (trixie, forky) runs chrooted on an overlay of the cached root
rooted() { case $1 in trixie|forky) return 0;; *) return 1;; esac; }
root_cache() { echo "$CACHE/$1-root"; } # FLAVOUR
netns_of() { local k; k=$(node_field "$1" 2); case $k in netns|trixie|forky) echo "elab-$1";; hidden) echo elab-jump1;; *) echo "";; esac; }
root_of() { rooted "$(node_field "$1" 2)" && echo "$LAB/nodes/$1/root" || echo ""; }
pidfile_of() { rooted "$(node_field "$1" 2)" && echo "$LAB/nodes/$1/upper/run/sshd-lab.pid" || echo "$LAB/nodes/$1/sshd.pid"; }
sshd_pid() { # prints the pid of NODE's listening sshd if it is alive and really ours
  local f p
  f=$(pidfile_of "$1"); [ -s "$f" ] || return 1
  p=$(cat "$f"); [ -d "/proc/$p" ] || return 1
  grep -qa "sshd" "/proc/$p/cmdline" || return 1
  echo "$p"
}
# every process in NODE's mount namespace (sshd, sessions, anything a session started)
node_pids() {
  local ns d
  ns=$(cat "$LAB/nodes/$1/mntns" 2>/dev/null) || return 0
  [ -n "$ns" ] && [ "$ns" != "$(readlink /proc/1/ns/mnt)" ] || return 0
  # one find for all processes (a readlink per process forked hundreds of times: a kill took 5 s
  # under load, while a test waited for it to cut the next node)
  find /proc/[0-9]*/ns/mnt -maxdepth 0 -printf '%h %l\n' 2>/dev/null | awk -v ns="$ns" '$2 == ns { split($1, a, "/"); print a[3] }'
  return 0
}
nodeexec() {
  local n=$1 p args; shift
  p=$(sshd_pid "$n") || die "node $n is not running"
  args=(-t "$p" -m)
  [ -n "$(netns_of "$n")" ] && args+=(-n)
  nsenter "${args[@]}" -- "$@"
}

# ------------------------------------------------------------------------------------ install + build
install_deps() {
  local pkgs=(openssh-server openssh-client sudo bpftool bpftrace clang llvm libbpf-dev gcc libc6-dev
              systemtap-sdt-dev iproute2 util-linux procps passwd coreutils)
  { [ "$TRIXIE" = 1 ] || [ "$FORKY" = 1 ]; } && pkgs+=(debootstrap)
  local missing=() p
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$LAB/apt.log" 2>&1 \
      || { tail -20 "$LAB/apt.log" >&2; die "apt-get install failed"; }
  fi
}

ensure_mounts() {
  mountpoint -q /sys/kernel/debug   || mount -t debugfs none /sys/kernel/debug
  mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing
  mountpoint -q /sys/fs/bpf         || mount -t bpf bpf /sys/fs/bpf
  mkdir -p /run/sshd && chmod 0755 /run/sshd
}

build_assets() {
  mkdir -p "$LAB/bin" "$LAB/build"
  [ -s "$LAB/build/vmlinux.h" ] || bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$LAB/build/vmlinux.h"
  local o src
  for src in counter_v1 counter_v2 xdp_count; do
    o=$LAB/bin/$src.bpf.o
    if [ ! -s "$o" ] || [ "$HERE/src/$src.bpf.c" -nt "$o" ]; then
      clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"$LAB/build" -c "$HERE/src/$src.bpf.c" -o "$o"
    fi
  done
  # one program, two tracepoints: a deployment that moves (moved_getpgid → moved_getsid)
  for src in getpgid getsid; do
    o=$LAB/bin/moved_$src.bpf.o
    if [ ! -s "$o" ] || [ "$HERE/src/moved.bpf.c" -nt "$o" ]; then
      clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -DTP="sys_enter_$src" -I"$LAB/build" -c "$HERE/src/moved.bpf.c" -o "$o"
    fi
  done
  if [ ! -x "$LAB/bin/lab-load" ] || [ "$HERE/src/lab-load.c" -nt "$LAB/bin/lab-load" ]; then
    gcc -O2 -Wall -o "$LAB/bin/lab-load" "$HERE/src/lab-load.c" -lbpf
  fi
  if [ ! -x "$LAB/bin/edgeapp" ] || [ "$HERE/src/edgeapp.c" -nt "$LAB/bin/edgeapp" ]; then
    gcc -O1 -g -Wall -o "$LAB/bin/edgeapp" "$HERE/src/edgeapp.c"
  fi
  if [ ! -x "$LAB/bin/writegen" ] || [ "$HERE/src/writegen.c" -nt "$LAB/bin/writegen" ]; then
    gcc -O2 -Wall -o "$LAB/bin/writegen" "$HERE/src/writegen.c"
  fi
  chmod 0755 "$LAB" "$LAB/bin"
}

build_root() { # FLAVOUR: debootstrap a Debian root for the nodes of that flavour, once (cached)
  local flavour=$1 dest mirror script=()
  dest=$(root_cache "$flavour")
  [ -x "$dest/usr/bin/bpftrace" ] && return 0
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt for the $flavour node"
  # bookworm's debootstrap has no script for forky: sid's builds it (never install forky packages on the machine)
  [ -e "/usr/share/debootstrap/scripts/$flavour" ] || script=(/usr/share/debootstrap/scripts/sid)
  log "building the $flavour node root in $dest (debootstrap, ~1 min, cached for next runs)"
  mkdir -p "$CACHE"; rm -rf --one-file-system "$dest.tmp"
  debootstrap --variant=minbase --include=openssh-server,bpftrace,bpftool,sudo,iproute2,procps,passwd,coreutils \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$flavour" "$dest.tmp" "$mirror" "${script[@]}" \
    >"$LAB/debootstrap-$flavour.log" 2>&1 || { tail -20 "$LAB/debootstrap-$flavour.log" >&2; die "debootstrap of $flavour failed"; }
  chroot "$dest.tmp" apt-get clean >/dev/null 2>&1 || true
  mv "$dest.tmp" "$dest"
}

make_keys() {
  mkdir -p "$LAB/keys" "$LAB/secrets"; chmod 0755 "$LAB/keys"; chmod 0700 "$LAB/secrets"
  [ -f "$LAB/secrets/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C ebpf-lens-lab-client -f "$LAB/secrets/id_ed25519"
  [ -f "$LAB/secrets/wrong_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C not-authorized -f "$LAB/secrets/wrong_ed25519"
  # a passphrase-protected key that IS authorized (passphrase prompt tests)
  [ -f "$LAB/secrets/pass_ed25519" ] || {
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$LAB/secrets/passphrase"
    ssh-keygen -q -t ed25519 -N "$(cat "$LAB/secrets/passphrase")" -C ebpf-lens-lab-passphrase -f "$LAB/secrets/pass_ed25519"
  }
  [ -s "$LAB/secrets/edgeuser.password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$LAB/secrets/edgeuser.password"
  cat "$LAB/secrets/id_ed25519.pub" "$LAB/secrets/pass_ed25519.pub" > "$LAB/keys/authorized_keys"
  chmod 0644 "$LAB/keys/authorized_keys"
}

sudoers_text() { # BPFTOOL BPFTRACE
  printf '# ebpf-lens lab: passwordless sudo for the BPF tools only\n%s ALL=(root) NOPASSWD: %s, %s\n' \
    "$SUDO_USER_NAME" "$1" "$2"
}
make_users() { # in the machine's /etc (the bookworm nodes share it)
  local u
  for u in "$SUDO_USER_NAME" "$NOSUDO_USER_NAME"; do
    if ! id "$u" >/dev/null 2>&1; then
      useradd -m -s /bin/bash -c "$USER_MARK" "$u"
    elif [ "$(getent passwd "$u" | cut -d: -f5)" != "$USER_MARK" ]; then
      die "user $u exists and is not a lab user: refusing to touch it"
    fi
  done
  usermod -p '*' "$NOSUDO_USER_NAME"   # 'useradd' leaves the account locked; UsePAM no refuses locked accounts
  echo "$SUDO_USER_NAME:$(cat "$LAB/secrets/edgeuser.password")" | chpasswd
  sudoers_text /usr/sbin/bpftool /usr/bin/bpftrace > /etc/sudoers.d/ebpf-lens-lab
  chmod 0440 /etc/sudoers.d/ebpf-lens-lab
  visudo -cq -f /etc/sudoers.d/ebpf-lens-lab || die "bad sudoers file"
}

# ------------------------------------------------------------------------------------ network
make_bridge() {
  ip link show "$BR" >/dev/null 2>&1 && return 0
  ip link add "$BR" type bridge
  ip addr add "$NET.1/24" dev "$BR"
  ip link set "$BR" up
}
make_netns() { # NODE ADDR
  local ns="elab-$1" v="elv-$1"
  ip netns list | grep -qw "^$ns" && return 0
  ip netns add "$ns"
  ip link add "$v" type veth peer name eth0 netns "$ns"
  ip link set "$v" master "$BR" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$2/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# ------------------------------------------------------------------------------------ sshd per node
write_sshd_config() { # NODE ADDR PORT CLIENTALIVE FORWARDING KEYDIR PIDFILE AUTHKEYS > file
  cat <<CFG
# ebpf-lens lab node $1
ListenAddress $2
Port $3
HostKey $6/ssh_host_ed25519_key
PidFile $7
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile $8
StrictModes no
AllowUsers root $SUDO_USER_NAME $NOSUDO_USER_NAME
MaxSessions 10
MaxStartups 100:30:200
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding $5
LogLevel VERBOSE
Subsystem sftp internal-sftp
CFG
  if [ "$4" = yes ]; then printf 'ClientAliveInterval 5\nClientAliveCountMax 3\n'; fi
}

start_node() {
  local n=$1 kind addr port alive fwd d ns
  kind=$(node_field "$n" 2); addr=$(node_field "$n" 3); port=$(node_field "$n" 4)
  alive=$(node_field "$n" 5); fwd=$(node_field "$n" 6)
  d=$LAB/nodes/$n; mkdir -p "$d"
  if p=$(sshd_pid "$n"); then log "$n already up (sshd $p)"; return 0; fi
  ns=$(netns_of "$n")
  { [ "$kind" = netns ] || rooted "$kind"; } && make_netns "$n" "$addr"
  if rooted "$kind"; then start_rooted "$n" "$kind" "$addr" "$port" "$alive" "$fwd"; else
    [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$n-hostkey" -f "$d/ssh_host_ed25519_key"
    write_sshd_config "$n" "$addr" "$port" "$alive" "$fwd" "$d" "$d/sshd.pid" "$LAB/keys/authorized_keys" > "$d/sshd_config"
    $SSHD -t -f "$d/sshd_config" || die "bad sshd_config for $n"
    rm -f "$d/sshd.pid"
    # a private bpffs (node-local pins) and a private /tmp; mounts vanish with the namespace
    local inner="set -e
      mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing
      mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
      mount -t bpf bpf /sys/fs/bpf
      mount -t tmpfs -o mode=1777 tmpfs /tmp
      exec $SSHD -f $d/sshd_config -E $d/sshd.log"
    if [ -n "$ns" ]; then ip netns exec "$ns" /bin/sh -c "$inner" </dev/null
    else unshare --mount --propagation private /bin/sh -c "$inner" </dev/null; fi
  fi
  wait_listening "$n" "$addr" "$port"
}

start_rooted() { # NODE FLAVOUR ADDR PORT CLIENTALIVE FORWARDING
  local n=$1 flavour=$2 d=$LAB/nodes/$1 R=$LAB/nodes/$1/root C
  C=$(root_cache "$flavour")
  [ -x "$C/usr/sbin/sshd" ] || die "$flavour root missing ($C): run 'lab.sh up' with ${flavour^^}=1"
  # the cached root stays pristine: the node runs on an overlay whose upper layer is the node's own
  rm -rf --one-file-system "$d/upper" "$d/work"; mkdir -p "$d/upper" "$d/work" "$R"
  [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$n-hostkey" -f "$d/ssh_host_ed25519_key"
  write_sshd_config "$n" "$3" "$4" "$5" "$6" /etc/ssh/lab /run/sshd-lab.pid /etc/ssh/lab/authorized_keys > "$d/sshd_config"
  sudoers_text /usr/sbin/bpftool /usr/bin/bpftrace > "$d/sudoers"
  # this node also has eBPF Lens's root-owned trace guard, allowed for the sudo user (SECURITY.md)
  rm -f "$d/guard"
  if [ -f "$HERE/../../dist/cli.js" ]; then
    node "$HERE/../../dist/cli.js" guard-script > "$d/guard"
    printf '%s ALL=(root) NOPASSWD: /usr/local/lib/ebpf-lens/guard\n' "$SUDO_USER_NAME" >> "$d/sudoers"
  else
    log "dist/cli.js not built: $n gets no root-owned guard"
  fi
  ip netns exec "elab-$n" /bin/bash -ec '
    C=$1 R=$2 D=$3 LAB=$4 U1=$5 U2=$6 MARK=$7 FLAVOUR=$8
    mount -t overlay overlay -o "lowerdir=$C,upperdir=$D/upper,workdir=$D/work" "$R"
    # tracefs/debugfs in the namespace itself too (a host-side loader run in this namespace needs them)
    mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
    mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
    mount -t proc proc "$R/proc"
    mount --rbind /sys "$R/sys"; mount --make-rslave "$R/sys"
    mountpoint -q "$R/sys/kernel/tracing" || mount -t tracefs tracefs "$R/sys/kernel/tracing"
    mountpoint -q "$R/sys/kernel/debug" || mount -t debugfs debugfs "$R/sys/kernel/debug"
    mount -t bpf bpf "$R/sys/fs/bpf"
    # forky1 has its bpffs mounted twice over /sys/fs/bpf, as where systemd and a container
    # runtime both mount it: bpftool then prints every pinned path twice
    [ "$FLAVOUR" = forky ] && mount --bind "$R/sys/fs/bpf" "$R/sys/fs/bpf"
    mount --rbind /dev "$R/dev"; mount --make-rslave "$R/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
    mkdir -p "$R/etc/ssh/lab" "$R/run/sshd"
    cp "$D/ssh_host_ed25519_key" "$D/ssh_host_ed25519_key.pub" "$D/sshd_config" "$R/etc/ssh/lab/"
    cp "$LAB/keys/authorized_keys" "$R/etc/ssh/lab/authorized_keys"
    chmod 600 "$R/etc/ssh/lab/ssh_host_ed25519_key"
    grep -qw "$(hostname)" "$R/etc/hosts" 2>/dev/null || echo "127.0.1.1 $(hostname)" >> "$R/etc/hosts"
    chroot "$R" useradd -m -s /bin/bash -c "$MARK" "$U1"
    chroot "$R" useradd -m -s /bin/bash -c "$MARK" "$U2"
    chroot "$R" usermod -p "*" "$U2"
    echo "$U1:$(cat "$LAB/secrets/edgeuser.password")" | chroot "$R" chpasswd
    install -m 0440 "$D/sudoers" "$R/etc/sudoers.d/ebpf-lens-lab"
    if [ -s "$D/guard" ]; then mkdir -p "$R/usr/local/lib/ebpf-lens"; install -m 0755 -o root -g root "$D/guard" "$R/usr/local/lib/ebpf-lens/guard"; fi
    chroot "$R" /usr/sbin/sshd -t -f /etc/ssh/lab/sshd_config
    exec chroot "$R" /usr/sbin/sshd -f /etc/ssh/lab/sshd_config -E /run/sshd-lab.log
  ' "$flavour-node" "$C" "$R" "$d" "$LAB" "$SUDO_USER_NAME" "$NOSUDO_USER_NAME" "$USER_MARK" "$flavour" </dev/null \
    || die "$flavour node $n failed to start"
}

wait_listening() { # NODE ADDR PORT
  local n=$1 i p ns
  ns=$(netns_of "$n")
  for i in $(seq 1 100); do
    if p=$(sshd_pid "$n"); then
      [ -s "$LAB/nodes/$n/mntns" ] || readlink "/proc/$p/ns/mnt" > "$LAB/nodes/$n/mntns"
      if { [ -n "$ns" ] && ip netns exec "$ns" ss -Hltn "sport = :$3" | grep -q "$2:$3"; } ||
         { [ -z "$ns" ] && ss -Hltn "sport = :$3" | grep -q "$2:$3"; }; then
        return 0
      fi
    fi
    sleep 0.1
  done
  tail -5 "$LAB/nodes/$n/sshd.log" "$LAB/nodes/$n/upper/run/sshd-lab.log" 2>/dev/null >&2 || true
  die "sshd of $n did not come up"
}

kill_node() {
  local n=$1 pids i p
  if p=$(sshd_pid "$n"); then [ -s "$LAB/nodes/$n/mntns" ] || readlink "/proc/$p/ns/mnt" > "$LAB/nodes/$n/mntns"; fi
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(node_pids "$n" | tr '\n' ' ')
    [ -n "${pids// /}" ] || break
    # shellcheck disable=SC2086
    if [ "$i" -lt 8 ]; then kill $pids 2>/dev/null || true; else kill -9 $pids 2>/dev/null || true; fi
    sleep 0.2
  done
  [ -z "$(node_pids "$n")" ] || log "WARNING: processes left in $n's namespace: $(node_pids "$n" | tr '\n' ' ')"
  rm -f "$(pidfile_of "$n")" "$LAB/nodes/$n/mntns"
}

# ------------------------------------------------------------------------------------ inventory
fingerprint() { ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'; }
write_inventory() {
  local n kind addr port alive fwd first=1 root hk
  : > "$LAB/known_hosts"
  {
    printf '{\n  "labDir": "%s",\n  "clientKey": "%s/secrets/id_ed25519",\n' "$LAB" "$LAB"
    printf '  "wrongKey": "%s/secrets/wrong_ed25519",\n  "passphraseKey": "%s/secrets/pass_ed25519",\n' "$LAB" "$LAB"
    printf '  "passphraseFile": "%s/secrets/passphrase",\n  "passwordFile": "%s/secrets/edgeuser.password",\n' "$LAB" "$LAB"
    printf '  "knownHosts": "%s/known_hosts",\n  "sudoUser": "%s",\n  "noSudoUser": "%s",\n' "$LAB" "$SUDO_USER_NAME" "$NOSUDO_USER_NAME"
    printf '  "labBin": "%s/bin",\n  "nodes": [\n' "$LAB"
    while read -r n kind addr port alive fwd; do
      hk=$LAB/nodes/$n/ssh_host_ed25519_key.pub
      root=$(root_of "$n")
      [ $first = 1 ] || printf ',\n'; first=0
      printf '    {"name": "%s", "kind": "%s", "host": "%s", "port": %s, "netns": "%s", "root": "%s", ' \
        "$n" "$kind" "$addr" "$port" "$(netns_of "$n")" "$root"
      printf '"clientAlive": %s, "forwarding": %s, "proxyJump": %s, "sshdPid": %s, "hostKey": "%s", "hostKeySha256": "%s"}' \
        "$([ "$alive" = yes ] && echo true || echo false)" "$([ "$fwd" = yes ] && echo true || echo false)" \
        "$([ "$kind" = hidden ] && echo '"jump1"' || echo null)" "$(sshd_pid "$n" || echo null)" \
        "$(cut -d' ' -f1,2 "$hk")" "$(fingerprint "$hk")"
      if [ "$port" = 22 ]; then printf '%s %s\n' "$addr" "$(cut -d' ' -f1,2 "$hk")"
      else printf '[%s]:%s %s\n' "$addr" "$port" "$(cut -d' ' -f1,2 "$hk")"; fi >> "$LAB/known_hosts"
    done < "$LAB/nodes.tsv"
    printf '\n  ]\n}\n'
  } > "$LAB/lab.json.tmp"
  mv "$LAB/lab.json.tmp" "$LAB/lab.json"
}

# ------------------------------------------------------------------------------------ commands
cmd_up() {
  mkdir -p "$LAB/nodes" "$LAB/state"
  touch "$LAB/.ebpf-lens-lab"   # down removes $LAB only when it carries this mark
  # the stats sysctl as found: down restores it whatever a test (or the product) left
  [ -f "$LAB/state/bpf_stats_was" ] || sysctl -n kernel.bpf_stats_enabled > "$LAB/state/bpf_stats_was"
  install_deps
  ensure_mounts
  build_assets
  [ "$TRIXIE" = 1 ] && build_root trixie
  [ "$FORKY" = 1 ] && build_root forky
  make_keys
  node_table > "$LAB/nodes.tsv"
  make_users
  make_bridge
  local n
  while read -r n _; do start_node "$n"; done < "$LAB/nodes.tsv"
  write_inventory
  log "up: $(wc -l < "$LAB/nodes.tsv") nodes; inventory $LAB/lab.json"
}

cmd_down() {
  local n ns p
  if [ -f "$LAB/nodes.tsv" ]; then
    while read -r n _; do kill_node "$n"; done < "$LAB/nodes.tsv"
  fi
  # an sshd of this lab whose pid file or folder is gone (an 'up' cut short by a 'down')
  pkill -f "^sshd: $SSHD -f $LAB/nodes/" 2>/dev/null || true
  pkill -f "^$SSHD -f $LAB/nodes/" 2>/dev/null || true
  # anything left in a lab namespace (a node started by an older run, or a crashed 'up')
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^elab-' || true); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  for ns in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^elv-' || true); do
    ip link del "$ns" 2>/dev/null || true
  done
  ip link show "$BR" >/dev/null 2>&1 && ip link del "$BR"
  rm -f /etc/sudoers.d/ebpf-lens-lab
  for n in "$SUDO_USER_NAME" "$NOSUDO_USER_NAME"; do
    if [ "$(getent passwd "$n" | cut -d: -f5)" = "$USER_MARK" ]; then
      pkill -9 -u "$n" 2>/dev/null || true
      userdel -r "$n" >/dev/null 2>&1 || userdel "$n" 2>/dev/null || true
    fi
  done
  if [ -f "$LAB/state/bpf_stats_was" ]; then
    sysctl -qw kernel.bpf_stats_enabled="$(cat "$LAB/state/bpf_stats_was")"; rm -f "$LAB/state/bpf_stats_was"
  fi
  rm -rf /run/ebpf-lens   # eBPF Lens's stats refcount on the lab kernel
  # the overlay upper layers of the trixie and forky nodes (the cached roots themselves are kept)
  for p in "$LAB"/nodes/*/upper; do [ -d "$p" ] && rm -rf --one-file-system "${p%/upper}"; done 2>/dev/null || true
  [ -f "$LAB/.ebpf-lens-lab" ] && rm -rf --one-file-system "$LAB"
  log "down"
}

cmd_status() {
  [ -f "$LAB/nodes.tsv" ] || { echo "lab is down"; return 0; }
  local n p
  while read -r n _; do
    if p=$(sshd_pid "$n"); then
      printf '%-8s sshd=%-7s %s:%s pins: %s\n' "$n" "$p" "$(node_field "$n" 3)" "$(node_field "$n" 4)" \
        "$(nodeexec "$n" find "$(root_of "$n")/sys/fs/bpf" -mindepth 1 2>/dev/null | tr '\n' ' ')"
    else printf '%-8s down\n' "$n"; fi
  done < "$LAB/nodes.tsv"
}

cmd_deploy() { # NODE WHAT
  local n=$1 what=$2 obj dir ifname=() r
  case $what in
    counter_v1|counter_v2) obj=$LAB/bin/$what.bpf.o; dir=counter;;
    moved_getpgid|moved_getsid) obj=$LAB/bin/$what.bpf.o; dir=moved;;
    xdp) obj=$LAB/bin/xdp_count.bpf.o; dir=xdp; ifname=(eth0)
         [ -n "$(netns_of "$n")" ] && [ "$(node_field "$n" 2)" != hidden ] || die "xdp needs a node with its own eth0";;
    *) die "deploy what? counter_v1 | counter_v2 | moved_getpgid | moved_getsid | xdp";;
  esac
  [ -s "$obj" ] || build_assets   # a lab brought up before this object existed
  r=$(root_of "$n")/sys/fs/bpf/edge
  nodeexec "$n" mkdir -p "$r"
  # one XDP program per device: the old one goes first (the others swap blue/green)
  [ "$what" = xdp ] && nodeexec "$n" rm -rf "$r/$dir"
  nodeexec "$n" rm -rf "$r/${dir}_new"
  nodeexec "$n" "$LAB/bin/lab-load" "$obj" "$r/${dir}_new" "${ifname[@]}" >/dev/null
  nodeexec "$n" rm -rf "$r/$dir"          # drops the previous deployment (its last references)
  nodeexec "$n" mv "$r/${dir}_new" "$r/$dir"
}
cmd_undeploy() { nodeexec "$1" rm -rf "$(root_of "$1")/sys/fs/bpf/edge${2:+/$2}"; }

app_path() { # where NODE sees edgeapp (a node with a root of its own runs its copy inside it)
  if [ -n "$(root_of "$1")" ]; then echo /usr/local/bin/edgeapp; else echo "$LAB/bin/edgeapp"; fi
}
cmd_app() { # NODE start [RATE] | stop | path : edgeapp in NODE's namespaces (it dies with the node)
  local n=$1 d=$LAB/nodes/$1 p r
  r=$(root_of "$n")
  case $2 in
    path) app_path "$n";;
    start)
      p=$(cat "$d/app.pid" 2>/dev/null || true)
      if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then echo "$p"; return 0; fi
      if [ -n "$r" ]; then
        nodeexec "$n" sh -c 'mkdir -p "$1/usr/local/bin" && cp "$2" "$1/usr/local/bin/edgeapp"' sh "$r" "$LAB/bin/edgeapp"
        nodeexec "$n" sh -c 'setsid chroot "$1" /usr/local/bin/edgeapp "$2" > "$3" 2>&1 < /dev/null & echo $!' sh "$r" "${3:-1000}" "$d/app.out" > "$d/app.pid"
      else
        nodeexec "$n" sh -c 'setsid "$1" "$2" > "$3" 2>&1 < /dev/null & echo $!' sh "$LAB/bin/edgeapp" "${3:-1000}" "$d/app.out" > "$d/app.pid"
      fi
      cat "$d/app.pid";;
    stop)
      p=$(cat "$d/app.pid" 2>/dev/null || true)
      [ -n "$p" ] && kill "$p" 2>/dev/null || true
      rm -f "$d/app.pid";;
    *) die "app NODE start [RATE] | stop";;
  esac
}

cmd_fault() { # NODE MODE [TOOL]: a fake bpftool (or bpftrace) bind-mounted over the real one, in NODE's namespace only
  local n=$1 mode=$2 tool=${3:-bpftool} f r real bin
  r=$(root_of "$n")
  case $tool in bpftool) bin=/usr/sbin/bpftool;; bpftrace) bin=/usr/bin/bpftrace;; *) die "fault TOOL: bpftool | bpftrace";; esac
  # where the node itself sees the real tool once the fake covers it
  if [ -n "$r" ]; then real=$bin.real; else real=$LAB/faults/$n.$tool.real; fi
  mkdir -p "$LAB/faults"; f=$LAB/faults/$n.$tool-$mode
  case $mode in
    truncated) printf '#!/bin/sh\n%s "$@" | head -c 150\n' "$real" > "$f";;
    malformed) printf '#!/bin/sh\necho %s\n' "'[{\"id\": 7, \"type\": \"tracepoint\", \"name\": }]'" > "$f";;
    empty)     printf '#!/bin/sh\nexit 0\n' > "$f";;
    crash)     if [ "$tool" = bpftrace ]; then
                 # answers --version like the real one; a trace attaches, prints a little, then segfaults
                 { printf '#!/bin/sh\ncase "$1" in --version|--info|-l) exec %s "$@";; esac\n' "$real"
                   cat <<'FAKE'
printf '%s\n' '{"type": "attached_probes", "data": {"probes": 1}}' '{"type": "printf", "data": "before the crash\n"}'
sleep 1
kill -SEGV $$
FAKE
                 } > "$f"
               else printf '#!/bin/sh\necho "bpftool: internal error" >&2\nkill -SEGV $$\n' > "$f"; fi;;
    slow)      printf '#!/bin/sh\nsleep %s\nexec %s "$@"\n' "${SLOW:-3}" "$real" > "$f";;
    count)     # the real tool, each run's argv (and a batch's commands, read from stdin) appended to
               # /run/ebpf-lens-bpftool-count-NODE.log as the node sees it: what ran on the node
               { printf '#!/bin/sh\nlog=/run/ebpf-lens-bpftool-count-%s.log\nreal=%s\n' "$n" "$real"
                 cat <<'FAKE'
printf 'argv %s\n' "$*" >> "$log"
case " $* " in
  *" batch file - "*) tee -a "$log" | "$real" "$@";;
  *) exec "$real" "$@";;
esac
FAKE
               } > "$f";;
    missing)   : > "$f";;   # not executable: "command -v" does not find it
    *) die "fault mode: truncated | malformed | empty | crash | slow | missing | count";;
  esac
  [ "$mode" = missing ] && chmod 0644 "$f" || chmod 0755 "$f"
  cmd_unfault "$n" "$tool"
  nodeexec "$n" sh -ec 'touch "$2$3"; mount --bind "$2$4" "$2$3"; mount --bind "$1" "$2$4"' sh "$f" "$r" "$real" "$bin"
}
cmd_unfault() { # NODE [TOOL]
  local r real tool=${2:-bpftool} bin
  case $tool in bpftool) bin=/usr/sbin/bpftool;; bpftrace) bin=/usr/bin/bpftrace;; *) die "unfault TOOL: bpftool | bpftrace";; esac
  r=$(root_of "$1")
  if [ -n "$r" ]; then real=$bin.real; else real=$LAB/faults/$1.$tool.real; fi
  nodeexec "$1" sh -c 'while umount "$1$3" 2>/dev/null; do :; done; while umount "$1$2" 2>/dev/null; do :; done; rm -f "$1$2"; true' sh "$r" "$real" "$bin"
}

# A slow login, as heavy rc files (conda, nvm, pyenv, banners) make one: bash run by sshd reads
# /etc/bash.bashrc and ~/.bashrc even for `bash -c CMD`. A file of the lab's own is bind-mounted
# over the node's /etc/bash.bashrc inside the node's mount namespace only (the machine's own files
# are never touched): the delay first, then the node's original file, guard and all.
slowlogin_prelude() { # MODE N
  case $1 in
    sleep) printf 'sleep %s\n' "$2";;
    # N seconds of this shell's own CPU time (utime + stime in /proc/$$/stat, 1/100 s), however
    # long a loaded machine makes that take; in a function: the shell's own arguments stay as they are
    cpu) cat <<CPU
__el_slow() {
  local s t0 i want=$(awk -v n="$2" 'BEGIN { printf "%d", n * 100 }')
  read -r s </proc/\$\$/stat; set -- \${s##*) }; t0=\$((\${12} + \${13}))
  while :; do
    i=0; while [ \$i -lt 2000 ]; do i=\$((i + 1)); done
    read -r s </proc/\$\$/stat; set -- \${s##*) }
    [ \$((\${12} + \${13} - t0)) -ge "\$want" ] && break
  done
}
__el_slow; unset -f __el_slow
CPU
    ;;
    *) die "slowlogin NODE sleep|cpu N | off";;
  esac
}
PYENV_SHIMS=${PYENV_ROOT:-/root/.pyenv}/shims
cmd_slowlogin() { # NODE sleep|cpu N | off
  local n=$1 mode=${2:-} secs=${3:-} r f=$LAB/nodes/$1/slowlogin
  r=$(root_of "$n")
  sshd_pid "$n" >/dev/null || die "node $n is not running"
  # whatever was there before: back to the node's own file
  nodeexec "$n" sh -c 'while umount "$1/etc/bash.bashrc" 2>/dev/null; do :; done; true' sh "$r"
  [ -n "$r" ] || nodeexec "$n" sh -c 'while umount "$1" 2>/dev/null; do :; done; true' sh "$PYENV_SHIMS"
  rm -rf "$f" "$f.bashrc" "$f.shims"
  [ "$mode" = off ] && return 0
  # The bookworm nodes share this machine's /root. Its ~/.bashrc may run `pyenv init`, which
  # rehashes ~/.pyenv/shims under a lock and waits up to 60 s for it: 50 slow logins at once would
  # queue on one lock across nodes, which real nodes (each its own home) never do. Each slow node
  # gets its own copy of that directory; the rc files' cost is kept.
  if [ -z "$r" ] && [ -d "$PYENV_SHIMS" ]; then
    cp -a "$PYENV_SHIMS" "$f.shims"
    nodeexec "$n" mount --bind "$f.shims" "$PYENV_SHIMS"
  fi
  case $secs in ''|*[!0-9.]*|*.*.*) die "slowlogin $mode N: N is a number of seconds";; esac
  { printf '# ebpf-lens lab: slow login on %s (%s %s), then the node'"'"'s own file\n' "$n" "$mode" "$secs"
    slowlogin_prelude "$mode" "$secs"
    nodeexec "$n" cat "$r/etc/bash.bashrc" 2>/dev/null || true
  } > "$f.bashrc"
  chmod 0644 "$f.bashrc"
  nodeexec "$n" sh -ec '[ -e "$2/etc/bash.bashrc" ] || touch "$2/etc/bash.bashrc"; mount --bind "$1" "$2/etc/bash.bashrc"' sh "$f.bashrc" "$r"
  printf '%s %s\n' "$mode" "$secs" > "$f"
}

case ${1:-} in
  up) cmd_up;;
  down) cmd_down;;
  status) cmd_status;;
  deploy) shift; cmd_deploy "$@";;
  undeploy) shift; cmd_undeploy "$@";;
  nodeexec) shift; nodeexec "$@";;
  cut) ip link set "elv-$2" down;;
  uncut) ip link set "elv-$2" up;;
  kill) kill_node "$2";;
  start) start_node "$2"
         # a restarted node keeps its slow startup files
         if [ -s "$LAB/nodes/$2/slowlogin" ]; then read -r m s < "$LAB/nodes/$2/slowlogin"; cmd_slowlogin "$2" "$m" "$s"; fi
         write_inventory;;
  slowlogin) shift; cmd_slowlogin "$@";;
  grow) # N: more bookworm edge nodes (edge<FLEET+1>..edgeN), for load tests
    n0=$(grep -c '^edge[0-9]* netns' "$LAB/nodes.tsv")
    for i in $(seq $((n0 + 1)) "$2"); do
      printf 'edge%s netns %s.%s 22 yes no\n' "$i" "$NET" $((10 + i)) >> "$LAB/nodes.tsv"
      start_node "edge$i"
    done
    write_inventory;;
  shrink) # N: stop and forget the edge nodes above edgeN
    for n in $(awk -v m="$2" '$1 ~ /^edge[0-9]+$/ && substr($1, 5) + 0 > m { print $1 }' "$LAB/nodes.tsv"); do
      kill_node "$n"; ip netns del "elab-$n" 2>/dev/null || true; ip link del "elv-$n" 2>/dev/null || true; rm -rf "${LAB:?}/nodes/$n"
    done
    awk -v m="$2" '!($1 ~ /^edge[0-9]+$/ && substr($1, 5) + 0 > m)' "$LAB/nodes.tsv" > "$LAB/nodes.tsv.new" && mv "$LAB/nodes.tsv.new" "$LAB/nodes.tsv"
    write_inventory;;
  fault) shift; cmd_fault "$@";;
  app) shift; cmd_app "$@";;
  unfault) cmd_unfault "$2" "${3:-}";;
  stats)
    mkdir -p "$LAB/state"
    [ -f "$LAB/state/bpf_stats_was" ] || sysctl -n kernel.bpf_stats_enabled > "$LAB/state/bpf_stats_was"
    sysctl -qw kernel.bpf_stats_enabled="${2:-1}";;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2;;
esac
