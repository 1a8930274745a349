/**
 * Errors with a reason. Callers branch on `reason` (`SshError.is(e, 'authFailed')`), never on
 * message text. Messages are written for the user: what happened and what to do.
 */

export type SshErrorReason =
  | 'hostKeyUnknown'
  | 'hostKeyMismatch'
  | 'hostKeyRevoked'
  | 'authFailed'
  | 'unreachable'
  | 'timeout'
  /** the login shell of a new session did not start within its budget (startup files) */
  | 'loginTimeout'
  | 'disconnected'
  | 'channelOpen'
  | 'proxyJump'
  | 'config';

export class SshError extends Error {
  override readonly name = 'SshError';
  constructor(
    readonly reason: SshErrorReason,
    message: string,
    readonly detail?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
  static is(e: unknown, reason?: SshErrorReason): e is SshError {
    return e instanceof SshError && (reason === undefined || e.reason === reason);
  }
}

export type ToolErrorReason =
  /** the tool is not installed on the node */
  | 'missing'
  /** the tool needs root and the login user is neither root nor allowed `sudo -n` */
  | 'needsRoot'
  /** the tool ran and failed (non-zero exit, killed by a signal) */
  | 'failed'
  /** the tool's output could not be read (truncated, malformed, empty) */
  | 'badOutput'
  /** the command did not finish within its time budget */
  | 'timeout'
  /** bpftrace refused the script (syntax, semantics): the diagnostics say where */
  | 'script'
  /** the script uses a probe type this node's kernel cannot attach */
  | 'probeUnavailable'
  /** a trace could not be stopped on the node (a root bpftrace a sudo user cannot SIGKILL) */
  | 'leftover'
  /** the tool died of a crash signal (SIGSEGV, SIGABRT …) */
  | 'crashed';

/** A failure on the node side: the connection worked, the tool did not. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly reason: ToolErrorReason,
    message: string,
    readonly detail?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
  static is(e: unknown, reason?: ToolErrorReason): e is ToolError {
    return e instanceof ToolError && (reason === undefined || e.reason === reason);
  }
}

export type StorageErrorReason = 'full' | 'denied' | 'readOnly' | 'failed';

/** Writing eBPF Lens's own files (snapshots, saved runs) failed: the disk is full, read-only … */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly reason: StorageErrorReason,
    message: string,
  ) {
    super(message);
  }
  static is(e: unknown, reason?: StorageErrorReason): e is StorageError {
    return e instanceof StorageError && (reason === undefined || e.reason === reason);
  }
  /** A file system error as a StorageError naming what could not be written, and why in words. */
  static from(e: unknown, what: string): StorageError {
    if (e instanceof StorageError) return e;
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    const reason: StorageErrorReason = code === 'ENOSPC' || code === 'EDQUOT' ? 'full' : code === 'EACCES' || code === 'EPERM' ? 'denied' : code === 'EROFS' ? 'readOnly' : 'failed';
    const why = { full: 'no space left on the device', denied: 'permission denied', readOnly: 'the file system is read-only', failed: e instanceof Error ? e.message : String(e) }[reason];
    return new StorageError(reason, `${what}: ${why}`);
  }
}

/** The user (or the program on the user's behalf) cancelled the operation. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
  static is(e: unknown): e is CancelledError {
    return e instanceof CancelledError;
  }
}

/** Bad input from the user or a setting: rejected before anything reaches a node. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  static is(e: unknown): e is InputError {
    return e instanceof InputError;
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Kind of failure, as printed in JSON output and shown in the tree: `ssh.authFailed`, `tool.needsRoot` … */
export function errorKind(e: unknown): string {
  if (SshError.is(e)) return `ssh.${e.reason}`;
  if (ToolError.is(e)) return `tool.${e.reason}`;
  if (InputError.is(e)) return 'input';
  if (StorageError.is(e)) return `storage.${e.reason}`;
  if (CancelledError.is(e)) return 'cancelled';
  return 'internal';
}
