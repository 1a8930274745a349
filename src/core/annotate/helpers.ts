/**
 * Where the helper calls of a loaded program sit, from its xlated dump (`bpftool prog dump xlated
 * id N [linum]`): a call on every path from the program's entry to its exit fires once per run
 * (events/s of the program); a call inside a branch at most that often; a call inside a loop
 * may fire several times per run. Works on the text bpftool prints (7.x), before or after
 * normalisation (map names, helper addresses removed). Never throws.
 */

export type Placement = 'straight' | 'branch' | 'loop';

export interface HelperCall {
  /** the helper or kfunc as the dump names it (bpf_perf_event_read, __htab_map_lookup_elem …) */
  readonly name: string;
  /** instruction index */
  readonly insn: number;
  readonly placement: Placement;
  /** the source line before the call in the dump (BTF line info), as written */
  readonly source?: string;
  /** `linum`: where that line is */
  readonly file?: string;
  readonly line?: number;
  /** the subprogram (bpf-to-bpf function) it sits in, when not the program's own body */
  readonly subprogram?: number;
}

interface Insn {
  readonly idx: number;
  readonly text: string;
  readonly source?: string;
  readonly file?: string;
  readonly line?: number;
}

const INSN = /^\s*(\d+):\s*\(([0-9a-f]{2})\)\s*(.*)$/;

function parseDump(text: string): Insn[] {
  const out: Insn[] = [];
  let source: string | undefined;
  let file: string | undefined;
  let line: number | undefined;
  for (const raw of text.split('\n')) {
    const l = raw.replace(/\s+$/, '');
    if (l.startsWith(';')) {
      // `; code [file:/path/x.bpf.c line_num:20 line_col:12]` or `; code @ x.bpf.c:20`
      let code = l.slice(1).trim();
      file = undefined;
      line = undefined;
      const a = /\s*\[file:(\S+) line_num:(\d+)(?: line_col:\d+)?\]\s*$/.exec(code);
      const b = /\s+@ (\S+):(\d+)\s*$/.exec(code);
      const m = a ?? b;
      if (m) {
        file = m[1];
        line = Number(m[2]);
        code = code.slice(0, m.index).trim();
      }
      source = code;
      continue;
    }
    const m = INSN.exec(l);
    if (!m) continue;
    out.push({
      idx: Number(m[1]),
      text: (m[3] ?? '').trim(),
      ...(source !== undefined ? { source } : {}),
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
    });
  }
  return out;
}

const JUMP = /(?:\bgoto(?:l)?|\bmay_goto)\s+pc([+-]\d+)/;
const SUBCALL = /^call\s+pc([+-]\d+)/;
const HELPER = /^call\s+([A-Za-z_][\w.]*)/;

/** The control flow of a dump, by list position: each instruction's successors, and where each subprogram starts. */
interface Flow {
  readonly insns: readonly Insn[];
  /** instruction index → list position */
  readonly pos: ReadonlyMap<number, number>;
  /** edges stay inside their region (a fall-through into the next subprogram is not a path) */
  readonly succ: readonly (readonly number[])[];
  /** the program's and each subprogram's entry, ascending; a region runs from one to the next */
  readonly starts: readonly number[];
}

function flowOf(insns: readonly Insn[]): Flow {
  const pos = new Map<number, number>();
  insns.forEach((x, i) => pos.set(x.idx, i));
  // successors by list position; subprogram entries from `call pc+N`
  const succ: number[][] = insns.map(() => []);
  const entries = new Set<number>([0]);
  insns.forEach((x, i) => {
    const sub = SUBCALL.exec(x.text);
    if (sub) {
      const target = pos.get(x.idx + 1 + Number(sub[1]));
      if (target !== undefined) entries.add(target);
    }
    if (/^exit\b/.test(x.text)) return;
    const j = JUMP.exec(x.text);
    if (j) {
      const target = pos.get(x.idx + 1 + Number(j[1]));
      if (target !== undefined) succ[i]?.push(target);
      // an unconditional goto (ja) does not fall through
      if (/^goto(?:l)?\s/.test(x.text)) return;
    }
    if (i + 1 < insns.length) succ[i]?.push(i + 1);
  });
  // regions: [entry, next entry)
  const starts = [...entries].sort((a, b) => a - b);
  for (let i = 0; i < succ.length; i++) succ[i] = (succ[i] ?? []).filter((t) => regionOf(starts, t) === regionOf(starts, i));
  return { insns, pos, succ, starts };
}

