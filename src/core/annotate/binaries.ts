import type { CommandOutput, RemoteCommand } from '../remote/command';
import { failure } from '../remote/command';
import { checkParam } from '../trace/library';

/** Candidates for "which binary runs this source?" on a node. */

export interface RunningBinary {
  readonly path: string;
  readonly pids: readonly number[];
  /** the file was replaced or removed since the process started */
  readonly deleted: boolean;
}

/** `ls -l /proc/[0-9]*\/exe` in one process (root: other users' processes), parsed. */
export function runningBinaries(): RemoteCommand<RunningBinary[]> {
  return {
    title: 'list running executables',
    argv: ['sh', '-c', 'ls -l /proc/[0-9]*/exe 2>/dev/null; exit 0'],
    root: true,
    timeoutMs: 20_000,
    interpret(out: CommandOutput): RunningBinary[] {
      if (out.code !== 0) throw failure('list running executables', out);
      return parseRunning(out.stdout);
    },
  };
}

export function parseRunning(text: string): RunningBinary[] {
  const by = new Map<string, { pids: number[]; deleted: boolean }>();
  for (const l of text.split('\n')) {
    const m = /\/proc\/(\d+)\/exe -> (\/.*?)( \(deleted\))?$/.exec(l);
    if (!m?.[2]) continue;
    const e = by.get(m[2]) ?? { pids: [], deleted: false };
    e.pids.push(Number(m[1]));
    if (m[3]) e.deleted = true;
    by.set(m[2], e);
  }
  return [...by.entries()]
    .map(([p, e]) => ({ path: p, pids: e.pids.sort((a, b) => a - b), deleted: e.deleted }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Executable files under a folder on the node (a path mapping's remote side), at most 500. */
export function executablesUnder(dir: string): RemoteCommand<string[]> {
  const why = checkParam('binary', dir.replace(/\/+$/, '') || '/');
  if (why) throw new Error(`not a folder on the node: ${JSON.stringify(dir.slice(0, 120))} (${why})`);
  return {
    title: `find executables under ${dir}`,
    argv: ['sh', '-c', 'find "$1" -maxdepth 4 -type f -perm -u+x 2>/dev/null | head -n 500; exit 0', 'ebpf-lens-find', dir],
    root: false,
    timeoutMs: 20_000,
    interpret: (out: CommandOutput) => out.stdout.split('\n').filter((l) => l.startsWith('/')),
  };
}

/**
 * Where a local path is on the node, by the `ebpfLens.annotations.pathMappings` setting
 * (`{ "/home/me/edge": "/opt/edge" }`): the longest matching local prefix wins.
 */
export function mapPath(local: string, mappings: Readonly<Record<string, string>>): string | undefined {
  let best: [string, string] | undefined;
  for (const [l, r] of Object.entries(mappings)) {
    const lp = l.replace(/\/+$/, '');
    if ((local === lp || local.startsWith(`${lp}/`)) && (!best || lp.length > best[0].length)) best = [lp, r.replace(/\/+$/, '')];
  }
  return best ? `${best[1]}${local.slice(best[0].length)}` : undefined;
}

/** Rank candidates: a binary named like the source file or its folder first. */
export function rankBinaries(paths: readonly string[], sourceFile: string): string[] {
  const base = sourceFile
    .replace(/^.*\//, '')
    .replace(/\.[^.]*$/, '')
    .toLowerCase();
  const dir = sourceFile
    .replace(/\/[^/]*$/, '')
    .replace(/^.*\//, '')
    .toLowerCase();
  const score = (p: string): number => {
    const name = p.replace(/^.*\//, '').toLowerCase();
    if (name === base) return 0;
    if (name === dir) return 1;
    if (name.includes(base) || base.includes(name)) return 2;
    return 3;
  };
  return [...paths].sort((a, b) => score(a) - score(b) || a.localeCompare(b));
}
