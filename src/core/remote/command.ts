import { ToolError } from '../base/errors';

/** The result of one command run on a node. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** exit status, or null when the process was killed by a signal */
  readonly code: number | null;
  readonly signal?: string | undefined;
}

/** Tools the connection probe locates on every node; other names are looked up in PATH. */
export type KnownTool = 'bpftool' | 'bpftrace';

/**
 * A remote command descriptor. Core builds these; a runner (ssh, or a local one in tests)
 * executes them. The argv is quoted by `shJoin` and nothing else: no user string is ever
 * spliced into a shell line.
 */
export interface RemoteCommand<T> {
  /** what the user would recognise: "bpftool prog show" */
  readonly title: string;
  /** argv[0] is a tool name: a KnownTool is replaced by its path found on the node */
  readonly argv: readonly string[];
  /** the command needs root: it runs under `sudo -n` when the login user is not root */
  readonly root: boolean;
  /** data for the command's standard input (never placed on the command line) */
  readonly stdin?: string;
  /** time budget on the client; the runner's default applies when unset */
  readonly timeoutMs?: number;
  /** turn a finished run into a value, or throw a ToolError */
  interpret(out: CommandOutput): T;
}

/** Last non-empty line of a tool's stderr, trimmed to something a user can read in one line. */
export function stderrSummary(stderr: string, max = 300): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  // bpftrace on some kernels always warns about RLIMIT_MEMLOCK: that line is noise, not the error
  const useful = lines.filter((l) => !/RLIMIT_MEMLOCK/.test(l));
  const pick = useful.length > 0 ? useful : lines;
  const s = pick.slice(-3).join(' | ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A command ended badly: say how, in the user's terms. */
export function failure(title: string, out: CommandOutput, extra?: string): ToolError {
  const how = out.signal
    ? `was killed by ${out.signal}`
    : out.code !== null && out.code >= 128 && out.code < 160
      ? `was killed by signal ${out.code - 128}`
      : `exited with status ${String(out.code)}`;
  const why = extra ?? stderrSummary(out.stderr);
  if (out.code === 127 && /not found/i.test(out.stderr)) {
    return new ToolError('missing', `${title}: the command is not installed on the node (${why})`, { code: out.code });
  }
  if (
    /Operation not permitted|Permission denied|EPERM|must be run as root|need root|a password is required|a terminal is required|not allowed to execute|not in the sudoers/i.test(
      why,
    )
  ) {
    return new ToolError('needsRoot', `${title} needs root or sudo on this node: ${why}`, { code: out.code });
  }
  return new ToolError('failed', `${title} ${how}${why ? `: ${why}` : ''}`, {
    code: out.code,
    signal: out.signal,
  });
}
