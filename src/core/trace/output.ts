import type { ParseIssue } from '../base/result';

/**
 * bpftrace `-f json` output: one JSON record per line (0.17 → 0.26). The parser takes chunks as
 * they arrive (partial lines are kept until their newline), skips blank lines, turns lines that
 * are not JSON into `text` records, and never throws: a bad line becomes an issue with its line
 * number and the stream goes on. Integers too big for a double are kept as strings.
 */

export type Scalar = number | string | boolean | null;
/** A value as bpftrace printed it: numbers, strings, tuples (arrays), structs (objects). */
export type Value = Scalar | Value[] | { [k: string]: Value };

export interface HistBucket {
  /** undefined for the open-ended first / last bucket */
  readonly min?: number | string;
  readonly max?: number | string;
  readonly count: number;
}

export interface StatsValue {
  readonly count: number;
  readonly average: number;
  readonly total: number;
}

export type MapKind = 'map' | 'hist' | 'stats' | 'tseries';

/** One printed map: unkeyed maps have one entry with key null. */
export interface MapSnapshot {
  readonly name: string;
  readonly kind: MapKind;
  readonly keyed: boolean;
  readonly entries: readonly MapEntry[];
}

export interface MapEntry {
  readonly key: string | null;
  readonly value: Value | readonly HistBucket[] | StatsValue;
}

export type TraceRecord =
  | { readonly type: 'attached'; readonly probes: number }
  | { readonly type: 'printf'; readonly text: string }
  | { readonly type: 'time'; readonly text: string }
  | { readonly type: 'map'; readonly map: MapSnapshot }
  | { readonly type: 'value'; readonly value: Value }
  | { readonly type: 'lost'; readonly count: number }
  | {
      readonly type: 'helperError';
      readonly helper: string;
      readonly retcode: number | undefined;
      readonly line?: number;
      readonly col?: number;
      readonly message: string;
    }
  | {
      readonly type: 'diagnostic';
      readonly severity: 'error' | 'warning';
      readonly message: string;
      readonly line?: number;
      readonly col?: number;
    }
  /** a line that is not JSON (system(), cat(), a bpftrace message on stdout) */
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'unknown'; readonly recordType: string; readonly data: Value };

type Obj = { [k: string]: Value };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * JSON.parse, but integers of 16+ digits become strings (a double cannot hold a u64).
 * Strings in the input are skipped over untouched.
 */
export function parseJsonBig(text: string): unknown {
  // the common case, fast: no run of 16 digits anywhere, so no integer a double cannot hold
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let out = '';
  let i = 0;
  let last = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
      i++;
      continue;
    }
    if ((c >= 48 && c <= 57) || c === 45 /* - */) {
      let j = i + (c === 45 ? 1 : 0);
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      const isInt = !/[.eE]/.test(text.charAt(j));
      const digits = j - i - (c === 45 ? 1 : 0);
      if (isInt && digits >= 16) {
        const num = text.slice(i, j);
        if (!Number.isSafeInteger(Number(num))) {
          out += `${text.slice(last, i)}"${num}"`;
          last = j;
        }
      }
      i = j;
      continue;
    }
    i++;
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last));
}

function num(v: Value | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function isBuckets(v: Value): v is Obj[] {
  return Array.isArray(v) && v.every((b) => isObj(b) && 'count' in b);
}

function buckets(v: Obj[]): HistBucket[] {
  return v.map((b) => {
    const min = b['min'];
    const max = b['max'];
    return {
      ...(typeof min === 'number' || typeof min === 'string' ? { min } : {}),
      ...(typeof max === 'number' || typeof max === 'string' ? { max } : {}),
      count: num(b['count']) ?? 0,
    };
  });
}

function isStats(v: Value): v is Obj {
  return isObj(v) && 'count' in v && 'average' in v && 'total' in v;
}

function stats(v: Obj): StatsValue {
  return { count: num(v['count']) ?? 0, average: num(v['average']) ?? 0, total: num(v['total']) ?? 0 };
}

/** One map's data: `value`, `{key: value}`, `[buckets]`, `{key: [buckets]}`, stats objects … */
function mapSnapshot(name: string, recordType: string, data: Value): MapSnapshot {
  const kind: MapKind =
    recordType === 'hist' || recordType === 'lhist'
      ? 'hist'
      : recordType === 'stats'
        ? 'stats'
        : recordType === 'tseries'
          ? 'tseries'
          : 'map';
  if (isBuckets(data)) return { name, kind: 'hist', keyed: false, entries: [{ key: null, value: buckets(data) }] };
  if (isStats(data)) return { name, kind: 'stats', keyed: false, entries: [{ key: null, value: stats(data) }] };
  if (!isObj(data)) return { name, kind, keyed: false, entries: [{ key: null, value: data }] };
  const entries: MapEntry[] = Object.entries(data).map(([key, v]) => ({
    key,
    value: isBuckets(v) ? buckets(v) : isStats(v) ? stats(v) : v,
  }));
  const first = Object.values(data)[0];
  const k: MapKind = first !== undefined && isBuckets(first) ? 'hist' : first !== undefined && isStats(first) ? 'stats' : kind;
  return { name, kind: k, keyed: true, entries };
}

/** A value as text, whatever its shape (never throws: nested too deep becomes `…`). */
function textOf(v: Value): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return '…';
  }
}

