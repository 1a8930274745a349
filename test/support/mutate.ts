/**
 * Deterministic mutated inputs for fuzzing the parsers: structure-aware mutations of JSON
 * documents (drop, duplicate, rename or retype fields, numbers as strings, huge and negative
 * integers, deep nesting, hostile strings), line-level mutations of line formats (NDJSON,
 * known_hosts, ssh config) and byte-level ones (truncation, insertion, repetition) on top.
 *
 * Every case has its own PRNG stream derived from (run seed, case number): case N is the same
 * whatever ran before it, so a failure that names its case number reproduces on its own with
 * `jsonCase(seeds, N, opts)` / `lineCase(seeds, N, opts)`.
 */

// ------------------------------------------------------------------------------ randomness

/** mulberry32: small, fast, good enough for fuzzing, and the same on every machine */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** an integer in [0, n) (0 when n <= 0) */
  int(n: number): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return n <= 0 ? 0 : Math.floor(u * n);
  }
  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[this.int(xs.length)] as T;
  }
  /** small numbers more often than big ones: [1, max] */
  count(max: number): number {
    return 1 + Math.min(max - 1, Math.floor(max ** (this.int(1000) / 1000)) - 1);
  }
}

/** The PRNG of case `i` of a run. */
export function caseRng(runSeed: number, i: number): Rng {
  let h = (runSeed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ i, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

// ------------------------------------------------------------------------------ cases

export interface Seed {
  readonly name: string;
  readonly text: string;
}

export interface Mutated {
  readonly i: number;
  /** the seed it was made from */
  readonly seed: string;
  /** the mutations applied, in order (`retype@$[3].id`, `truncate@120` …) */
  readonly ops: readonly string[];
  readonly text: string;
  /** the rest of the case's PRNG stream, for choices the test makes (chunk sizes …) */
  readonly rng: Rng;
}

/** What a failure message shows: case number, seed, mutations and the input (truncated). */
export function describeCase(c: Mutated, max = 300): string {
  const shown = c.text.length > max ? `${JSON.stringify(c.text.slice(0, max))}… (${c.text.length} chars)` : JSON.stringify(c.text);
  const ops = c.ops.map((o) => (o.length > 80 ? `${o.slice(0, 40)}…${o.slice(-30)}` : o));
  return `case ${c.i} (seed ${c.seed}; ${ops.join(', ') || 'unmutated'}): input ${shown}`;
}

/** Is this case nothing but a truncation of its seed? */
export function onlyTruncated(c: Mutated): boolean {
  return c.ops.length === 1 && c.ops[0]?.startsWith('truncate@') === true;
}

// ------------------------------------------------------------------------------ JSON model

/** Text emitted verbatim: integers no double holds, `1e309`, `-0`, escapes JSON.stringify never writes. */
export class Raw {
  constructor(readonly text: string) {}
}
/** An object as written: ordered fields, duplicate keys allowed (JSON.parse keeps the last). */
export class Obj {
  constructor(readonly fields: [string, Json][]) {}
}
export type Json = null | boolean | number | string | Raw | Obj | Json[];

export function toJson(v: unknown): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') return new Obj(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toJson(x)]));
  return null;
}

/** how deep mutations reach (and copies go): deeper parts (the deep-nesting mutation's) are shared, never changed */
const MAX_DEPTH = 200;

function clone(j: Json, depth = 0): Json {
  if (depth > MAX_DEPTH) return j;
  if (Array.isArray(j)) return j.map((x) => clone(x, depth + 1));
  if (j instanceof Obj) return new Obj(j.fields.map(([k, v]) => [k, clone(v, depth + 1)]));
  return j;
}

/** a piece of output text (separator, closing bracket) on the serialiser's stack */
class Lit {
  constructor(readonly s: string) {}
}

/** Serialise; `spaced` writes `{"a": 1, "b": 2}` as bpftrace does, else `{"a":1,"b":2}` as bpftool does. */
export function jsonText(j: Json, spaced = false): string {
  const colon = spaced ? ': ' : ':';
  const comma = spaced ? ', ' : ',';
  const text = (v: Json, depth: number): string => {
    if (depth > MAX_DEPTH) return deepJsonText(v, colon, comma);
    if (v instanceof Raw) return v.text;
    if (v instanceof Obj) return `{${v.fields.map(([k, x]) => `${JSON.stringify(k)}${colon}${text(x, depth + 1)}`).join(comma)}}`;
    if (Array.isArray(v)) return `[${v.map((x) => text(x, depth + 1)).join(comma)}]`;
    return JSON.stringify(v);
  };
  return text(j, 0);
}

/** The same, without recursion: deeply nested values must not overflow the serialiser's stack. */
function deepJsonText(j: Json, colon: string, comma: string): string {
  const out: string[] = [];
  const stack: (Json | Lit)[] = [j];
  while (stack.length) {
    const v = stack.pop() as Json | Lit;
    if (v instanceof Lit) out.push(v.s);
    else if (v instanceof Raw) out.push(v.text);
    else if (v instanceof Obj) {
      out.push('{');
      stack.push(new Lit('}'));
      for (let k = v.fields.length - 1; k >= 0; k--) {
        const [key, val] = v.fields[k] as [string, Json];
        stack.push(val, new Lit(`${k > 0 ? comma : ''}${JSON.stringify(key)}${colon}`));
      }
    } else if (Array.isArray(v)) {
      out.push('[');
      stack.push(new Lit(']'));
      for (let k = v.length - 1; k >= 0; k--) {
        stack.push(v[k] as Json);
        if (k > 0) stack.push(new Lit(comma));
      }
    } else out.push(JSON.stringify(v));
  }
  return out.join('');
}

interface Slot {
  readonly path: string;
  get(): Json;
  set(v: Json): void;
  /** undefined for the root */
  remove?(): void;
  duplicate?(): void;
  rename?(k: string): void;
}

function slots(root: { v: Json }, cap = 4000): Slot[] {
  const out: Slot[] = [{ path: '$', get: () => root.v, set: (v) => (root.v = v) }];
  const walk = (j: Json, path: string, depth: number): void => {
    if (out.length >= cap || depth > MAX_DEPTH) return;
    if (Array.isArray(j)) {
      j.forEach((_x, k) => {
        const p = `${path}[${k}]`;
        out.push({
          path: p,
          get: () => j[k] ?? null,
          set: (v) => (j[k] = v),
          remove: () => j.splice(k, 1),
          duplicate: () => j.splice(k, 0, clone(j[k] ?? null)),
        });
        walk(j[k] ?? null, p, depth + 1);
      });
    } else if (j instanceof Obj) {
      j.fields.forEach((f, k) => {
        const p = `${path}.${f[0]}`;
        out.push({
          path: p,
          get: () => f[1],
          set: (v) => (f[1] = v),
          remove: () => j.fields.splice(j.fields.indexOf(f), 1),
          duplicate: () => j.fields.splice(k, 0, [f[0], clone(f[1])]),
          rename: (n) => (f[0] = n),
        });
        walk(f[1], p, depth + 1);
      });
    }
  };
  walk(root.v, '$', 0);
  return out;
}

/** Characters that break parsers: NUL, controls, quotes, backslashes, line separators, BOM, lone surrogates, astral. */
export const NASTY_CHARS = [
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\t',
  '\r',
  '\n',
  '"',
  "'",
  '\\',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800',
  '\udfff',
  '\u00e9',
  '\u0130',
  '\u212a',
  '日',
  '✓',
  '\ud83d\ude00',
  ' ',
  '%',
  '$',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '#',
  '*',
  '?',
  '!',
  '|',
  '=',
];

function nastyString(rng: Rng): string {
  const kind = rng.int(6);
  if (kind === 0) return '';
  if (kind === 1) return rng.pick(NASTY_CHARS).repeat(rng.count(64));
  if (kind === 2) return 'x'.repeat(rng.chance(0.1) ? 65_537 : rng.pick([63, 64, 255, 256, 4096]));
  return Array.from({ length: rng.count(24) }, () =>
    rng.chance(0.5) ? rng.pick(NASTY_CHARS) : String.fromCharCode(97 + rng.int(26)),
  ).join('');
}

/** Values a field should never be trusted to hold. */
function hostileValue(rng: Rng): Json {
  const simple: Json[] = [
    null,
    true,
    false,
    0,
    -1,
    1,
    1.5,
    -2.5e-7,
    4294967295,
    4294967296,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    1e300,
    -1e300,
    '',
    '0',
    '12',
    '-7',
    '1.5',
    '1e3',
    '0x1f',
    ' 12',
    '12 ',
    'NaN',
    'Infinity',
    '-Infinity',
    'true',
    'null',
    'undefined',
    '[object Object]',
    [],
    [null],
    [1, 'x', null],
    [[[]]],
    new Obj([]),
    new Obj([['toString', 1]]),
    new Obj([
      ['valueOf', null],
      ['toString', 'x'],
    ]),
    [new Obj([['toString', 1]])],
    new Obj([
      [
        '__proto__',
        new Obj([
          ['id', 1],
          ['count', 1],
        ]),
      ],
    ]),
    new Obj([
      ['constructor', 1],
      ['hasOwnProperty', 'x'],
    ]),
    new Raw('18446744073709551615'),
    new Raw('-9223372036854775809'),
    new Raw('123456789012345678901234567890'),
    new Raw('1e309'),
    new Raw('-1e309'),
    new Raw('-0'),
    new Raw('1E-400'),
    new Raw('0.0000000000000000000000001'),
    new Raw('"\\ud800"'),
    new Raw('"\\u0000\\u001f"'),
    new Raw('"\\uffffffc3\\uffffffa9"'),
  ];
  return rng.chance(0.25) ? nastyString(rng) : clone(rng.pick(simple));
}

/** Keys every JSON mutation may add or rename to, whatever the seed. */
export const NASTY_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  ' ',
  'error',
  'type',
  'data',
  'id',
  'count',
  '\u0000',
  'é',
];

