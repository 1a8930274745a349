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

/**
 * An error with a reason from a closed list: `SshError.is(e, 'authFailed')` narrows to the class
 * and checks the reason (the reason's type follows from the class it is called on).
 */
export abstract class ReasonError<R extends string> extends Error {
  constructor(
    readonly reason: R,
    message: string,
    readonly detail?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
  static is<T extends ReasonError<string>>(this: abstract new (...args: never[]) => T, e: unknown, reason?: T['reason']): e is T {
    return e instanceof this && (reason === undefined || e.reason === reason);
  }
}

/** The connection failed: host key, login, network, the SSH server. */
export class SshError extends ReasonError<SshErrorReason> {
  override readonly name = 'SshError';
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
export class ToolError extends ReasonError<ToolErrorReason> {
  override readonly name = 'ToolError';
}

export type StorageErrorReason =
  /** no space left on the device (or the user's quota is used up) */
  | 'full'
  /** permission denied */
  | 'denied'
  /** the file system is mounted read-only */
  | 'readOnly'
  /** a part of the path is a file (or something else), not a folder */
  | 'notDirectory'
  /** the folder exists, yet this file system does not let anyone create in it (/proc, /sys) */
  | 'cannotCreate'
  /** any other answer of the file system (the message carries it) */
  | 'failed';

/**
 * Writing eBPF Lens's own files (snapshots, saved runs, the trust store, exports) failed: the disk
 * is full, read-only … The message names the path and says what happened; `path` is that path.
 */
export class StorageError extends ReasonError<StorageErrorReason> {
  override readonly name = 'StorageError';
  constructor(
    reason: StorageErrorReason,
    message: string,
    readonly path?: string,
  ) {
    super(reason, message);
  }
  /**
   * An error met while writing, as a StorageError with `what` in front (`could not save the
   * snapshot in DIR: cannot write FILE: no space left on the device`). A StorageError keeps its
   * reason and path; any other error is read by its `code`.
   */
  static from(e: unknown, what: string): StorageError {
    if (e instanceof StorageError) return new StorageError(e.reason, `${what}: ${e.message}`, e.path);
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    const reason: StorageErrorReason =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'full'
        : code === 'EACCES' || code === 'EPERM'
          ? 'denied'
          : code === 'EROFS'
            ? 'readOnly'
            : code === 'ENOTDIR'
              ? 'notDirectory'
              : 'failed';
    return new StorageError(reason, `${what}: ${reason === 'failed' || reason === 'notDirectory' ? errorMessage(e) : STORAGE_WHY[reason]}`);
  }
}

/** What a StorageError's reason means, in words (`failed` and `notDirectory` say more in their message). */
export const STORAGE_WHY: Readonly<Record<'full' | 'denied' | 'readOnly', string>> = {
  full: 'no space left on the device',
  denied: 'permission denied',
  readOnly: 'the file system is read-only',
};

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
