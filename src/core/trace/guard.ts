import type { CommandOutput, RemoteCommand } from '../command';
import { failure } from '../command';
import { ToolError } from '../errors';

/**
 * The remote guard: every trace runs under this POSIX sh script, on its own exec channel.
 *
 *   sh -c GUARD ebpf-lens-guard SCRIPT MAX HB GRACE MODE BPFTRACE [BPFTRACE ARGS…]
 *
 * - SCRIPT was written before (writeScript) to a fresh mktemp file; a janitor removes it after
 *   JANITOR_SEC unless the guard has claimed it (renamed to SCRIPT.run) — so a connection lost
 *   between the two steps leaves no file behind. The guard removes it when it ends.
 * - bpftrace runs under `timeout -s INT MAX`, stdin from /dev/null. (Not `timeout -k`: its
 *   kill-after SIGKILLs its own process group, timeout included, which leaves a dying bpftrace
 *   to init; the guard kills bpftrace itself and lets timeout reap it.)
 * - The guard's stdin is a control stream only: any line is a heartbeat, `stop` stops, EOF (the
 *   channel or the connection closed) stops, and no line for HB seconds (a cut network that
 *   sshd never notices) stops.
 * - Stopping: SIGINT (END probes run, maps print) → after GRACE SIGTERM → after GRACE, as root,
 *   SIGKILL. Signals go through `timeout`, which passes them on (through sudo for non-root
 *   users: sudo relays INT/TERM; a user cannot SIGKILL a root bpftrace, which is reported).
 * - Guard lines on stderr start with GUARD_MARK: `started …`, `bpftrace pid=N` (when bpftrace
 *   took longer than 5 s to appear), `stopping reason=…` (stop, eof, heartbeat, or overtime: still
 *   running a grace period after the time limit's SIGINT), `cannot-kill pid=N`,
 *   `exit rc=N reason=…`. bpftrace's own output is untouched.
 */
export const GUARD_MARK = '@@EBPF-LENS-GUARD';
export const JANITOR_SEC = 12;

export const GUARD_SCRIPT = String.raw`
set -u
script=$1 max=$2 hbto=$3 grace=$4 mode=$5 bt=$6
shift 6
# the root-owned, installed guard (sudoers) runs the node's own bpftrace, whatever it is told
if [ "\${INSTALLED:-0}" = 1 ]; then
  bt=$(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v bpftrace) || { echo "bpftrace not found" >&2; exit 127; }
  mode=root
fi
M='@@EBPF-LENS-GUARD'
say() { printf '%s %s\n' "$M" "$*" >&2; }
now() { date +%s; }
trap '' PIPE HUP
run="$script.run"
if ! mv "$script" "$run" 2>/dev/null; then say "error script-missing"; exit 70; fi
ctl=$(mktemp "$(dirname "$script")/ebpf-lens-ctl.XXXXXXXXXX") || { rm -f "$run"; say "error no-temp"; exit 71; }
now > "$ctl.hb"
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
( while IFS= read -r line; do
    case $line in stop) echo stop > "$ctl"; exit 0;; *) now > "$ctl.hb";; esac
  done
  echo eof > "$ctl" ) <&3 >/dev/null 2>&1 &
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
n=0
while [ -z "$btpid" ] && [ $n -lt 50 ] && kill -0 "$child" 2>/dev/null; do
  btpid=$(find_bt "$child" 3)
  [ -z "$btpid" ] && sleep 0.1
  n=$((n + 1))
done
say "started guard=$$ timeout=$child bpftrace=\${btpid:-?}"
# is our bpftrace still there? (only /proc/PID/comm: reading stat or status of a process that
# is tearing down its memory can block until it is gone)
running() {
  [ -n "$btpid" ] && [ "$(cat /proc/$btpid/comm 2>/dev/null)" = bpftrace ]
}
warned=""
waitfor() {
  i=$(($1 * 5))
  while [ $i -gt 0 ]; do kill -0 "$child" 2>/dev/null || return 0; sleep 0.2; i=$((i - 1)); done
  return 1
}
why=""
last=$(now)
start=$last
while kill -0 "$child" 2>/dev/null; do
  # a node slow to start bpftrace: keep looking, and say so when it is found
  if [ -z "$btpid" ]; then btpid=$(find_bt "$child" 3) && say "bpftrace pid=$btpid"; fi
  c=$(cat "$ctl" 2>/dev/null)
  if [ -n "$c" ]; then why=$c; break; fi
  # the reader rewrites the file for each heartbeat (truncate, then date writes): a read in
  # between sees it empty, which is no news, not a heartbeat from 1970
  hb=$(cat "$ctl.hb" 2>/dev/null)
  [ -n "$hb" ] && last=$hb
  t=$(now)
  if [ $((t - \${last:-0})) -gt "$hbto" ]; then why=heartbeat; break; fi
  # the time limit sent SIGINT, and bpftrace is still there after the grace period (stuck in its
  # END, detaching, or ignoring SIGINT): end it as a stop would, with TERM and KILL to follow
  if [ $((t - start)) -gt $((max + grace)) ]; then why=overtime; break; fi
  sleep 0.2
done
if [ -n "$why" ]; then
  say "stopping reason=$why"
  kill -INT "$child" 2>/dev/null
  if ! waitfor "$grace"; then
    say "escalating signal=TERM"
    kill -TERM "$child" 2>/dev/null
    if ! waitfor "$grace"; then
      if [ "$mode" = root ]; then
        say "escalating signal=KILL"
        # bpftrace only: its parent (timeout) reaps it, so no zombie is left to init
        if [ -n "$btpid" ]; then kill -KILL "$btpid" 2>/dev/null; else kill -KILL "$child" 2>/dev/null; fi
        waitfor 3
      elif running; then
        # a user cannot SIGKILL a root bpftrace: say so now, and wait for it
        say "cannot-kill pid=$btpid"
        warned=1
      fi
    fi
  fi
fi
wait "$child"
rc=$?
if [ "$mode" = root ] && running; then kill -KILL "$btpid" 2>/dev/null; n=0; while running && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done; fi
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

/** Where a team that provisions its nodes installs the guard (root-owned), and the sudoers line for it. */
export const INSTALLED_GUARD_PATH = '/usr/local/lib/ebpf-lens/guard';

/**
 * The guard as a root-owned file: with `USER ALL=(root) NOPASSWD: /usr/local/lib/ebpf-lens/guard`
 * a non-root user's traces run under a root guard that can SIGKILL bpftrace. It runs only the
 * node's own bpftrace (it ignores the path it is given), so the rule grants nothing that
 * `sudo bpftrace` does not already grant.
 */
export function installedGuardFile(): string {
  return `#!/bin/sh\n# eBPF Lens trace guard (root-owned install; see SECURITY.md)\nINSTALLED=1\n${GUARD_SCRIPT.trimStart()}`;
}