/** Every key of a parsed document (seeds' own keys make the best renames and additions). */
export function keysOf(text: string): string[] {
  const keys = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        keys.add(k);
        walk(x);
      }
    }
  };
  for (const l of [text, ...text.split('\n')]) {
    try {
      walk(JSON.parse(l));
    } catch {
      /* not a document */
    }
  }
  return [...keys];
}

function nest(v: Json, depth: number, rng: Rng): Json {
  let x = v;
  const key = rng.pick(['a', 'data', '@', 'count']);
  const asObj = depth <= 3000 && rng.chance(0.5);
  for (let d = 0; d < depth; d++) x = asObj ? new Obj([[key, x]]) : [x];
  return x;
}

export interface JsonMutateOptions {
  /** keys to add or rename to (keysOf the seeds, plus NASTY_KEYS) */
  readonly keys: readonly string[];
  /** other documents to transplant subtrees from */
  readonly donors?: readonly Json[];
}

/** Apply `n` structure-aware mutations to a document (in place on a copy); answers the copy. */
export function mutateJson(doc: Json, n: number, rng: Rng, o: JsonMutateOptions, ops: string[]): Json {
  const root = { v: clone(doc) };
  for (let k = 0; k < n; k++) {
    const all = slots(root);
    const s = rng.pick(all);
    const cur = s.get();
    const op = rng.int(14);
    switch (op) {
      case 0:
        if (s.remove) s.remove();
        else s.set(null);
        ops.push(`drop@${s.path}`);
        break;
      case 1:
        if (s.duplicate) s.duplicate();
        ops.push(`dup@${s.path}`);
        break;
      case 2:
      case 3:
        s.set(hostileValue(rng));
        ops.push(`retype@${s.path}`);
        break;
      case 4:
        // numbers as strings and back, booleans as 0/1
        if (typeof cur === 'number') s.set(rng.chance(0.5) ? String(cur) : -cur);
        else if (typeof cur === 'string' && /^-?\d+(\.\d+)?$/.test(cur)) s.set(new Raw(cur));
        else if (typeof cur === 'boolean') s.set(cur ? 1 : 0);
        else s.set(String(rng.int(1000)));
        ops.push(`numstr@${s.path}`);
        break;
      case 5:
        s.set(
          rng.pick([
            new Raw('18446744073709551615'),
            new Raw('9223372036854775807'),
            new Raw('-9223372036854775808'),
            -1,
            -2147483648,
            2147483648,
            0,
            1.0000001,
            new Raw('1e309'),
            new Raw('-0'),
          ]),
        );
        ops.push(`bigint@${s.path}`);
        break;
      case 6:
        if (s.rename) {
          const name = rng.chance(0.2) ? rng.pick(NASTY_KEYS) : rng.pick(o.keys);
          s.rename(name);
          ops.push(`rename@${s.path}=${JSON.stringify(name)}`);
        }
        break;
      case 7: {
        const target = cur instanceof Obj ? cur : Array.isArray(cur) ? cur : undefined;
        const key = rng.chance(0.2) ? rng.pick(NASTY_KEYS) : rng.pick(o.keys);
        const val = o.donors?.length && rng.chance(0.4) ? pickSubtree(rng.pick(o.donors), rng) : hostileValue(rng);
        if (target instanceof Obj) target.fields.splice(rng.int(target.fields.length + 1), 0, [key, val]);
        else if (target) target.splice(rng.int(target.length + 1), 0, val);
        ops.push(`add@${s.path}.${key}`);
        break;
      }
      case 8: {
        // past ~10,000 levels recursive code (String(), JSON.stringify, deepEqual) overflows its stack
        const depth = rng.chance(0.05) ? 20_000 : rng.pick([2, 8, 64, 500, 3000]);
        s.set(nest(cur, depth, rng));
        ops.push(`nest${depth}@${s.path}`);
        break;
      }
      case 9:
        if (typeof cur === 'string') {
          const at = rng.int(cur.length + 1);
          s.set(cur.slice(0, at) + nastyString(rng) + cur.slice(at + (rng.chance(0.3) ? rng.int(8) : 0)));
        } else s.set(nastyString(rng));
        ops.push(`str@${s.path}`);
        break;
      case 10: {
        const from = o.donors?.length && rng.chance(0.5) ? pickSubtree(rng.pick(o.donors), rng) : clone(rng.pick(all).get());
        s.set(from);
        ops.push(`transplant@${s.path}`);
        break;
      }
      case 11:
        if (Array.isArray(cur)) {
          if (rng.chance(0.5)) cur.reverse();
          else cur.push(...cur.splice(0, rng.int(cur.length + 1)));
        } else if (cur instanceof Obj) cur.fields.reverse();
        ops.push(`shuffle@${s.path}`);
        break;
      case 12:
        s.set(Array.isArray(cur) ? [] : cur instanceof Obj ? new Obj([]) : Array.isArray(root.v) ? [] : new Obj([]));
        ops.push(`empty@${s.path}`);
        break;
      default:
        // the document is one of its parts: an entry instead of the list, a list of one field …
        root.v = clone(cur);
        ops.push(`root@${s.path}`);
        break;
    }
  }
  return root.v;
}

