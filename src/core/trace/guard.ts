import type { CommandOutput, RemoteCommand } from '../remote/command';
import { failure } from '../remote/command';
import { ToolError } from '../base/errors';
import { shQuote } from '../remote/quote';
import { BASH_GUARD } from './guardBash';
import { POSIX_GUARD } from './guardPosix';

/**
 * The remote guard: every trace runs under it, on its own exec channel.
 *
 *   sh -c GUARD ebpf-lens-guard SCRIPT MAX HB GRACE MODE BPFTRACE [BPFTRACE ARGS…]
 *
 * GUARD is a POSIX sh wrapper: where the node has bash it runs the bash guard (guardBash.ts), which
 * starts no process while the trace runs (only builtins in its loops, one long-lived output pump),
 * so that a process or file tracer does not see eBPF Lens at work; without bash it goes on as the
 * POSIX guard (guardPosix.ts), which needs `date`, `cat`, `sleep` and `dd` in its loops. Both keep
 * one protocol:
 * - SCRIPT was written before (writeScript) to a fresh mktemp file; a janitor removes it after
 *   JANITOR_SEC unless the guard has claimed it (renamed to SCRIPT.run) — so a connection lost
 *   between the two steps leaves no file behind. The guard removes it when it ends.
 * - bpftrace runs under `timeout -s INT MAX`, stdin from /dev/null. (Not `timeout -k`: its
 *   kill-after SIGKILLs its own process group, timeout included, which leaves a dying bpftrace
 *   to init; the guard kills bpftrace itself and lets timeout reap it.)
 * - The guard's stdin is a control stream only: any line is a heartbeat, which the guard answers
 *   (`hb` on stderr: the client's proof that the link is alive), `stop` stops, EOF (the channel or
 *   the connection closed) stops, and no line for HB seconds (a cut network that sshd never
 *   notices, or a client that is suspended) stops.
 * - Stopping: SIGINT (END probes run, maps print) → after GRACE SIGTERM → after GRACE, TERM again
 *   for a second (bpftrace 0.17/0.18 can miss a signal: guardStop.ts), then, as root, SIGKILL.
 *   Signals go through `timeout`, which passes them on once (through sudo for non-root users: sudo
 *   relays INT/TERM; a user cannot SIGKILL a root bpftrace, which is reported, and TERM is sent
 *   again until it ends); the repeated TERM goes straight to sudo, or as root to bpftrace.
 * - Its processes carry the name (comm) `ebpf-lens-guard` until they exec something: the
 *   library's process and file one-liners leave them and their children out (library.ts).
 * - Guard lines on stderr start with GUARD_MARK: `started guard=PID timeout=PID bpftrace=PID
 *   ack=1 variant=bash|posix [pump=perl|cat]`, `hb` (a heartbeat heard), `bpftrace pid=N` (when
 *   bpftrace took longer than 5 s to appear), `stopping reason=…` (stop, eof, heartbeat with
 *   `silent=S`: the seconds without a heartbeat, or overtime: still running a grace period after
 *   the time limit's SIGINT), `cannot-kill pid=N`, `exit rc=N reason=…`. bpftrace's own output is
 *   untouched.
 */
export const GUARD_MARK = '@@EBPF-LENS-GUARD';
export const JANITOR_SEC = 12;

const WRAPPER = String.raw`
set -u
# the root-owned, installed guard (sudoers) runs the node's own tools and bpftrace, whatever it is told
if [ "\${INSTALLED:-0}" = 1 ]; then
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  export PATH
  bt=$(command -v bpftrace) || { echo "bpftrace not found" >&2; exit 127; }
  [ $# -ge 6 ] || { echo "usage: guard SCRIPT MAX HB GRACE MODE BPFTRACE [ARGS]" >&2; exit 64; }
  # it renames and removes the file it is given, as root: only a trace script (named as
  # writeScript names it) that belongs to the user who ran it with sudo, and no link
  case $1 in
    */ebpf-lens-[!/][!/][!/][!/][!/][!/][!/][!/][!/][!/]) ;;
    *) echo "not a trace script of eBPF Lens: $1" >&2; exit 64;;
  esac
  if [ ! -f "$1" ] || [ -L "$1" ] || [ "$(stat -c %u -- "$1" 2>/dev/null)" != "\${SUDO_UID:-0}" ]; then
    echo "the trace script must be a file of the user who runs the guard: $1" >&2; exit 64
  fi
  a=$1 b=$2 c=$3 d=$4
  shift 6
  set -- "$a" "$b" "$c" "$d" root "$bt" "$@"
fi
# with bash, the guard that starts no process while the trace runs (no startup file of the
# user's runs: --norc, --noprofile, no BASH_ENV); without it, the POSIX guard below
if command -v bash >/dev/null 2>&1; then
  unset BASH_ENV ENV SHELLOPTS BASHOPTS 2>/dev/null
  __el_g=__BASH_GUARD__
  export __el_g
  exec bash --norc --noprofile -c 'eval "$__el_g"' ebpf-lens-guard "$@"
fi
`.replace(/\\\$\{/g, '${');

/** The guard: the wrapper, then the POSIX guard it falls back to. */
export const GUARD_SCRIPT = WRAPPER.replace('__BASH_GUARD__', () => shQuote(BASH_GUARD.trim())) + POSIX_GUARD.trimStart();

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
  const [kind = '', ...rest] = line
    .slice(GUARD_MARK.length + 1)
    .trim()
    .split(/\s+/);
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