/**
 * Write a script to a fresh 0600 file on the node; answers its path. The script travels on stdin.
 * Its janitor removes it after `janitor` seconds unless a guard has claimed it: the guard starts
 * after its own session's login shell, so callers size it by the login budget (`janitorSec`).
 */
export function writeScript(script: string, janitor: number = JANITOR_SEC): RemoteCommand<string> {
  return {
    title: 'write the trace script',
    argv: [
      'sh',
      '-c',
      'umask 077; d=${TMPDIR:-/tmp}; f=$(mktemp "$d/ebpf-lens-XXXXXXXXXX") && cat > "$f" && { (sleep "$1"; rm -f "$f") </dev/null >/dev/null 2>&1 & } && echo "$f"',
      'ebpf-lens-write',
      String(Math.max(1, Math.ceil(janitor))),
    ],
    root: false,
    stdin: script,
    timeoutMs: 15_000,
    interpret(out: CommandOutput): string {
      const path = out.stdout.trim();
      if (out.code !== 0 || !path.startsWith('/')) throw failure('write the trace script', out);
      return path;
    },
  };
}

export interface GuardArgs {
  readonly scriptPath: string;
  readonly maxSec: number;
  readonly heartbeatTimeoutSec: number;
  readonly graceSec: number;
  readonly mode: 'root' | 'sudo';
  readonly bpftrace: string;
  readonly bpftraceArgs: readonly string[];
}

/** The guard's argv (quoted by shJoin like every command). */
export function guardArgv(a: GuardArgs): string[] {
  for (const [k, v] of [
    ['maxSec', a.maxSec],
    ['heartbeatTimeoutSec', a.heartbeatTimeoutSec],
    ['graceSec', a.graceSec],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ToolError('failed', `guard: ${k} must be a positive whole number of seconds`);
  }
  return [
    'sh',
    '-c',
    GUARD_SCRIPT,
    'ebpf-lens-guard',
    a.scriptPath,
    String(a.maxSec),
    String(a.heartbeatTimeoutSec),
    String(a.graceSec),
    a.mode,
    a.bpftrace,
    ...a.bpftraceArgs,
  ];
}

/** A guard line from stderr: `started …`, `stopping reason=…`, `cannot-kill pid=N`, `exit rc=N reason=…`. */
export interface GuardEvent {
  readonly kind: string;
  readonly fields: Readonly<Record<string, string>>;
}

export function parseGuardLine(line: string): GuardEvent | undefined {
  if (!line.startsWith(`${GUARD_MARK} `)) return undefined;
  const [kind = '', ...rest] = line.slice(GUARD_MARK.length + 1).trim().split(/\s+/);
  const fields: Record<string, string> = {};
  for (const r of rest) {
    const i = r.indexOf('=');
    if (i > 0) fields[r.slice(0, i)] = r.slice(i + 1);
    else fields[r] = '';
  }
  return { kind, fields };
}

/**
 * A stderr line as it arrives: the guard and bpftrace share the stream, and bpftrace writes some
 * lines in pieces ("ERROR", then ": couldn't set RLIMIT_MEMLOCK …"), so a guard line (one atomic
 * write) can land after the first piece. `text` is bpftrace's part before the guard's line (it
 * continues on the next line); `guard` the guard's line, wherever it starts.
 */
export function splitGuardLine(line: string): { readonly text: string; readonly guard?: GuardEvent } {
  const at = line.indexOf(`${GUARD_MARK} `);
  const guard = at < 0 ? undefined : parseGuardLine(line.slice(at));
  return guard ? { text: line.slice(0, at), guard } : { text: line };
}
