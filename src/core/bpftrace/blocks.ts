import type { Block, Expr, Probe, Program, Stmt } from './ast';
import { FUNCTION_BY_NAME } from './functions';
import { LineIndex } from './lexer';
import { parse } from './parser';

/**
 * Probe blocks of a script, for CodeLens ("Run this probe") and annotations, and the aggregation
 * behind each map (how maps from several nodes merge).
 */
export interface ProbeBlock {
  readonly index: number;
  /** offsets of the whole probe (attach points to closing brace) */
  readonly start: number;
  readonly end: number;
  /** 0-based line of its first attach point */
  readonly line: number;
  /** attach points as written */
  readonly label: string;
  readonly attachPoints: readonly string[];
}

export function probeBlocks(text: string): ProbeBlock[] {
  const { program } = parse(text);
  const lines = new LineIndex(text);
  return program.items
    .filter((i): i is Probe => i.kind === 'probe')
    .map((p, index) => ({
      index,
      start: p.start,
      end: p.end,
      line: lines.position(p.start).line,
      label: p.attachPoints.map((a) => a.text).join(', '),
      attachPoints: p.attachPoints.map((a) => a.text),
    }));
}

/**
 * A script that runs one probe block on its own: everything that is not a probe (includes,
 * struct definitions, config, macros, functions, map declarations) is kept, the other probes
 * are left out. Returns undefined when the script does not parse well enough to cut.
 */
export function standaloneProbe(text: string, index: number): string | undefined {
  return standaloneProbeFrom(text, index)?.script;
}

/** standaloneProbe, with where each part of it is in the text: [start in the script, start in the text, length] */
export function standaloneProbeFrom(
  text: string,
  index: number,
): { script: string; pieces: (readonly [number, number, number])[] } | undefined {
  const { program, diagnostics } = parse(text);
  if (diagnostics.some((d) => d.severity === 'error')) return undefined;
  const probes = program.items.filter((i): i is Probe => i.kind === 'probe');
  const keep = probes[index];
  if (!keep) return undefined;
  const parts: string[] = [];
  const pieces: (readonly [number, number, number])[] = [];
  let at = 0;
  // a leading shebang is not an item: keep it out (the script runs as bpftrace's input anyway)
  for (const item of program.items) {
    if (item.kind === 'probe' && item !== keep) continue;
    pieces.push([at, item.start, item.end - item.start]);
    parts.push(text.slice(item.start, item.end));
    at += item.end - item.start + 1;
  }
  return { script: `${parts.join('\n')}\n`, pieces };
}

/** How a map's values combine across nodes or runs, from the aggregation assigned to it. */
export type Aggregation = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist' | 'tseries' | 'value';

/** The aggregation of each map (`@x = count()` → count); a map assigned plain values is `value`. */
export function mapAggregations(programOrText: Program | string): Map<string, Aggregation> {
  const program = typeof programOrText === 'string' ? parse(programOrText).program : programOrText;
  const out = new Map<string, Aggregation>();
  const note: Note = (name, a) => {
    const was = out.get(name);
    // one map, two kinds of assignment: its values do not combine
    out.set(name, was === undefined || was === a ? a : 'value');
  };
  for (const item of program.items) {
    if (item.kind === 'probe' || item.kind === 'macro' || item.kind === 'fn') walkBlock(item.body, note);
  }
  return out;
}

/** Takes note of an aggregation assigned to a map. */
type Note = (name: string, a: Aggregation) => void;

function walkBlock(b: Block, note: Note): void {
  b.statements.forEach((s) => walkStmt(s, note));
}

function walkStmt(s: Stmt, note: Note): void {
  const expr = (e: Expr | undefined): void => walkExpr(e, note);
  const block = (b: Block): void => walkBlock(b, note);
  switch (s.kind) {
    case 'assign': {
      if (s.target.kind === 'map') {
        const v = s.value;
        if (s.op === '+=' || s.op === '-=') note(s.target.name, 'sum');
        else if (v.kind === 'call' && FUNCTION_BY_NAME.get(v.name)?.aggregate) note(s.target.name, v.name as Aggregation);
        else note(s.target.name, 'value');
      }
      expr(s.value);
      return;
    }
    case 'expr':
      expr(s.expr);
      return;
    case 'let':
      expr(s.value);
      return;
    case 'if':
      expr(s.cond);
      block(s.then);
      if (s.otherwise) {
        if ('statements' in s.otherwise) block(s.otherwise);
        else walkStmt(s.otherwise, note);
      }
      return;
    case 'while':
      expr(s.cond);
      block(s.body);
      return;
    case 'unroll':
      block(s.body);
      return;
    case 'for':
      block(s.body);
      return;
    case 'block':
      block(s.block);
      return;
    case 'return':
      expr(s.value);
      return;
    case 'discard':
      expr(s.value);
      return;
    default:
      return;
  }
}

function walkExpr(e: Expr | undefined, note: Note): void {
  if (!e) return;
  const expr = (x: Expr | undefined): void => walkExpr(x, note);
  const block = (b: Block): void => walkBlock(b, note);
  switch (e.kind) {
    case 'binary':
      expr(e.left);
      expr(e.right);
      return;
    case 'unary':
    case 'postfix':
      if ((e.op === '++' || e.op === '--') && e.operand.kind === 'map') note(e.operand.name, 'count');
      expr(e.operand);
      return;
    case 'ternary':
      expr(e.cond);
      expr(e.then);
      expr(e.otherwise);
      return;
    case 'call':
      e.args.forEach(expr);
      return;
    case 'field':
      expr(e.object);
      return;
    case 'index':
      expr(e.object);
      expr(e.index);
      return;
    case 'cast':
      expr(e.operand);
      return;
    case 'tuple':
      e.elements.forEach(expr);
      return;
    case 'record':
      e.fields.forEach((f) => expr(f.value));
      return;
    case 'ifExpr':
      expr(e.cond);
      block(e.then);
      if (e.otherwise && 'statements' in e.otherwise) block(e.otherwise);
      else expr(e.otherwise as Expr | undefined);
      return;
    case 'blockExpr':
      block(e.block);
      return;
    default:
      return;
  }
}