function pickSubtree(doc: Json, rng: Rng): Json {
  return clone(rng.pick(slots({ v: doc }, 500)).get());
}

// ------------------------------------------------------------------------------ text and lines

const TEXT_CHARS = [...NASTY_CHARS, '0', '9', '-', '+', '.', 'e', 'E', 't', 'f', 'n', 'u', 'a', 'z', '@', '/', '~', '\r\n'];

/** One byte-level mutation of a text. */
export function mutateText(text: string, rng: Rng, ops: string[], donors: readonly string[] = []): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(9)) {
    case 0:
      ops.push(`truncate@${at}`);
      return text.slice(0, Math.min(at, Math.max(0, text.length - 1)));
    case 1: {
      const c = rng.pick(TEXT_CHARS);
      ops.push(`insert@${at}=${JSON.stringify(c)}`);
      return text.slice(0, at) + c + text.slice(at);
    }
    case 2: {
      const len = rng.count(32);
      ops.push(`delete@${at}+${len}`);
      return text.slice(0, at) + text.slice(at + len);
    }
    case 3: {
      const len = rng.count(64);
      ops.push(`dupspan@${at}+${len}`);
      return text.slice(0, at + len) + text.slice(at, at + len) + text.slice(at + len);
    }
    case 4: {
      // AFL's "repeat": a short span many times (wildcard bombs, long runs of digits, brackets)
      const len = rng.count(3);
      const times = rng.pick([8, 16, 32, 64, 300]);
      ops.push(`repeat@${at}+${len}x${times}`);
      return text.slice(0, at) + text.slice(at, at + len).repeat(times) + text.slice(at + len);
    }
    case 5: {
      const c = rng.pick(TEXT_CHARS);
      ops.push(`flip@${at}=${JSON.stringify(c)}`);
      return text.slice(0, at) + c + text.slice(at + 1);
    }
    case 6: {
      const d = donors.length ? rng.pick(donors) : text;
      const from = rng.int(d.length);
      const piece = d.slice(from, from + rng.count(80));
      ops.push(`splice@${at}`);
      return text.slice(0, at) + piece + text.slice(at);
    }
    case 7:
      if (rng.chance(0.5)) {
        ops.push('crlf');
        return text.replace(/\n/g, '\r\n');
      }
      ops.push('bom');
      return `\ufeff${text}`;
    default: {
      const ws = rng.pick([' ', '\t', '\n', '\n\n', '\r', '   \t  ', '\u00a0', '\u2028']);
      ops.push(`ws@${at}`);
      return text.slice(0, at) + ws + text.slice(at);
    }
  }
}

