import { CancelledError, InputError, SshError, StorageError, ToolError } from '../core/base/errors';

/** `ebpf-lens` exit codes (README, "Command line"). */
export const Exit = {
  ok: 0,
  /** check found errors in a script */
  findings: 1,
  usage: 2,
  /** connection, authentication or host key */
  connection: 3,
  /** the tool on the node failed or printed something unreadable */
  nodeTool: 4,
  /** several nodes, some failed (each failure reported with its node) */
  someNodesFailed: 5,
  /** a local file could not be written (snapshot directory full, read-only …) */
  storage: 6,
  cancelled: 130,
  /** standard output was closed by its reader (`| head`): the work stopped, quietly, as 128 + SIGPIPE */
  outputClosed: 141,
} as const;

export function exitCodeFor(e: unknown): number {
  if (SshError.is(e)) return e.reason === 'config' ? Exit.usage : Exit.connection;
  if (ToolError.is(e)) return Exit.nodeTool;
  if (InputError.is(e)) return Exit.usage;
  if (StorageError.is(e)) return Exit.storage;
  if (CancelledError.is(e)) return Exit.cancelled;
  return Exit.nodeTool;
}

export { errorKind } from '../core/base/errors';
