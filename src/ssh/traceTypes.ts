import type { CancellationTokenLike } from '../core/base/cancel';
import type { ScriptDiagnostic } from '../core/trace/diagnostics';
import type { TraceError } from '../core/trace/outcome';
import type { ResultsSnapshot, TraceLimits } from '../core/trace/results';
import type { EnvironmentNote } from '../core/trace/environment';

/** What a trace is started with, and what it ends with (TraceRun, trace.ts). */
export interface TraceOptions {
  readonly script: string;
  /** the trace ends by itself after this (bpftrace under `timeout -s INT`) */
  readonly maxSec?: number;
  readonly heartbeatMs?: number;
  /** the node stops the trace when no heartbeat came for this long */
  readonly heartbeatTimeoutSec?: number;
  /** SIGINT → (grace) → SIGTERM → (grace) → SIGKILL */
  readonly graceSec?: number;
  readonly limits?: TraceLimits;
  readonly token?: CancellationTokenLike;
  readonly bpftraceArgs?: readonly string[];
}

export type TraceState = 'starting' | 'running' | 'stopping' | 'done' | 'failed';

export interface TraceOutcome {
  readonly state: 'done' | 'failed';
  /** bpftrace's exit status (124: ended by its time limit) */
  readonly exitCode: number | null;
  /** why it ended: exited, time limit, stop, interrupt, cancel, stopped by the node (…), connection lost … */
  readonly reason: string;
  /** any end but the user's stop, the time limit or the script's own: ssh.heartbeat (the node
   * stopped it), ssh.linkLost, ssh.disconnected, tool.script, tool.crashed … (outcome.ts) */
  readonly error?: TraceError;
  /** a bpftrace that outlived the guard's escalation (a sudo user cannot SIGKILL root) */
  readonly leftover?: { readonly pid: number; readonly message: string };
  /** checked on the node after the end that no bpftrace of this trace is left */
  readonly verified: boolean;
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** what bpftrace said about the node, not the script (kept on the node: NodeClient.environment) */
  readonly environment: readonly EnvironmentNote[];
  readonly results: ResultsSnapshot;
  readonly stderrTail: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** how long the probes were attached: from bpftrace's attach record to the guard's line that it
   * has exited, both as this host saw them (the network delay at both ends cancels; the check
   * after the end, which endedAt includes, is not in it; bpftrace's detach and exit are, a few
   * tenths of a second). Absent if it never attached. */
  readonly attachedMs?: number;
}