/** The seed cut short somewhere before its end: every tenth case of each family. */
function bareTruncation(seed: Seed, rng: ReturnType<typeof caseRng>, ops: string[]): string {
  const at = rng.int(Math.max(1, seed.text.trimEnd().length - 1));
  ops.push(`truncate@${at}`);
  return seed.text.slice(0, at);
}

/** A JSON document case: a seed, 1–n structure mutations, sometimes byte mutations on top; every tenth case a bare truncation. */
export function jsonCase(
  seeds: readonly Seed[],
  i: number,
  o: JsonMutateOptions & { readonly runSeed: number; readonly spaced?: boolean },
): Mutated {
  const rng = caseRng(o.runSeed, i);
  const seed = rng.pick(seeds);
  const ops: string[] = [];
  let text: string;
  if (i % 10 === 0) {
    text = bareTruncation(seed, rng, ops);
  } else {
    let doc: Json | undefined;
    try {
      doc = toJson(JSON.parse(seed.text));
    } catch {
      doc = undefined;
    }
    text = doc === undefined ? seed.text : jsonText(mutateJson(doc, rng.count(4), rng, o, ops), o.spaced);
    if (doc === undefined || rng.chance(0.25)) {
      const n = rng.count(3);
      for (let k = 0; k < n; k++)
        text = mutateText(
          text,
          rng,
          ops,
          seeds.map((s) => s.text),
        );
    }
  }
  return { i, seed: seed.name, ops, text, rng };
}