/** the entry of the region `i` sits in */
function regionOf(starts: readonly number[], i: number): number {
  let r = 0;
  for (const s of starts) if (s <= i) r = s;
  return r;
}

/** can the region's exit be reached from `from` without passing `avoid`? */
function exitAvoiding({ insns, succ }: Flow, from: number, avoid: number): boolean {
  if (from === avoid) return false;
  const seen = new Uint8Array(insns.length);
  const stack = [from];
  seen[from] = 1;
  while (stack.length) {
    const i = stack.pop() as number;
    if (/^exit\b/.test(insns[i]?.text ?? '')) return true;
    for (const t of succ[i] ?? []) {
      if (t === avoid || seen[t]) continue;
      seen[t] = 1;
      stack.push(t);
    }
  }
  return false;
}

/** is `i` on a cycle? */
function onCycle({ insns, succ }: Flow, i: number): boolean {
  const seen = new Uint8Array(insns.length);
  const stack = [...(succ[i] ?? [])];
  while (stack.length) {
    const k = stack.pop() as number;
    if (k === i) return true;
    if (seen[k]) continue;
    seen[k] = 1;
    stack.push(...(succ[k] ?? []));
  }
  return false;
}

/** where `i` sits within its own region */
function place(flow: Flow, i: number): Placement {
  if (onCycle(flow, i)) return 'loop';
  return exitAvoiding(flow, regionOf(flow.starts, i), i) ? 'branch' : 'straight';
}

/** each subprogram's entry → where it is called from */
function callSitePlacements(flow: Flow): Map<number, Placement> {
  const out = new Map<number, Placement>();
  flow.insns.forEach((x, i) => {
    const sub = SUBCALL.exec(x.text);
    if (!sub) return;
    const target = flow.pos.get(x.idx + 1 + Number(sub[1]));
    if (target === undefined) return;
    const p = place(flow, i);
    const was = out.get(target);
    // called from two places: it may run twice per run
    out.set(target, was === undefined ? p : 'loop');
  });
  return out;
}

/** a subprogram's call: where it sits inside, combined with where the subprogram is called from */
function combine(inner: Placement, outer: Placement | undefined): Placement {
  if (outer === undefined) return inner;
  if (inner === 'loop' || outer === 'loop') return 'loop';
  if (inner === 'branch' || outer === 'branch') return 'branch';
  return 'straight';
}

/** The helper calls of a program, each with where it sits. */
export function helperCalls(xlated: string): HelperCall[] {
  const insns = parseDump(xlated);
  if (insns.length === 0) return [];
  const flow = flowOf(insns);
  const callSitePlacement = callSitePlacements(flow);
  const out: HelperCall[] = [];
  insns.forEach((x, i) => {
    if (SUBCALL.test(x.text)) return;
    const h = HELPER.exec(x.text);
    if (!h?.[1]) return;
    const region = regionOf(flow.starts, i);
    const placement = combine(place(flow, i), region === 0 ? undefined : callSitePlacement.get(region));
    out.push({
      name: h[1],
      insn: x.idx,
      placement,
      ...(x.source !== undefined ? { source: x.source } : {}),
      ...(x.file !== undefined ? { file: x.file } : {}),
      ...(x.line !== undefined ? { line: x.line } : {}),
      ...(region !== 0 ? { subprogram: insns[region]?.idx ?? region } : {}),
    });
  });
  return out;
}

/** How often a call fires, from its program's runs per second. */
export function estimateText(placement: Placement): string {
  switch (placement) {
    case 'straight':
      return 'on the straight path: about once per run';
    case 'branch':
      return 'inside a branch: at most once per run';
    case 'loop':
      return 'inside a loop (or a function called more than once): may fire several times per run';
  }
}
