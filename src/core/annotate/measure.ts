import { InputError } from '../base/errors';
import { parseVersion, versionAtLeast } from '../bpftrace/catalog';
import { checkParam } from '../trace/library';
import type { HistBucket, MapSnapshot, StatsValue } from '../trace/output';
import type { SourceFunction, SourceLanguage } from './functions';
import type { FunctionAnnotation } from './model';
import { withShares } from './model';
import type { AttachPlan, FunctionMatch } from './symbols';
import { PLAIN_SYMBOL, attachPlan, matchFunctions, wildcardMatch } from './symbols';

/**
 * The bpftrace script that counts calls of a binary's functions for a window, and the reading of
 * its results. Counting starts on the first tick of a timer that is attached last (probes still
 * attaching do not count) and each call is counted only if it is within the window on the
 * kernel's clock (nsecs) from that tick, so the window is exactly its length however late the
 * ticks come on a loaded node (the tick that ends the run may come tenths of a second late).
 */

export interface CountOptions {
  readonly binary: string;
  readonly plan: AttachPlan;
  readonly windowSec: number;
  /** only this process (default: every process running the binary) */
  readonly pid?: number;
  /** symbols to time (uprobe + uretprobe: a latency histogram each) */
  readonly latency?: readonly string[];
  /** the node's bpftrace version: the script is written for it (see deleteKey) */
  readonly bpftrace?: string;
}

/**
 * `delete(target)` as a statement the node's bpftrace takes without a word: from 0.24 delete()
 * returns whether the key was there, and 0.25 on warns "Return value discarded" when a statement
 * drops a value (the `_ =` that silences it is 0.25+, so a variable takes it, as from 0.24).
 */
export function deleteKey(target: string, bpftrace: string | undefined): string {
  const v = bpftrace === undefined ? undefined : parseVersion(bpftrace);
  return v && versionAtLeast(v, [0, 24]) ? `$lens_had = delete(${target});` : `delete(${target});`;
}

/** a bpftrace integer map name for the i-th timed function */
const latName = (i: number): string => `@lens_lat${i}`;

export const TICK_MS = 100;

export function countScript(o: CountOptions): string {
  const why = checkParam('binary', o.binary);
  if (why) throw new InputError(`binary ${JSON.stringify(o.binary.slice(0, 120))} is not ${why}`);
  if (!Number.isInteger(o.windowSec) || o.windowSec < 1 || o.windowSec > 3600) throw new InputError('the window must be 1 to 3600 seconds');
  if (o.pid !== undefined && (!Number.isInteger(o.pid) || o.pid < 1)) throw new InputError('pid must be a positive whole number');
  for (const s of [...o.plan.exact, ...(o.latency ?? [])])
    if (!PLAIN_SYMBOL.test(s)) throw new InputError(`not a symbol bpftrace can attach to: ${JSON.stringify(s.slice(0, 120))}`);
  for (const p of o.plan.patterns)
    if (!/^[A-Za-z_$][\w$.@]*\*$/.test(p)) throw new InputError(`not a symbol pattern: ${JSON.stringify(p.slice(0, 120))}`);
  if (o.plan.exact.length + o.plan.patterns.length === 0) throw new InputError('no function of this file is in the binary');
  const windowNs = o.windowSec * 1e9;
  const pid = `${o.pid !== undefined ? ` && pid == ${o.pid}` : ''} && nsecs < @lens_t0 + ${windowNs}`;
  const at = (kind: string, sym: string): string => `${kind}:${o.binary}:${sym}`;
  const parts: string[] = [`// eBPF Lens: call counts in ${o.binary} for ${o.windowSec} s`];
  if (o.plan.exact.length)
    parts.push(`${o.plan.exact.map((s) => at('uprobe', s)).join(',\n')}\n/@lens_on${pid}/\n{\n\t@lens_calls[probe] = count();\n}`);
  // a multi-attached wildcard is one program: the function comes from its address
  if (o.plan.patterns.length)
    parts.push(`${o.plan.patterns.map((s) => at('uprobe', s)).join(',\n')}\n/@lens_on${pid}/\n{\n\t@lens_fcalls[func] = count();\n}`);
  (o.latency ?? []).forEach((s, i) => {
    parts.push(`${at('uprobe', s)}\n/@lens_on${pid}/\n{\n\t@lens_ts${i}[tid] = nsecs;\n}`);
    parts.push(
      `${at('uretprobe', s)}\n/@lens_ts${i}[tid]/\n{\n\t$d = (int64)nsecs - (int64)@lens_ts${i}[tid];\n\t${latName(i)} = hist($d);\n\t@lens_latstat${i} = stats($d);\n\t${deleteKey(`@lens_ts${i}[tid]`, o.bpftrace)}\n}`,
    );
  });
  // no subtraction of unsigned values (bpftrace 0.27 warns on each) except the latency's, cast:
  // its entry probe, above it, gave the map its type (0.17 cannot cast a map it has not seen set).
  // The timer comes last: bpftrace attaches in order, so it starts once the probes are in. The
  // calls count while nsecs is within the window (the probes' filter), so a late tick (on a
  // loaded node they come late: once 0.4 s) only ends the run later, it does not widen the window
  parts.push(
    `interval:ms:${TICK_MS}\n{\n\t@lens_n++;\n\tif (@lens_n == 1) {\n\t\t@lens_t0 = nsecs;\n\t\t@lens_on = 1;\n\t}\n\tif (@lens_on && nsecs >= @lens_t0 + ${windowNs}) {\n\t\t@lens_on = 0;\n\t\t@lens_t1 = @lens_t0 + ${windowNs};\n\t\texit();\n\t}\n}`,
  );
  const ts = (o.latency ?? []).map((_s, i) => `\tclear(@lens_ts${i});`).join('\n');
  if (ts) parts.push(`END\n{\n${ts}\n}`);
  return `${parts.join('\n\n')}\n`;
}

