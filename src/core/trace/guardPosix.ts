import { POSIX_STOP, resendText, stopEscalation } from './guardStop';

/**
 * The guard in POSIX sh: the fallback for nodes without bash (see guard.ts for the protocol). It
 * needs processes for what sh has no builtin for, and so starts a few a second while a trace
 * runs: `date` for the clock, `cat` to read its control files, `sleep` to wait, and, while
 * bpftrace prints, a `dd` and a `sleep` per forwarded batch. The bash guard (guardBash.ts) starts
 * none of these; a library one-liner that would see them leaves the guard's tree out by its name
 * (`ebpf-lens-guard`, see library.ts).
 *
 * Its arguments are the guard's (SCRIPT MAX HB GRACE MODE BPFTRACE [ARGS…]); the wrapper in
 * guard.ts has already resolved the installed (root-owned) case.
 */
export const POSIX_GUARD = String.raw`
script=$1 max=$2 hbto=$3 grace=$4 mode=$5 bt=$6
shift 6
M='@@EBPF-LENS-GUARD'
say() { printf '%s %s\n' "$M" "$*" >&2; }
now() { date +%s; }
# the guard's processes carry its name until they exec something (library.ts leaves them out)
printf ebpf-lens-guard 2>/dev/null >"/proc/$$/comm"
trap '' PIPE HUP
run="$script.run"
if ! mv "$script" "$run" 2>/dev/null; then say "error script-missing"; exit 70; fi
ctl=$(mktemp "$(dirname "$script")/ebpf-lens-ctl.XXXXXXXXXX") || { rm -f "$run"; say "error no-temp"; exit 71; }
echo 0 > "$ctl.hb"
exec 3<&0
# bpftrace's output reaches us through a pump that forwards what has come at most 50 times a
# second: a busy trace then travels in a few large SSH packets instead of one per line (each
# packet costs the client a cipher round), and a quiet one still arrives at once
out="$ctl.out"
mkfifo -m 600 "$out" || { rm -f "$run" "$ctl" "$ctl.hb"; say "error no-fifo"; exit 71; }
( while [ ! -e "$ctl.done" ]; do dd bs=65536 count=1 2>/dev/null; sleep 0.02; done; exec cat ) <"$out" 3<&- &
pump=$!
if [ "$mode" = sudo ]; then
  ( trap - PIPE; exec timeout -s INT "$max" sudo -n -- "$bt" "$@" "$run" ) </dev/null >"$out" 3<&- &
else
  ( trap - PIPE; exec timeout -s INT "$max" "$bt" "$@" "$run" ) </dev/null >"$out" 3<&- &
fi
child=$!
# the control stream: each heartbeat is answered (the client hears a live link), stop and EOF end
# (a beat is counted with builtins only: a date per beat left the file truncated and empty while
# the fork waited, and under load a flood of beats read as silence)
( beats=0
  while IFS= read -r line; do
    case $line in stop) echo stop > "$ctl"; exit 0;; *) beats=$((beats + 1)); echo "$beats" > "$ctl.hb"; say hb;; esac
  done
  echo eof > "$ctl" ) <&3 >/dev/null &
reader=$!
exec 3<&-
btpid=""
# bpftrace is the child of timeout, or of sudo (and its monitor) below it
find_bt() {
  for p in $(pgrep -P "$1" 2>/dev/null); do
    if [ "$(cat /proc/$p/comm 2>/dev/null)" = bpftrace ]; then echo "$p"; return 0; fi
    [ "$2" -gt 0 ] && find_bt "$p" $(($2 - 1)) && return 0
  done
  return 1
}
# who passes a TERM on to bpftrace (guardStop.ts): sudo, the child of timeout, or bpftrace as root
relay=""
find_relay() {
  if [ "$mode" = sudo ]; then relay=$(pgrep -P "$child" 2>/dev/null | head -n 1); else relay=$btpid; fi
}
n=0
while [ -z "$btpid" ] && [ $n -lt 50 ] && kill -0 "$child" 2>/dev/null; do
  btpid=$(find_bt "$child" 3)
  [ -z "$btpid" ] && sleep 0.1
  n=$((n + 1))
done
[ -n "$btpid" ] && find_relay
say "started guard=$$ timeout=$child bpftrace=\${btpid:-?} ack=1 variant=posix"
# is our bpftrace still there? (only /proc/PID/comm: reading stat or status of a process that
# is tearing down its memory can block until it is gone)
running() {
  [ -n "$btpid" ] && [ "$(cat /proc/$btpid/comm 2>/dev/null)" = bpftrace ]
}
warned=""
# wait up to $1 seconds for the end; with a 2nd argument, TERM again every 0.4 s meanwhile (guardStop.ts)
waitfor() {
  i=$(($1 * 5))
  while [ $i -gt 0 ]; do
    kill -0 "$child" 2>/dev/null || return 0
    if [ -n "\${2-}" ] && [ $((i % 2)) -eq 0 ]; then resend; fi
    sleep 0.2; i=$((i - 1))
  done
  return 1
}
${resendText(POSIX_STOP)}
why=""
seen=0
last=$(now)
start=$last
while kill -0 "$child" 2>/dev/null; do
  # a node slow to start bpftrace: keep looking, and say so when it is found
  if [ -z "$btpid" ]; then btpid=$(find_bt "$child" 3) && find_relay && say "bpftrace pid=$btpid"; fi
  c=$(cat "$ctl" 2>/dev/null)
  if [ -n "$c" ]; then why=$c; break; fi
  # the reader counts heartbeats in a file: a count that moved is a heartbeat since the last
  # look; a read between its truncation and its write sees it empty, which is no news
  t=$(now)
  hb=$(cat "$ctl.hb" 2>/dev/null)
  if [ -n "$hb" ] && [ "$hb" != "$seen" ]; then seen=$hb; last=$t; fi
  if [ $((t - \${last:-0})) -gt "$hbto" ]; then why=heartbeat; break; fi
  # the time limit sent SIGINT, and bpftrace is still there after the grace period (stuck in its
  # END, detaching, or ignoring SIGINT): end it as a stop would, with TERM and KILL to follow
  if [ $((t - start)) -gt $((max + grace)) ]; then why=overtime; break; fi
  sleep 0.2
done
if [ -n "$why" ]; then
  if [ "$why" = heartbeat ]; then say "stopping reason=heartbeat silent=$(($(now) - \${last:-0}))"; else say "stopping reason=$why"; fi
${stopEscalation(POSIX_STOP)}
kill "$reader" 2>/dev/null
# the pump forwards the rest; a process bpftrace started (system()) may still hold the pipe open
: > "$ctl.done"
n=0; while kill -0 "$pump" 2>/dev/null && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
if kill -0 "$pump" 2>/dev/null; then pkill -P "$pump" 2>/dev/null; kill "$pump" 2>/dev/null; fi
rm -f "$run" "$ctl" "$ctl.hb" "$ctl.done" "$out"
if [ -z "$warned" ] && running; then say "cannot-kill pid=$btpid"; fi
say "exit rc=$rc reason=\${why:-exited}"
exit $rc
`.replace(/\\\$\{/g, '${');
