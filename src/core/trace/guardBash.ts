import { BASH_STOP, resendText, stopEscalation } from './guardStop';

/**
 * The guard in bash (see guard.ts for the protocol; the wrapper there runs it wherever bash is).
 *
 * While a trace runs it starts no process at all, so that it never shows up in what the user
 * traces (a process tracer saw ~19 processes a second from the POSIX guard: `cat`, `date`,
 * `sleep`, `dd`): only builtins in its loops. It reads the control stream itself with `read -t`
 * (the wait and the heartbeat in one), keeps time with `$SECONDS`, naps with `read -t` on a pipe
 * nobody writes to, reads /proc with `read`, sends errors to a /dev/null it opened once (a file
 * tracer would see every `2>/dev/null`), and forwards bpftrace's output through one
 * long-lived pump: a perl loop (perl-base is on every Debian-family node) that forwards what has
 * come at most 50 times a second, or, without perl, one `cat` (no batching then: a busy trace
 * travels in more, smaller SSH packets). What it starts once, before bpftrace, is `mv`, `mktemp`,
 * `mkfifo`, the pump and `timeout` (with `sudo` below it for a sudo user); at the end, `rm`.
 *
 * Needs bash 4 (fractional `read -t`); the wrapper falls back to the POSIX guard without bash.
 */

/** The pump: one perl process that forwards bpftrace's output in batches (read what has come, write it, wait 20 ms). */
export const PERL_PUMP =
  'while (($n = sysread STDIN, $b, 65536)) { $o = 0; while (!$gone && $o < $n) { $w = syswrite STDOUT, $b, $n - $o, $o; if (defined $w) { $o += $w } else { $gone = 1 } } select undef, undef, undef, 0.02 }';

