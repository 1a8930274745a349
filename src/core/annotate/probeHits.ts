import type { Probe } from '../bpftrace/ast';
import { LineIndex } from '../bpftrace/lexer';
import { parse } from '../bpftrace/parser';
import type { MapSnapshot } from '../trace/output';
import { HIDDEN_MAP_PREFIX } from '../trace/results';

/**
 * How often each probe block of a user's script fires, measured without changing what the
 * script prints: each block's body starts with one more statement that counts into a map of
 * eBPF Lens's own (its results are kept apart and never shown as the script's), printed once a
 * second by one more timer probe. Nothing is inserted on a new line, so bpftrace's line numbers
 * in errors still match the user's file.
 */
export const HITS_MAP = `${HIDDEN_MAP_PREFIX}hits`;

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
  for (let i = probes.length - 1; i >= 0; i--) {
    const p = probes[i] as Probe;
    const at = p.body.start + 1; // just after `{`
    out = `${out.slice(0, at)} ${HITS_MAP}[${i}] = count(); ${out.slice(at)}`;
  }
  out = `${out.replace(/\s*$/, '')}\ninterval:s:1 { print(${HITS_MAP}); }\n`;
  return { script: out, probes: list };
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