/** Records of one parsed JSON line. A `map`-like record may carry several maps. */
export function recordsOf(doc: unknown): TraceRecord[] {
  if (!isObj(doc) || typeof doc['type'] !== 'string') return [{ type: 'unknown', recordType: '', data: (doc ?? null) as Value }];
  const type = doc['type'];
  const data = doc['data'] ?? null;
  switch (type) {
    case 'attached_probes': {
      const probes = num(isObj(data) ? data['probes'] : undefined) ?? num(doc['probes']) ?? num(doc['count']) ?? 0;
      return [{ type: 'attached', probes }];
    }
    case 'printf':
    case 'join':
    case 'syscall':
    case 'cat':
      return [
        { type: 'printf', text: typeof data === 'string' ? data : Array.isArray(data) ? data.map(textOf).join(' ') + '\n' : textOf(data) },
      ];
    case 'time':
      return [{ type: 'time', text: textOf(data) }];
    case 'map':
    case 'hist':
    case 'lhist':
    case 'stats':
    case 'tseries': {
      if (!isObj(data)) return [{ type: 'unknown', recordType: type, data }];
      return Object.entries(data).map(([name, v]) => ({ type: 'map', map: mapSnapshot(name, type, v) }) as const);
    }
    case 'value':
      return [{ type: 'value', value: data }];
    case 'lost_events': {
      const count = num(isObj(data) ? (data['events'] ?? data['count']) : data) ?? num(doc['count']) ?? 0;
      return [{ type: 'lost', count }];
    }
    case 'helper_error': {
      // fields are top-level (0.17+), `msg` from 0.20, `filename` from 0.24
      const d: Obj = isObj(data) ? { ...(doc as Obj), ...data } : (doc as Obj);
      const helper = typeof d['helper'] === 'string' ? d['helper'] : 'helper';
      const retcode = num(d['retcode']);
      const line = num(d['line']);
      const col = num(d['col']);
      const msg = typeof d['msg'] === 'string' ? d['msg'] : `${helper} returned ${retcode ?? '?'}`;
      return [
        {
          type: 'helperError',
          helper,
          retcode,
          message: msg,
          ...(line !== undefined ? { line } : {}),
          ...(col !== undefined ? { col } : {}),
        },
      ];
    }
    case 'errorf':
    case 'error':
    case 'runtime_error':
    case 'warnf':
    case 'warning': {
      // 0.24+: {"type": "runtime_error"|"errorf"|"warnf", "msg": …, "filename": …, "line": L, "col": C}
      const d: Obj = isObj(data) ? { ...(doc as Obj), ...data } : (doc as Obj);
      const message = typeof data === 'string' ? data : typeof d['msg'] === 'string' ? d['msg'] : textOf(data);
      const line = num(d['line']);
      const col = num(d['col']);
      return [
        {
          type: 'diagnostic',
          severity: type.startsWith('warn') ? 'warning' : 'error',
          message,
          ...(line !== undefined ? { line } : {}),
          ...(col !== undefined ? { col } : {}),
        },
      ];
    }
    default:
      return [{ type: 'unknown', recordType: type, data }];
  }
}

export class OutputParser {
  private partial = '';
  private lineNo = 0;
  readonly issues: ParseIssue[] = [];
  /** longest line kept while waiting for its newline (a runaway line is cut, not buffered forever) */
  constructor(private readonly maxLine = 4 << 20) {}

  /** Feed a chunk; answers the records of every complete line in it. */
  push(chunk: string): TraceRecord[] {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > this.maxLine) {
      this.issues.push({ line: this.lineNo + 1, message: `a line longer than ${this.maxLine} bytes was cut` });
      lines.push(this.partial.slice(0, this.maxLine));
      this.partial = '';
    }
    const out: TraceRecord[] = [];
    for (const l of lines) out.push(...this.line(l));
    return out;
  }

  /** The stream ended: a last line without newline still counts. */
  end(): TraceRecord[] {
    const rest = this.partial;
    this.partial = '';
    return rest ? this.line(rest) : [];
  }

  private inDiagnostic = false;
  private caretSeen = false;

  private line(raw: string): TraceRecord[] {
    this.lineNo++;
    const l = raw.replace(/\r$/, '');
    if (l.trim() === '') return [];
    if (!l.trimStart().startsWith('{')) {
      // 0.24+ prints compile warnings on stdout as text: `FILE:L:C-C: WARNING: …`, then the
      // source line and carets
      const d = /^\S*?:(\d+)(?::(\d+))?(?:-\d+)?: (WARNING|ERROR): (.*)$/.exec(l);
      if (d) {
        this.inDiagnostic = true;
        this.caretSeen = false;
        return [
          {
            type: 'diagnostic',
            severity: d[3] === 'ERROR' ? 'error' : 'warning',
            message: d[4] ?? '',
            line: Number(d[1]),
            ...(d[2] ? { col: Number(d[2]) } : {}),
          },
        ];
      }
      // what follows a diagnostic is its source line(s), the carets under it, and hints
      if (this.inDiagnostic) {
        if (/^\s*~+\s*$/.test(l)) this.caretSeen = true;
        else if (this.caretSeen && !/^HINT: /.test(l)) this.inDiagnostic = false;
        if (this.inDiagnostic) return [];
      }
      return [{ type: 'text', text: `${l}\n` }];
    }
    this.inDiagnostic = false;
    try {
      // a byte >= 0x80 in a string comes as \uffffffXX (signed char): make it one code point
      return recordsOf(parseJsonBig(l.includes('\\uffffff') ? l.replace(/\\uffffff([0-9a-fA-F]{2})/g, '\\u00$1') : l));
    } catch (e) {
      this.issues.push({ line: this.lineNo, message: `not JSON: ${e instanceof Error ? e.message : String(e)}` });
      return [{ type: 'text', text: `${l}\n` }];
    }
  }
}
