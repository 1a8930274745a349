import type { BpfProgram } from '../bpftool/types';

/** One program's run statistics between two samples (kernel.bpf_stats_enabled=1). */
export interface ProgramStats {
  /** runs per second */
  readonly eventsPerSec: number;
  /** average run time of one run, in ns (undefined when it did not run) */
  readonly avgNs: number | undefined;
  /** share of one CPU spent in the program, in percent */
  readonly cpuPercent: number;
  /** total runs and run time as bpftool reported them at the later sample */
  readonly runCnt: number;
  readonly runTimeNs: number;
  /** seconds between the samples */
  readonly windowSec: number;
}

export interface StatsSample {
  /** ms (monotonic or wall clock: only differences matter) */
  readonly at: number;
  readonly programs: ReadonlyMap<number, { readonly runCnt: number; readonly runTimeNs: number; readonly tag: string }>;
}

export function sample(at: number, programs: readonly BpfProgram[]): StatsSample {
  const m = new Map<number, { runCnt: number; runTimeNs: number; tag: string }>();
  // bpftool omits run_cnt / run_time_ns while they are zero
  for (const p of programs) m.set(p.id, { runCnt: p.runCnt ?? 0, runTimeNs: p.runTimeNs ?? 0, tag: p.tag });
  return { at, programs: m };
}

/**
 * Rates between two samples: events/s = Δrun_cnt/Δt, avg ns = Δrun_time_ns/Δrun_cnt,
 * CPU% = Δrun_time_ns/Δt. A program that is new, replaced (another tag under the same id
 * cannot happen, but ids are reused after unload) or whose counters went backwards gets no
 * rate until the next sample.
 */
export function rates(prev: StatsSample, cur: StatsSample): Map<number, ProgramStats> {
  const out = new Map<number, ProgramStats>();
  const dtSec = (cur.at - prev.at) / 1000;
  if (!(dtSec > 0)) return out;
  for (const [id, c] of cur.programs) {
    const p = prev.programs.get(id);
    if (!p || p.tag !== c.tag || c.runCnt < p.runCnt || c.runTimeNs < p.runTimeNs) continue;
    const dCnt = c.runCnt - p.runCnt;
    const dNs = c.runTimeNs - p.runTimeNs;
    out.set(id, {
      eventsPerSec: dCnt / dtSec,
      avgNs: dCnt > 0 ? dNs / dCnt : undefined,
      cpuPercent: (dNs / (dtSec * 1e9)) * 100,
      runCnt: c.runCnt,
      runTimeNs: c.runTimeNs,
      windowSec: dtSec,
    });
  }
  return out;
}

/** 12.4k, 3.1M, 950, 0.5 — for rates in narrow places. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${trim(n / 1e9)}G`;
  if (a >= 1e6) return `${trim(n / 1e6)}M`;
  if (a >= 1e3) return `${trim(n / 1e3)}k`;
  if (a >= 10 || a === 0) return String(Math.round(n));
  return trim(n);
}

function trim(n: number): string {
  const s = Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
  return s.replace(/\.?0+$/, '');
}

/** 230 ns, 1.2 µs, 3.4 ms */
export function duration(ns: number): string {
  if (ns >= 1e9) return `${trim(ns / 1e9)} s`;
  if (ns >= 1e6) return `${trim(ns / 1e6)} ms`;
  if (ns >= 1e3) return `${trim(ns / 1e3)} µs`;
  return `${Math.round(ns)} ns`;
}

export function statsText(s: ProgramStats): string {
  return `${compact(s.eventsPerSec)} ev/s${s.avgNs !== undefined ? ` · ${duration(s.avgNs)}` : ''} · ${s.cpuPercent < 0.01 && s.cpuPercent > 0 ? '<0.01' : trim(s.cpuPercent)}% CPU`;
}
