import type { ListedProgram, NodeListing } from '../nodes/listing';
import { isTransient } from '../snapshot/model';
import type { ProgramStats } from '../nodes/stats';
import type { SourceFunction } from './functions';
import type { HelperCall } from './helpers';
import type { FunctionAnnotation } from './model';
import { helperEstimates } from './model';

/**
 * BPF C source ↔ the programs loaded on a node: a `SEC("…")` function is the program of that
 * name (the kernel keeps 15 characters of it: a longer function matches a 15-character program
 * name it starts with). Programs of running bpftrace processes are traces, not this source.
 */

/** BPF_OBJ_NAME_LEN - 1 */
export const KERNEL_NAME_LEN = 15;

/** does the kernel's program name stand for this function name? */
export function sameProgramName(fnName: string, progName: string): boolean {
  if (fnName === progName) return true;
  return progName.length === KERNEL_NAME_LEN && fnName.length > KERNEL_NAME_LEN && fnName.startsWith(progName);
}

/** The programs each BPF function of the file is loaded as, newest first. */
export function matchPrograms(functions: readonly SourceFunction[], listing: NodeListing): Map<SourceFunction, ListedProgram[]> {
  const out = new Map<SourceFunction, ListedProgram[]>();
  const candidates = listing.programs.filter((p) => !isTransient(p.owners));
  for (const fn of functions) {
    if (fn.section === undefined || fn.section.startsWith('.')) continue;
    const progs = candidates.filter((p) => sameProgramName(fn.name, p.program.name)).sort((a, b) => b.program.id - a.program.id);
    out.set(fn, progs);
  }
  return out;
}

export interface BpfProgramFacts {
  readonly stats?: ProgramStats;
  readonly helpers?: readonly HelperCall[];
}

/**
 * Annotations of a BPF C file: each program function's runs/s (summed over its loaded
 * programs), average run time and CPU, and its helper calls with how often each fires.
 */
export function bpfAnnotations(
  matches: ReadonlyMap<SourceFunction, readonly ListedProgram[]>,
  facts: ReadonlyMap<number, BpfProgramFacts>,
  lineOf: (f: SourceFunction) => number,
  statsOn: boolean,
): FunctionAnnotation[] {
  const items: FunctionAnnotation[] = [];
  for (const [fn, progs] of matches) {
    const base = { key: fn.qualified, label: fn.name, line: lineOf(fn) };
    if (progs.length === 0) {
      items.push({ ...base, note: `no program named ${fn.name.slice(0, KERNEL_NAME_LEN)} is loaded` });
      continue;
    }
    const programs = progs.map((p) => {
      const st = facts.get(p.program.id)?.stats;
      return { id: p.program.id, name: p.program.name, tag: p.program.tag, type: p.program.type, ...(st ? { stats: st } : {}) };
    });
    const withStats = programs.filter((p) => p.stats);
    const rate = withStats.length ? withStats.reduce((a, p) => a + (p.stats?.eventsPerSec ?? 0), 0) : undefined;
    const count = withStats.length
      ? Math.round(withStats.reduce((a, p) => a + (p.stats?.eventsPerSec ?? 0) * (p.stats?.windowSec ?? 0), 0))
      : undefined;
    // the helpers of the newest program (the one the source is most likely to be)
    const helpers = facts.get(progs[0]?.program.id ?? -1)?.helpers;
    items.push({
      ...base,
      programs,
      ...(rate !== undefined ? { rate } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(helpers ? { helpers: helperEstimates(helpers, rate) } : {}),
      ...(rate === undefined
        ? {
            note: statsOn
              ? 'waiting for the next stats sample'
              : 'live stats are off for this node (run statistics need kernel.bpf_stats_enabled)',
          }
        : {}),
    });
  }
  return items;
}
