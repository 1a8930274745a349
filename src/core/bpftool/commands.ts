import { type CommandOutput, type RemoteCommand, failure } from '../remote/command';
import { ToolError } from '../base/errors';
import type { Parsed } from '../base/result';
import { parseLinkShow, parseMapShow, parseNet, parsePerf, parseProgShow } from './parse';
import type { BpfLink, BpfMap, BpfProgram, NetAttachment, PerfAttachment } from './types';

/** What a bpftool listing gave: the entries, and any entry it had to skip. */
export interface Listed<T> {
  readonly items: readonly T[];
  readonly warnings: readonly string[];
}

/** A listing's JSON text → its items (or a typed error: bad output is never half-read). */
function listed<T>(title: string, text: string, parse: (text: string) => Parsed<T[]>): Listed<T> {
  const r = parse(text);
  const whole = r.errors.filter((e) => e.line === undefined);
  if (whole.length > 0) {
    throw new ToolError('badOutput', `${title}: ${whole.map((e) => e.message).join('; ')}`, {
      bytes: text.length,
    });
  }
  return { items: r.value, warnings: r.errors.map((e) => e.message) };
}

function bpftoolJson<T>(title: string, args: readonly string[], parse: (text: string) => Parsed<T[]>): RemoteCommand<Listed<T>> {
  return {
    title,
    argv: ['bpftool', '-j', ...args],
    root: true,
    interpret(out: CommandOutput): Listed<T> {
      if (out.code !== 0 || out.signal) {
        // bpftool -j prints its error as {"error": "..."} on stdout
        let why: string | undefined;
        try {
          const doc: unknown = JSON.parse(out.stdout.trim() || 'null');
          if (doc && typeof doc === 'object' && 'error' in doc) why = String((doc as { error: unknown }).error);
        } catch {
          /* not JSON: stderr tells */
        }
        throw failure(title, out, why);
      }
      return listed(title, out.stdout, parse);
    },
  };
}

export const progShow = (): RemoteCommand<Listed<BpfProgram>> => bpftoolJson('bpftool prog show', ['-f', 'prog', 'show'], parseProgShow);
export const mapShow = (): RemoteCommand<Listed<BpfMap>> => bpftoolJson('bpftool map show', ['-f', 'map', 'show'], parseMapShow);
export const linkShow = (): RemoteCommand<Listed<BpfLink>> => bpftoolJson('bpftool link show', ['-f', 'link', 'show'], parseLinkShow);
export const netShow = (): RemoteCommand<Listed<NetAttachment>> => bpftoolJson('bpftool net', ['net', 'show'], parseNet);
export const perfShow = (): RemoteCommand<Listed<PerfAttachment>> => bpftoolJson('bpftool perf', ['perf', 'show'], parsePerf);

/** The five views a node listing needs, for one `bpftool batch`. */
export interface BatchListing {
  readonly progs?: Listed<BpfProgram>;
  readonly maps?: Listed<BpfMap>;
  readonly links?: Listed<BpfLink>;
  readonly net?: Listed<NetAttachment>;
  readonly perf?: Listed<PerfAttachment>;
  /** views bpftool could not give (each to be asked on its own), with why */
  readonly failed: Readonly<Record<string, string>>;
}

// perf first: bpftool 7.1 reports a spurious read error for its batch file when perf is last
const BATCH: readonly (readonly [keyof Omit<BatchListing, 'failed'>, string, (t: string) => Parsed<unknown[]>])[] = [
  ['perf', 'perf show', parsePerf],
  ['progs', 'prog show', parseProgShow],
  ['maps', 'map show', parseMapShow],
  ['links', 'link show', parseLinkShow],
  ['net', 'net show', parseNet],
];

/**
 * `bpftool -j -f batch file -` (-f: pinned paths): the five listings in one bpftool process (one exec on the node
 * instead of five; the commands are constants, on stdin). bpftool stops at the first command
 * that fails: what it did not give is named in `failed`, for the caller to ask on its own.
 */
export function listingBatch(): RemoteCommand<BatchListing> {
  return {
    title: 'bpftool batch (prog, map, link, net, perf)',
    argv: ['bpftool', '-j', '-f', 'batch', 'file', '-'],
    root: true,
    stdin: `${BATCH.map(([, c]) => c).join('\n')}\n`,
    interpret(out: CommandOutput): BatchListing {
      let doc: unknown;
      try {
        doc = JSON.parse(out.stdout.trim() || 'null');
      } catch (e) {
        throw new ToolError('badOutput', `bpftool batch: not JSON (${e instanceof Error ? e.message : String(e)})`, {
          bytes: out.stdout.length,
        });
      }
      if (!Array.isArray(doc)) throw failure('bpftool batch', out, 'no result list');
      const got: Record<string, unknown> = {};
      for (const entry of doc as unknown[]) {
        if (!entry || typeof entry !== 'object' || !('command' in entry) || !Array.isArray((entry as { command: unknown }).command))
          continue;
        const e = entry as { command: unknown[]; output?: unknown };
        if (e.output === null || e.output === undefined) continue;
        got[e.command.join(' ')] = e.output;
      }
      const result: Record<string, unknown> = {};
      const failed: Record<string, string> = {};
      for (const [key, cmd, parse] of BATCH) {
        if (!(cmd in got)) {
          failed[key] = out.stderr.trim().split('\n').pop() || `bpftool ${cmd} did not run in the batch`;
          continue;
        }
        try {
          result[key] = listed(`bpftool ${cmd}`, JSON.stringify(got[cmd]), parse);
        } catch (err) {
          failed[key] = err instanceof Error ? err.message : String(err);
        }
      }
      return { ...(result as Omit<BatchListing, 'failed'>), failed };
    },
  };
}
