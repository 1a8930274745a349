import type { Probe } from '../bpftrace/ast';
import { probeType } from '../bpftrace/probeTypes';
import { LineIndex } from '../bpftrace/lexer';
import { parse } from '../bpftrace/parser';
import type { MapSnapshot } from '../trace/output';
import type { Insertion } from '../trace/origin';
import { HIDDEN_MAP_PREFIX } from '../trace/results';

/**
 * How often each probe block of a user's script fires, measured without changing what the
 * script prints: each block's body starts with one more statement that counts into a map of
 * eBPF Lens's own (its results are kept apart and never shown as the script's), printed once a
 * second by one more timer probe. Nothing is inserted on a new line, so bpftrace's line numbers
 * in errors still match the user's file.
 *
 * The rates need the time the probes were attached, and the extension host's clock is the wrong
 * one for it: it sees the attach line and the end of the run late, by the stop's round trip and
 * bpftrace's exit (on a loaded node most of a second). So the script also measures its window on
 * the kernel clock: BEGIN (the user's, or one more) notes `nsecs`, and each print of the counts,
 * and END, note it again; both are printed with the counts they belong to. The node does no
 * arithmetic on them: bpftrace 0.27 warns on any subtraction of unsigned values, and a cast of a
 * map bpftrace 0.17 has not yet seen assigned (an END above the BEGIN) is an error.
 */
export const HITS_MAP = `${HIDDEN_MAP_PREFIX}hits`;
/** kernel nanoseconds at BEGIN */
export const T0_MAP = `${HIDDEN_MAP_PREFIX}t0`;
/** kernel nanoseconds when the counts printed with it were read (the last one: END) */
export const NOW_MAP = `${HIDDEN_MAP_PREFIX}now`;

export interface InstrumentedProbe {
  readonly index: number;
  /** offsets in the original script */
  readonly start: number;
  readonly line: number;
  readonly label: string;
  readonly filtered: boolean;
}

export interface Instrumented {
  readonly script: string;
  readonly probes: readonly InstrumentedProbe[];
  /** the script measures its window (T0_MAP, NOW_MAP); false when its own BEGIN or END cannot carry
   * the measurement (a BEGIN with a predicate or with other attach points: bpftrace allows one) */
  readonly window: boolean;
  /** what was added inside the script (ascending, offsets of the original) … */
  readonly inserted: readonly Insertion[];
  /** … and how much of the original is kept before the probes added at the end */
  readonly kept: number;
}

/** The script with counting added, or undefined when it does not parse (it then runs as written). */
export function instrumentProbes(script: string): Instrumented | undefined {
  const { program, diagnostics } = parse(script);
  if (diagnostics.some((d) => d.severity === 'error')) return undefined;
  if (script.includes(HIDDEN_MAP_PREFIX)) return undefined;
  const probes = program.items.filter((i): i is Probe => i.kind === 'probe');
  if (probes.length === 0) return undefined;
  const lines = new LineIndex(script);
  // insert from the end so earlier offsets stay valid
  let out = script;
  const list: InstrumentedProbe[] = probes.map((p, index) => ({
    index,
    start: p.start,
    line: lines.position(p.start).line,
    label: p.attachPoints.map((a) => a.text).join(', '),
    filtered: p.predicate !== undefined,
  }));
  const special = (name: 'BEGIN' | 'END'): { ok: boolean; at?: Probe } => {
    const own = probes.filter((p) => p.attachPoints.some((a) => probeType(a.provider)?.name === name));
    if (own.length === 0) return { ok: true };
    const p = own[0] as Probe;
    return own.length === 1 && p.attachPoints.length === 1 && p.predicate === undefined ? { ok: true, at: p } : { ok: false };
  };
  const begin = special('BEGIN');
  const end = special('END');
  const window = begin.ok && end.ok;
  const since = `${NOW_MAP} = nsecs;`;
  const inserted: Insertion[] = [];
  for (let i = probes.length - 1; i >= 0; i--) {
    const p = probes[i] as Probe;
    const at = p.body.start + 1; // just after `{`
    const extra = window && p === begin.at ? ` ${T0_MAP} = nsecs;` : window && p === end.at ? ` ${since}` : '';
    const text = ` ${HITS_MAP}[${i}] = count();${extra} `;
    out = `${out.slice(0, at)}${text}${out.slice(at)}`;
    inserted.unshift({ at, length: text.length });
  }
  const added = [
    window ? `interval:s:1 { ${since} print(${HITS_MAP}); print(${T0_MAP}); print(${NOW_MAP}); }` : `interval:s:1 { print(${HITS_MAP}); }`,
  ];
  if (window && !begin.at) added.push(`BEGIN { ${T0_MAP} = nsecs; }`);
  if (window && !end.at) added.push(`END { ${since} }`);
  out = `${out.replace(/\s*$/, '')}\n${added.join('\n')}\n`;
  return { script: out, probes: list, window, inserted, kept: script.replace(/\s*$/, '').length };
}

/** seconds the counts were measured over, from the printed T0_MAP and NOW_MAP (undefined if either is absent) */
export function probeWindowSec(hidden: readonly MapSnapshot[] | undefined): number | undefined {
  const ns = (name: string): number => {
    const v = hidden?.find((m) => m.name === name)?.entries[0]?.value;
    return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  };
  const d = ns(NOW_MAP) - ns(T0_MAP);
  return Number.isFinite(d) && d > 0 ? d / 1e9 : undefined;
}

/** block index → times fired, from the printed hits map */
export function probeHits(map: MapSnapshot | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of map?.entries ?? []) {
    const i = Number(e.key);
    const v = typeof e.value === 'number' ? e.value : Number(e.value);
    if (Number.isInteger(i) && Number.isFinite(v)) out.set(i, v);
  }
  return out;
}
