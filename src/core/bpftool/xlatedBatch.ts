import type { CommandOutput, RemoteCommand } from '../remote/command';
import { failure } from '../remote/command';
import { ToolError } from '../base/errors';

/**
 * Many `bpftool prog dump xlated id N` in one bpftool process: `bpftool batch file -`, the
 * commands on stdin (constants and numbers, never a user's text). Measured on a node with 302
 * programs: 302 separate dumps 69 s, one batch of them 21.6 s.
 *
 * The plain text of a batch has no frame between commands (`-j` would frame them, but as JSON
 * instructions, not the text every stored snapshot holds), so a `version` goes after every dump:
 * its text separates them. The batch starts with two `version`, which show that text: the
 * shortest line-ended prefix that is at once repeated. bpftool stops at the first command that
 * fails, printing `Error: …` on stderr: the dumps before it are complete, the failed one is named
 * (most often a program unloaded since the listing), and the ones after it did not run.
 */
export interface XlatedBatch {
  /** the raw dump text of each program whose dump finished */
  readonly dumps: ReadonlyMap<number, string>;
  /** the program whose dump failed and stopped the batch */
  readonly failed?: number;
  /** what bpftool said about it */
  readonly why?: string;
  /** programs after the failed one: not dumped, to be asked again */
  readonly notRun: readonly number[];
}

/** The text two leading `version` commands printed: the shortest line-ended prefix repeated at once. */
export function batchSeparator(stdout: string): string | undefined {
  for (let end = stdout.indexOf('\n'); end >= 0 && 2 * (end + 1) <= stdout.length; end = stdout.indexOf('\n', end + 1)) {
    const sep = stdout.slice(0, end + 1);
    if (stdout.startsWith(sep, sep.length)) return sep;
  }
  return undefined;
}

/** bpftool's own report of a failed command (`Error: get by id (12): No such file or directory`) */
function bpftoolError(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => l.startsWith('Error: '));
  return lines[lines.length - 1]?.slice('Error: '.length).trim();
}

/** Read a batch's output for the dumps of `ids` (asked in that order). */
export function parseXlatedBatch(ids: readonly number[], out: CommandOutput): XlatedBatch {
  const title = `bpftool batch (${ids.length} × prog dump xlated)`;
  const sep = batchSeparator(out.stdout);
  if (sep === undefined) {
    if (out.code === 0) throw new ToolError('badOutput', `${title}: no \`version\` text between the dumps`, { bytes: out.stdout.length });
    throw failure(title, out);
  }
  // dump₁ SEP dump₂ SEP … dumpₖ SEP tail: the tail is bpftool's "processed N commands", or
  // whatever the failed dump printed before it failed
  const parts = out.stdout.slice(2 * sep.length).split(sep);
  const done = Math.min(parts.length - 1, ids.length);
  const dumps = new Map<number, string>();
  for (let i = 0; i < done; i++) dumps.set(ids[i] as number, parts[i] as string);
  if (done === ids.length) return { dumps, notRun: [] };
  const why = bpftoolError(out.stderr);
  // no `Error:` of bpftool's: it did not fail a command, it was stopped (a signal, the node's time bound)
  if (why === undefined) throw failure(title, out);
  return { dumps, failed: ids[done] as number, why, notRun: ids.slice(done + 1) };
}

/** One bpftool for the xlated dumps of `ids` (plain text, as `xlatedDump` without `linum`). */
export function xlatedBatch(ids: readonly number[]): RemoteCommand<XlatedBatch> {
  return {
    title: `bpftool batch (${ids.length} × prog dump xlated)`,
    argv: ['bpftool', 'batch', 'file', '-'],
    root: true,
    stdin: `version\nversion\n${ids.map((id) => `prog dump xlated id ${Math.trunc(id)}\nversion\n`).join('')}`,
    // its own bound, from its size: a dump took ~70 ms on an idle node and ~120 ms on a busy one;
    // 250 ms each on top of a plain command's 20 s leaves room for a loaded node
    timeoutMs: 20_000 + 250 * ids.length,
    interpret: (out) => parseXlatedBatch(ids, out),
  };
}