export const BASH_GUARD = String.raw`
unset __el_g
set -u
script=$1 max=$2 hbto=$3 grace=$4 mode=$5 bt=$6
shift 6
M='@@EBPF-LENS-GUARD'
say() { printf '%s %s\n' "$M" "$*" >&2; }
if [ "\${BASH_VERSINFO[0]}" -lt 4 ]; then say "error bash-too-old"; exit 72; fi
# the guard's processes carry its name until they exec something (library.ts leaves them out)
printf ebpf-lens-guard 2>/dev/null >"/proc/$$/comm"
trap '' PIPE HUP
# one /dev/null for every error it has no use for: a redirection to the file would open it each time
exec 5>/dev/null
run="$script.run"
if ! mv "$script" "$run" 2>&5; then say "error script-missing"; exit 70; fi
d=$(mktemp -d "\${script%/*}/ebpf-lens-ctl.XXXXXXXXXX") || { rm -f "$run"; say "error no-temp"; exit 71; }
out=$d/out
mkfifo -m 600 "$out" "$d/nap" || { rm -f -- "$run"; rm -rf -- "$d"; say "error no-fifo"; exit 71; }
if command -v perl >/dev/null 2>&1; then
  pumpby=perl
  PERL5OPT= PERL5LIB= PERLLIB= perl -e '${PERL_PUMP}' <"$out" 5>&- &
else
  pumpby=cat
  cat <"$out" 5>&- &
fi
pump=$!
if [ "$mode" = sudo ]; then
  ( trap - PIPE; exec timeout -s INT "$max" sudo -n -- "$bt" "$@" "$run" ) </dev/null >"$out" 5>&- &
else
  ( trap - PIPE; exec timeout -s INT "$max" "$bt" "$@" "$run" ) </dev/null >"$out" 5>&- &
fi
child=$!
# a nap: read with a time limit from a pipe that only the guard holds (no process)
exec 4<>"$d/nap"
nap() { read -r -t "$1" -u 4 _; }
# the children of $1, in REPLY: from /proc/PID/task/PID/children, or else a walk over /proc
kids=; [ -e "/proc/$$/task/$$/children" ] && kids=1
children() {
  REPLY=
  if [ -n "$kids" ]; then read -r REPLY 2>&5 <"/proc/$1/task/$1/children"; return 0; fi
  local f s p=$1 q
  for f in /proc/[0-9]*/stat; do
    s=; read -r s 2>&5 <"$f" || continue
    set -- \${s##*) }
    if [ "\${2-}" = "$p" ]; then q=\${f#/proc/}; REPLY="$REPLY \${q%/stat}"; fi
  done
}
# bpftrace is the child of timeout, or of sudo (and its monitor) below it: sets btpid
btpid=
find_bt() {
  local p c k
  children "$1"; k=$REPLY
  for p in $k; do
    c=; read -r c 2>&5 <"/proc/$p/comm"
    if [ "$c" = bpftrace ]; then btpid=$p; return 0; fi
    if [ "$2" -gt 0 ] && find_bt "$p" $(($2 - 1)); then return 0; fi
  done
  return 1
}
# who passes a TERM on to bpftrace (guardStop.ts): sudo, the child of timeout, or bpftrace as root
relay=
find_relay() {
  if [ "$mode" = sudo ]; then children "$child"; set -- $REPLY; relay=\${1-}; else relay=$btpid; fi
}
n=0
while [ -z "$btpid" ] && [ $n -lt 50 ] && kill -0 "$child" 2>&5; do
  find_bt "$child" 3 || nap 0.1
  n=$((n + 1))
done
[ -n "$btpid" ] && find_relay
say "started guard=$$ timeout=$child bpftrace=\${btpid:-?} ack=1 variant=bash pump=$pumpby"
# is our bpftrace still there? (only /proc/PID/comm: reading stat or status of a process that
# is tearing down its memory can block until it is gone)
running() {
  local c=
  [ -n "$btpid" ] || return 1
  read -r c 2>&5 <"/proc/$btpid/comm"
  [ "$c" = bpftrace ]
}
warned=
# wait up to $1 seconds for the end; with a 2nd argument, TERM again every 0.4 s meanwhile (guardStop.ts)
waitfor() {
  local i=$(($1 * 5))
  while [ $i -gt 0 ]; do
    kill -0 "$child" 2>&5 || return 0
    if [ -n "\${2-}" ] && [ $((i % 2)) -eq 0 ]; then resend; fi
    nap 0.2; i=$((i - 1))
  done
  return 1
}
${resendText(BASH_STOP)}
# the control stream: each heartbeat is answered (the client hears a live link); stop, EOF and
# HB seconds without a line (a cut link that sshd never notices) end the trace
why= part= last=$SECONDS start=$SECONDS
while kill -0 "$child" 2>&5; do
  # a node slow to start bpftrace: keep looking, and say so when it is found
  if [ -z "$btpid" ] && find_bt "$child" 3; then find_relay; say "bpftrace pid=$btpid"; fi
  l=
  if IFS= read -r -t 0.2 l; then
    l=$part$l part=
    if [ "$l" = stop ]; then why=stop; break; fi
    last=$SECONDS
    say hb
  elif [ $? -gt 128 ]; then
    # the time limit came in the middle of a line: keep its start
    part=$part$l
    # silence is judged only when nothing waited on the control stream: a loop held up (its own
    # output blocked by a slow reader) must not take heartbeats still queued for missing ones
    if [ $((SECONDS - last)) -gt "$hbto" ]; then why=heartbeat; break; fi
  else
    if [ "$part$l" = stop ]; then why=stop; else why=eof; fi
    break
  fi
  t=$SECONDS
  # the time limit sent SIGINT, and bpftrace is still there after the grace period (stuck in its
  # END, detaching, or ignoring SIGINT): end it as a stop would, with TERM and KILL to follow
  if [ $((t - start)) -gt $((max + grace)) ]; then why=overtime; break; fi
done
if [ -n "$why" ]; then
  if [ "$why" = heartbeat ]; then say "stopping reason=heartbeat silent=$((SECONDS - last))"; else say "stopping reason=$why"; fi
${stopEscalation(BASH_STOP)}
# the pump forwards the rest and ends with the pipe; a process bpftrace started (system()) may
# still hold the pipe open
n=0; while kill -0 "$pump" 2>&5 && [ $n -lt 30 ]; do nap 0.1; n=$((n + 1)); done
kill "$pump" 2>&5
exec 4<&-
rm -f -- "$run"; rm -rf -- "$d"
if [ -z "$warned" ] && running; then say "cannot-kill pid=$btpid"; fi
say "exit rc=$rc reason=\${why:-exited}"
exit $rc
`.replace(/\\\$\{/g, '${');