export interface LatencyResult {
  readonly hist: readonly HistBucket[];
  readonly count: number;
  readonly avgNs: number;
}

export interface CountResult {
  /** calls per symbol in the window */
  readonly calls: ReadonlyMap<string, number>;
  /** the window as the kernel measured it (CLOCK_MONOTONIC ns: bpftrace's nsecs) */
  readonly windowNs: number | undefined;
  readonly t0Ns: number | undefined;
  readonly t1Ns: number | undefined;
  readonly latency: ReadonlyMap<string, LatencyResult>;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0);

/** Read the maps of a finished count run. */
export function readCounts(maps: readonly MapSnapshot[], o: Pick<CountOptions, 'binary' | 'latency' | 'plan'>): CountResult {
  const calls = new Map<string, number>();
  const add = (sym: string, n: number): void => {
    calls.set(sym, (calls.get(sym) ?? 0) + n);
  };
  const scalar = (name: string): number | undefined => {
    const m = maps.find((x) => x.name === name);
    const v = m?.entries[0]?.value;
    return v === undefined ? undefined : num(v);
  };
  for (const m of maps) {
    if (m.name === '@lens_calls') {
      for (const e of m.entries) {
        // uprobe:BIN:SYM (bpftrace may print the path as it resolved it)
        const key = e.key ?? '';
        const sym = key.startsWith(`uprobe:${o.binary}:`) ? key.slice(`uprobe:${o.binary}:`.length) : key.slice(key.lastIndexOf(':') + 1);
        add(sym, num(e.value));
      }
    } else if (m.name === '@lens_fcalls') {
      for (const e of m.entries) {
        // func: the symbol (some versions add +offset)
        const sym = (e.key ?? '').replace(/\+\d+$/, '');
        // only what the patterns were meant to catch
        if (o.plan.patterns.some((p) => wildcardMatch(p, sym))) add(sym, num(e.value));
      }
    }
  }
  const t0 = scalar('@lens_t0');
  const t1 = scalar('@lens_t1');
  const latency = new Map<string, LatencyResult>();
  (o.latency ?? []).forEach((s, i) => {
    const h = maps.find((x) => x.name === latName(i));
    const st = maps.find((x) => x.name === `@lens_latstat${i}`)?.entries[0]?.value as StatsValue | undefined;
    const hist = (h?.entries[0]?.value as readonly HistBucket[] | undefined) ?? [];
    if (h || st) latency.set(s, { hist, count: st?.count ?? hist.reduce((a, b) => a + b.count, 0), avgNs: st?.average ?? 0 });
  });
  return { calls, windowNs: t0 !== undefined && t1 !== undefined && t1 > t0 ? t1 - t0 : undefined, t0Ns: t0, t1Ns: t1, latency };
}

