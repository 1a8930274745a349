import { type CommandOutput, type RemoteCommand, failure } from '../command';
import { ToolError } from '../errors';
import type { Parsed } from '../result';
import {
  parseLinkShow,
  parseMapShow,
  parseNet,
  parsePerf,
  parseProgShow,
} from './parse';
import type { BpfLink, BpfMap, BpfProgram, NetAttachment, PerfAttachment } from './types';

/** What a bpftool listing gave: the entries, and any entry it had to skip. */
export interface Listed<T> {
  readonly items: readonly T[];
  readonly warnings: readonly string[];
}

function bpftoolJson<T>(
  title: string,
  args: readonly string[],
  parse: (text: string) => Parsed<T[]>,
): RemoteCommand<Listed<T>> {
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
      const r = parse(out.stdout);
      const whole = r.errors.filter((e) => e.line === undefined);
      if (whole.length > 0) {
        throw new ToolError('badOutput', `${title}: ${whole.map((e) => e.message).join('; ')}`, {
          bytes: out.stdout.length,
        });
      }
      return { items: r.value, warnings: r.errors.map((e) => e.message) };
    },
  };
}

export const progShow = (): RemoteCommand<Listed<BpfProgram>> =>
  bpftoolJson('bpftool prog show', ['-f', 'prog', 'show'], parseProgShow);
export const mapShow = (): RemoteCommand<Listed<BpfMap>> =>
  bpftoolJson('bpftool map show', ['-f', 'map', 'show'], parseMapShow);
export const linkShow = (): RemoteCommand<Listed<BpfLink>> =>
  bpftoolJson('bpftool link show', ['-f', 'link', 'show'], parseLinkShow);
export const netShow = (): RemoteCommand<Listed<NetAttachment>> => bpftoolJson('bpftool net', ['net', 'show'], parseNet);
export const perfShow = (): RemoteCommand<Listed<PerfAttachment>> =>
  bpftoolJson('bpftool perf', ['perf', 'show'], parsePerf);