export interface LineMutateOptions {
  readonly runSeed: number;
  /** tokens a field may be replaced with or a line may get */
  readonly tokens: readonly string[];
  /** lines that are JSON get structure mutations too (NDJSON), written `spaced` */
  readonly json?: JsonMutateOptions & { readonly spaced?: boolean };
}

/** One line-level mutation of a line-oriented text. */
export function mutateLines(lines: string[], rng: Rng, o: LineMutateOptions, ops: string[], donors: readonly string[]): void {
  const at = rng.int(lines.length);
  const line = lines[at] ?? '';
  const donorLine = (): string => {
    const d = rng.pick(donors).split('\n');
    return rng.pick(d);
  };
  const op = rng.int(o.json ? 14 : 12);
  switch (op) {
    case 0:
      lines.splice(at, 1);
      ops.push(`dropline@${at + 1}`);
      break;
    case 1:
      lines.splice(at, 0, ...Array.from({ length: rng.count(4) }, () => line));
      ops.push(`dupline@${at + 1}`);
      break;
    case 2: {
      const b = rng.int(lines.length);
      [lines[at], lines[b]] = [lines[b] ?? '', line];
      ops.push(`swap@${at + 1},${b + 1}`);
      break;
    }
    case 3:
      lines.splice(at, 0, donorLine());
      ops.push(`foreign@${at + 1}`);
      break;
    case 4:
      lines.splice(at, 2, line + (rng.chance(0.5) ? '' : ' ') + (lines[at + 1] ?? ''));
      ops.push(`join@${at + 1}`);
      break;
    case 5: {
      const cut = rng.int(line.length + 1);
      lines.splice(at, 1, line.slice(0, cut), line.slice(cut));
      ops.push(`split@${at + 1}:${cut}`);
      break;
    }
    case 6: {
      // a field (whitespace-separated) replaced, dropped or duplicated
      const fields = line.split(/(\s+)/);
      const words = fields.map((f, k) => (/^\s+$/.test(f) || f === '' ? -1 : k)).filter((k) => k >= 0);
      if (words.length === 0) {
        lines[at] = rng.pick(o.tokens);
      } else {
        const w = rng.pick(words);
        const how = rng.int(3);
        if (how === 0) fields[w] = rng.pick(o.tokens);
        else if (how === 1) fields[w] = '';
        else fields[w] = `${fields[w] ?? ''} ${fields[w] ?? ''}`;
        lines[at] = fields.join('');
      }
      ops.push(`field@${at + 1}`);
      break;
    }
    case 7:
      lines.splice(at, 0, rng.pick(o.tokens) + (rng.chance(0.5) ? ` ${rng.pick(o.tokens)}` : ''));
      ops.push(`tokenline@${at + 1}`);
      break;
    case 8:
      lines.splice(at, 0, ...Array.from({ length: rng.count(3) }, () => rng.pick(['', ' ', '\t', '#', '# comment', '\r'])));
      ops.push(`blank@${at + 1}`);
      break;
    case 9:
      lines[at] = rng.pick(['', ' ', '  ', '\t', '\u00a0']) + line.trimStart() + rng.pick(['', ' ', '\t', '\r']);
      ops.push(`indent@${at + 1}`);
      break;
    case 10:
    case 11: {
      const sub: string[] = [];
      lines[at] = mutateText(line, rng, sub, donors);
      ops.push(...sub.map((s) => `${s}:line${at + 1}`));
      break;
    }
    default: {
      // a JSON line, mutated as a document
      const j = o.json;
      let doc: Json | undefined;
      try {
        doc = j ? toJson(JSON.parse(line)) : undefined;
      } catch {
        doc = undefined;
      }
      if (j && doc !== undefined) {
        const sub: string[] = [];
        lines[at] = jsonText(mutateJson(doc, rng.count(3), rng, j, sub), j.spaced);
        ops.push(...sub.map((s) => `${s}:line${at + 1}`));
      } else {
        lines.splice(at, 1, line, line);
        ops.push(`dupline@${at + 1}`);
      }
      break;
    }
  }
}

/** A line-format case: a seed, 1–n line mutations, sometimes byte mutations on top; every tenth case a bare truncation. */
export function lineCase(seeds: readonly Seed[], i: number, o: LineMutateOptions): Mutated {
  const rng = caseRng(o.runSeed, i);
  const seed = rng.pick(seeds);
  const donors = seeds.map((s) => s.text);
  const ops: string[] = [];
  let text: string;
  if (i % 10 === 0) {
    text = bareTruncation(seed, rng, ops);
  } else {
    const lines = seed.text.split('\n');
    const n = rng.count(6);
    for (let k = 0; k < n; k++) mutateLines(lines, rng, o, ops, donors);
    text = lines.join('\n');
    if (rng.chance(0.2)) text = mutateText(text, rng, ops, donors);
  }
  return { i, seed: seed.name, ops, text, rng };
}

/** Split a text into 1–n chunks at case-chosen places (a stream as it may arrive). */
export function chunks(text: string, rng: Rng): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const len = rng.chance(0.3) ? 1 + rng.int(3) : 1 + rng.int(Math.max(1, text.length >> 1));
    out.push(text.slice(at, at + len));
    at += len;
  }
  return out;
}
