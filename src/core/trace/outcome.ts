import type { CommandOutput, RemoteCommand } from '../remote/command';
import type { StderrReport } from './diagnostics';

/**
 * How a trace ended, said plainly. Only two ends are normal: the user's stop and the time limit
 * (and a script that ends by itself, `exit()`). Every other end carries an error with its reason:
 * the script failed, bpftrace crashed, the node stopped the trace because it heard nothing from
 * this client (a suspended client, a link down for a while), or the link was lost.
 */
export interface EndFacts {
  readonly node: string;
  /** the guard's heartbeat timeout for this trace */
  readonly heartbeatTimeoutSec: number;
  /** the guard's last line: bpftrace's status, and why it ended (exited, stop, eof, heartbeat, overtime) */
  readonly guardExit?: { readonly rc: number; readonly reason: string };
  /** the seconds without a heartbeat the guard named when it stopped the trace for that */
  readonly guardSilentSec?: number;
  /** the client's own stop: stop, interrupt, cancel */
  readonly stopReason?: string;
  /** the session's login shell never started the guard (the message says why) */
  readonly loginExpired?: string;
  /** the client heard nothing from the node for this long and gave the link up */
  readonly linkLostMs?: number;
  /** the SSH connection itself is closed */
  readonly connectionClosed: boolean;
  /** bpftrace reported its probes attached */
  readonly attached: boolean;
  readonly report: Pick<StderrReport, 'diagnostics' | 'unavailable' | 'other'>;
  readonly leftover?: { readonly message: string };
}

export interface TraceError {
  readonly kind: string;
  readonly message: string;
}

export interface EndVerdict {
  /** short, for logs and saved runs: exited, time limit, stop, cancel, stopped by the node (…), connection lost … */
  readonly reason: string;
  readonly error?: TraceError;
}

/** exit status − 128 → the crash signal it stands for (the guard's INT, TERM and KILL are not crashes) */
export const CRASH_SIGNALS: Readonly<Record<number, string>> = {
  4: 'SIGILL',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  11: 'SIGSEGV',
  31: 'SIGSYS',
};

/** The error kinds of an end the node or the link decided: the trace did not end as asked. */
export const NODE_STOPPED_KINDS: readonly string[] = ['ssh.heartbeat', 'ssh.eof'];
export const LINK_LOST_KINDS: readonly string[] = ['ssh.linkLost', 'ssh.disconnected'];

function reasonOf(f: EndFacts): string {
  const g = f.guardExit;
  if (f.loginExpired) return 'login shell did not start';
  if (f.linkLostMs !== undefined && !g) return 'connection lost';
  if (!g) return 'connection lost (the node stops the trace when the heartbeats stop)';
  if (g.reason === 'heartbeat') return 'stopped by the node (no heartbeat)';
  if (g.reason === 'exited') return g.rc === 124 ? 'time limit' : 'exited';
  if (g.reason === 'overtime') return 'time limit (bpftrace did not end on SIGINT: ended by the guard)';
  if (g.reason === 'eof' && f.stopReason === undefined) return 'stopped by the node (control channel closed)';
  return f.stopReason ?? g.reason;
}

function scriptError(f: EndFacts, exitCode: number): TraceError {
  const first = f.report.diagnostics.find((d) => d.severity === 'error');
  if (first) {
    const at = first.line !== undefined ? `line ${first.line}${first.col !== undefined ? `:${first.col}` : ''}: ` : '';
    return { kind: 'tool.script', message: `${at}${first.message}` };
  }
  const other = f.report.other.length ? `: ${f.report.other.slice(-2).join(' | ')}` : '';
  return { kind: 'tool.failed', message: `bpftrace exited with status ${exitCode}${other}` };
}

/** The end of a trace that the node or the link decided, if it was one. */
function nodeOrLinkError(f: EndFacts): TraceError | undefined {
  const g = f.guardExit;
  if (g?.reason === 'heartbeat') {
    const s = f.guardSilentSec ?? f.heartbeatTimeoutSec;
    return {
      kind: 'ssh.heartbeat',
      message: `the node stopped the trace: it heard nothing from this client for ${s} s (its limit is ${f.heartbeatTimeoutSec} s)`,
    };
  }
  if (g?.reason === 'eof' && f.stopReason === undefined) {
    return { kind: 'ssh.eof', message: `the node stopped the trace: the control channel from this client closed` };
  }
  if (!g && f.linkLostMs !== undefined) {
    return {
      kind: 'ssh.linkLost',
      message: `the connection to ${f.node} was lost (nothing came from it for ${Math.round(f.linkLostMs / 1000)} s); the node stops the trace by itself within ${f.heartbeatTimeoutSec} s`,
    };
  }
  if (!g && f.connectionClosed)
    return { kind: 'ssh.disconnected', message: `the connection to ${f.node} was lost during the trace; the node's guard stops it` };
  return undefined;
}

export function judgeEnd(f: EndFacts): EndVerdict {
  const reason = reasonOf(f);
  const rc = f.guardExit ? f.guardExit.rc : null;
  let error: TraceError | undefined;
  if (f.loginExpired) error = { kind: 'ssh.loginTimeout', message: f.loginExpired };
  else if (f.report.unavailable) error = { kind: 'tool.probeUnavailable', message: f.report.unavailable.message };
  else if (rc !== null && rc !== 0 && rc !== 124 && rc !== 130 && !f.attached) error = scriptError(f, rc);
  else if (rc !== null && CRASH_SIGNALS[rc - 128] !== undefined) {
    // died of a crash signal (not one of the guard's stop signals): what it printed before is kept
    error = {
      kind: 'tool.crashed',
      message: `bpftrace crashed on ${f.node} (${CRASH_SIGNALS[rc - 128] ?? ''})${f.attached ? ' while tracing; the output before the crash is kept' : ''}`,
    };
  } else error = nodeOrLinkError(f) ?? (f.leftover ? { kind: 'tool.leftover', message: f.leftover.message } : undefined);
  return error ? { reason, error } : { reason };
}

/** What a results view calls an end the node or the link decided ("stopped by the node"), if it was one. */
export function endLabel(error: { readonly kind: string } | undefined): string | undefined {
  if (!error) return undefined;
  if (NODE_STOPPED_KINDS.includes(error.kind)) return 'stopped by the node';
  if (LINK_LOST_KINDS.includes(error.kind)) return 'connection lost';
  return undefined;
}

/** `[ -d /proc/PID ] && cat /proc/PID/comm`: is that pid still a bpftrace? (no root needed) */
export function bpftraceStillRunning(pid: number): RemoteCommand<boolean> {
  return {
    title: 'check the trace ended',
    // comm only: reading stat of a process that is tearing down its memory can block
    argv: ['sh', '-c', 'cat "/proc/$1/comm" 2>/dev/null || true', 'ebpf-lens-check', String(pid)],
    root: false,
    timeoutMs: 10_000,
    interpret: (out: CommandOutput) => out.stdout.trim() === 'bpftrace',
  };
}