/** The calls of each function: the sum over its symbols. */
export function callsOf(symbols: readonly string[], r: CountResult): number {
  return symbols.reduce((a, s) => a + (r.calls.get(s) ?? 0), 0);
}

// ------------------------------------------------------------------------------ planning

export interface CountPlan {
  readonly matches: readonly FunctionMatch[];
  /** the functions that are counted (in the binary, within the probe limit) */
  readonly measured: readonly FunctionMatch[];
  readonly plan: AttachPlan;
  readonly notes: readonly string[];
}

/**
 * Which functions to count and with which attach points. `functions` come in priority order
 * (the caller puts the ones on screen first): past `maxProbes` attach points the rest wait for
 * another window, and the note says so.
 */
export function planCounts(
  functions: readonly SourceFunction[],
  symbols: readonly string[],
  lang: SourceLanguage,
  o: { readonly multi: boolean; readonly maxProbes: number },
): CountPlan {
  const matches = matchFunctions(functions, symbols, lang);
  const notes: string[] = [];
  const found = matches.filter((m) => m.symbols.length > 0);
  const missing = matches.length - found.length;
  if (missing > 0)
    notes.push(`${missing} function${missing === 1 ? ' is' : 's are'} not in the binary (inlined, static and stripped, or another build)`);
  // the longest head of the list whose attach points fit (at least one function)
  const probesFor = (k: number): number => {
    const p = attachPlan(
      found.slice(0, k).flatMap((x) => x.symbols),
      symbols,
      o.multi,
    );
    return p.exact.length + p.patterns.length;
  };
  let fit = found.length;
  if (!o.multi) {
    // one attach point per symbol: count as we go
    const seen = new Set<string>();
    for (let k = 0; k < found.length; k++) {
      for (const sym of (found[k] as FunctionMatch).symbols) if (PLAIN_SYMBOL.test(sym)) seen.add(sym);
      if (seen.size > o.maxProbes && k > 0) {
        fit = k;
        break;
      }
    }
  } else if (probesFor(found.length) > o.maxProbes) {
    // patterns may merge as functions are added: search for the largest head that fits
    let lo = 1;
    let hi = found.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (probesFor(mid) <= o.maxProbes) lo = mid;
      else hi = mid - 1;
    }
    fit = lo;
  }
  const measured = found.slice(0, Math.max(fit, Math.min(1, found.length)));
  const plan: AttachPlan = attachPlan(
    measured.flatMap((x) => x.symbols),
    symbols,
    o.multi,
  );
  if (measured.length < found.length) {
    const left = found.length - measured.length;
    notes.push(
      `${left} function${left === 1 ? '' : 's'} not measured: more than ${o.maxProbes} probes (setting ebpfLens.annotations.maxProbes)`,
    );
  }
  if (plan.skipped.length)
    notes.push(
      `${plan.skipped.length} symbol${plan.skipped.length === 1 ? '' : 's'} bpftrace cannot name in an attach point: ${plan.skipped.slice(0, 3).join(', ')}`,
    );
  return { matches, measured, plan, notes };
}

/** Annotations from a finished count run. */
export function countAnnotations(
  p: CountPlan,
  r: CountResult,
  lineOf: (f: SourceFunction) => number,
  windowSec: number,
): FunctionAnnotation[] {
  const secs = r.windowNs !== undefined ? r.windowNs / 1e9 : windowSec;
  const measured = new Set(p.measured.map((m) => m.fn));
  const skipped = new Set(p.plan.skipped);
  const items = p.matches.map((m): FunctionAnnotation => {
    const base = { key: m.fn.qualified, label: m.fn.qualified, line: lineOf(m.fn), ...(m.symbols.length ? { symbols: m.symbols } : {}) };
    if (m.symbols.length === 0) return { ...base, note: 'not in the binary' };
    if (!measured.has(m.fn)) return { ...base, note: 'not measured (probe limit)' };
    const syms = m.symbols.filter((s) => !skipped.has(s));
    if (syms.length === 0) return { ...base, note: 'its symbol cannot be probed by name' };
    const count = callsOf(syms, r);
    const lat = syms.map((s) => r.latency.get(s)).find((x) => x !== undefined);
    return { ...base, count, rate: secs > 0 ? count / secs : 0, ...(lat ? { latency: lat } : {}) };
  });
  return withShares(items);
}
