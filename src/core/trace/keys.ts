import type { Expr } from '../bpftrace/ast';
import { parse } from '../bpftrace/parser';
import type { MapSnapshot } from './output';

/**
 * Map keys as bpftrace's JSON output gives them: a composite key `@m[comm, pid]` is one string,
 * its parts joined with ",": `"dd,2"`, which cannot be split by comma when a comm holds one. The
 * script says what each part is; integers hold no comma, so a key with at most one text part (or
 * parts whose count matches) splits exactly.
 */
export type KeyPart = 'int' | 'text' | 'unknown';

const TEXT_CALLS = new Set([
  'str',
  'ksym',
  'usym',
  'kstack',
  'ustack',
  'strftime',
  'path',
  'buf',
  'macaddr',
  'ntop',
  'cgroup_path',
  'uptr',
  'kptr',
  'strerror',
]);
/** integer builtins, bare (`pid`) or as calls (`pid()`) */
const INT_BUILTINS = ['pid', 'tid', 'uid', 'gid', 'cpu', 'nsecs', 'elapsed', 'cgroup', 'numaid', 'jiffies'];
const INT_CALLS = new Set([
  ...INT_BUILTINS,
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'kaddr',
  'uaddr',
  'reg',
  'sizeof',
  'bswap',
  'len',
  'strlen',
  'strcontains',
  'strncmp',
]);
const TEXT_IDENTS = new Set(['comm', 'func', 'probe', 'kstack', 'ustack', 'username']);
const INT_IDENTS = new Set([...INT_BUILTINS, 'retval', 'rand', 'ncpus', 'sarg0', 'arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5']);
const INT_TYPES = /^(u?int(8|16|32|64)|bool)$/;

export function exprPart(e: Expr): KeyPart {
  switch (e.kind) {
    case 'int':
    case 'bool':
    case 'sizeof':
    case 'offsetof':
      return 'int';
    case 'string':
      return 'text';
    case 'ident':
    case 'var':
      return TEXT_IDENTS.has(e.name) ? 'text' : INT_IDENTS.has(e.name) ? 'int' : 'unknown';
    case 'call':
      return TEXT_CALLS.has(e.name) ? 'text' : INT_CALLS.has(e.name) ? 'int' : 'unknown';
    case 'cast':
      return INT_TYPES.test(e.type.trim()) ? 'int' : 'unknown';
    case 'binary':
      return ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '==', '!=', '<', '>', '<=', '>=', '&&', '||'].includes(e.op)
        ? 'int'
        : 'unknown';
    case 'unary':
      return e.op === '*' ? 'unknown' : 'int';
    default:
      return 'unknown';
  }
}

function visit(o: unknown, found: (m: Extract<Expr, { kind: 'map' }>) => void): void {
  if (Array.isArray(o)) {
    for (const x of o) visit(x, found);
    return;
  }
  if (typeof o !== 'object' || o === null) return;
  const r = o as Record<string, unknown>;
  if (r['kind'] === 'map' && Array.isArray(r['keys'])) found(o as Extract<Expr, { kind: 'map' }>);
  for (const v of Object.values(r)) if (typeof v === 'object') visit(v, found);
}

/** Each map's key parts (`@name` → ['text', 'int']), from every place the script indexes it. */
export function keyParts(script: string): Map<string, KeyPart[]> {
  const out = new Map<string, KeyPart[]>();
  visit(parse(script).program, (m) => {
    const keys = m.keys ?? [];
    // a tuple as the only key prints as its elements
    const parts = (keys.length === 1 && keys[0]?.kind === 'tuple' ? keys[0].elements : keys).map(exprPart);
    const name = m.name.startsWith('@') ? m.name : `@${m.name}`;
    const seen = out.get(name);
    if (!seen) out.set(name, parts);
    else if (seen.length !== parts.length)
      out.set(
        name,
        parts.map(() => 'unknown'),
      );
    else
      out.set(
        name,
        seen.map((p, i) => (p === parts[i] ? p : 'unknown')),
      );
  });
  return out;
}

const INT = /^-?\d+$/;

/**
 * A composite key's parts, or undefined when the text cannot be split with certainty (more
 * than one text part and commas beyond the separators). Integer parts become numbers.
 */
export function splitKey(key: string, parts: readonly KeyPart[]): (string | number)[] | undefined {
  if (parts.length < 2) return undefined;
  const pieces = key.split(',');
  if (pieces.length === parts.length) return pieces.map((p, i) => (parts[i] === 'int' && INT.test(p) ? Number(p) : p));
  if (pieces.length < parts.length) return undefined;
  // more commas than separators: they sit inside the one part that is not an integer
  const free = parts.filter((p) => p !== 'int').length;
  if (free !== 1) return undefined;
  const at = parts.findIndex((p) => p !== 'int');
  const head = pieces.slice(0, at);
  const tail = pieces.slice(pieces.length - (parts.length - at - 1));
  if (![...head, ...tail].every((p) => INT.test(p))) return undefined;
  return [...head.map(Number), pieces.slice(at, pieces.length - tail.length).join(','), ...tail.map(Number)];
}

/** A map record for JSON output: composite keys as arrays where the script says their parts. */
export function mapWithKeyArrays(m: MapSnapshot, parts: ReadonlyMap<string, readonly KeyPart[]>): unknown {
  const p = parts.get(m.name);
  if (!m.keyed || !p || p.length < 2) return m;
  return { ...m, entries: m.entries.map((e) => (e.key === null ? e : { ...e, key: splitKey(e.key, p) ?? e.key })) };
}
