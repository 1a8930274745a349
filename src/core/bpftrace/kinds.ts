import type { Expr, Span } from './ast';
import { ARG_BUILTIN } from './catalog';

/**
 * What the analyser can know of a value's type without a kernel: the kind of a map key (for
 * inconsistent keys) and the class of a printf argument. Anything not certain is unknown.
 */

export type KeyKind = 'int' | 'string' | 'unknown';

const STRING_BUILTINS = new Set(['comm', 'func', 'probe', 'username', 'probetype']);
const INT_BUILTINS = new Set([
  'pid',
  'tid',
  'uid',
  'gid',
  'nsecs',
  'elapsed',
  'numaid',
  'cpu',
  'ncpus',
  'retval',
  'rand',
  'cgroup',
  'cpid',
  'jiffies',
  'usermode',
]);
const STRING_FUNCTIONS = new Set([
  'str',
  'ksym',
  'usym',
  'ntop',
  'strftime',
  'path',
  'cgroup_path',
  'strerror',
  'macaddr',
  'syscall_name',
  'signal_name',
]);

export function keyKind(e: Expr): KeyKind {
  switch (e.kind) {
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'ident':
      return STRING_BUILTINS.has(e.name) ? 'string' : INT_BUILTINS.has(e.name) || ARG_BUILTIN.test(e.name) ? 'int' : 'unknown';
    case 'call':
      return STRING_FUNCTIONS.has(e.name) || e.name === 'comm'
        ? 'string'
        : e.name === 'pid' || e.name === 'tid' || e.name === 'nsecs'
          ? 'int'
          : 'unknown';
    case 'binary':
      return ['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^'].includes(e.op) ? 'int' : 'unknown';
    default:
      return 'unknown';
  }
}

/**
 * A printf argument's class, as bpftrace's format check sees it:
 * - int: integers, pointers and the results of arithmetic and comparisons (%d %u %x %c %p);
 * - text: strings and the types bpftrace prints as text: symbols, stacks, addresses, times (%s);
 * - buffer: buf() (%r);
 * - aggregate: a map value of count(), sum(), hist() …, which printf takes in no version.
 */
export interface ValueKind {
  readonly cls: 'int' | 'text' | 'buffer' | 'aggregate';
  /** how a message names it: "a string", "count() values" … */
  readonly what: string;
  /** the aggregate function (cls aggregate) */
  readonly fn?: string;
}

export const INT_KIND: ValueKind = { cls: 'int', what: 'an integer' };
const INT = INT_KIND;
const TEXT: ValueKind = { cls: 'text', what: 'a string' };

/** builtins whose value is an integer in every version (retval is typed in fexit: left out) */
const INT_VALUE_BUILTINS = new Set([...INT_BUILTINS].filter((b) => b !== 'retval'));
const TEXT_VALUE_BUILTINS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ['comm', TEXT],
  ['username', TEXT],
  ['probe', TEXT],
  ['func', { cls: 'text', what: 'a symbol' }],
  ['kstack', { cls: 'text', what: 'a stack' }],
  ['ustack', { cls: 'text', what: 'a stack' }],
]);
const TEXT_FUNCTIONS = new Set([
  'str',
  'ksym',
  'usym',
  'ntop',
  'strftime',
  'cgroup_path',
  'strerror',
  'macaddr',
  'syscall_name',
  'signal_name',
  'comm',
]);
const INT_FUNCTIONS = new Set(['pid', 'tid', 'nsecs', 'strncmp', 'cgroupid', 'len']);
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^']);

/** The printf class of an expression, or undefined when it is not certain. */
export function valueKind(e: Expr, mapKind: (name: string) => ValueKind | undefined): ValueKind | undefined {
  switch (e.kind) {
    case 'string':
      return TEXT;
    case 'int':
    case 'sizeof':
    case 'offsetof':
      return INT;
    case 'ident':
      return INT_VALUE_BUILTINS.has(e.name) || ARG_BUILTIN.test(e.name) ? INT : TEXT_VALUE_BUILTINS.get(e.name);
    case 'call':
      if (e.name === 'kstack' || e.name === 'ustack') return TEXT_VALUE_BUILTINS.get(e.name);
      if (e.name === 'buf') return { cls: 'buffer', what: 'a buffer' };
      return TEXT_FUNCTIONS.has(e.name) ? TEXT : INT_FUNCTIONS.has(e.name) ? INT : undefined;
    case 'binary': {
      if (COMPARISONS.has(e.op)) return INT;
      if (!ARITHMETIC.has(e.op)) return undefined;
      // arithmetic on a string or a buffer is refused for its own reason
      const sides = [valueKind(e.left, mapKind), valueKind(e.right, mapKind)];
      return sides.some((k) => k && (k.cls === 'text' || k.cls === 'buffer')) ? undefined : INT;
    }
    case 'unary':
      return e.op === '!' || e.op === '-' || e.op === '~' ? INT : undefined;
    case 'cast':
      // integer and pointer casts (a pointer is printed as an integer)
      return /^\s*u?int(?:8|16|32|64)\s*$|\*\s*$/.test(e.type) ? INT : undefined;
    case 'map':
      return mapKind(e.name);
    default:
      return undefined;
  }
}

/** One value written to a map, and where. */
export interface MapWrite {
  readonly kind: ValueKind | undefined;
  readonly at: Span;
}

/**
 * What a map holds, from every value written to it: one kind when all writes agree (an
 * aggregate, by its function), else unknown. Each write keeps its place, for the messages.
 */
export class MapValues {
  private readonly writes = new Map<string, MapWrite[]>();

  write(map: string, kind: ValueKind | undefined, at: Span): void {
    const w = this.writes.get(map);
    if (w) w.push({ kind, at });
    else this.writes.set(map, [{ kind, at }]);
  }

  aggregate(map: string, fn: string, at: Span): void {
    this.write(map, { cls: 'aggregate', what: `a ${fn}() value`, fn }, at);
  }

  /** every map's writes, in the order of the script */
  get all(): ReadonlyMap<string, readonly MapWrite[]> {
    return this.writes;
  }

  kind(map: string): ValueKind | undefined {
    const w = this.writes.get(map);
    const first = w?.[0]?.kind;
    if (!w || !first) return undefined;
    return w.every(({ kind: k }) => k !== undefined && k.cls === first.cls && k.fn === first.fn) ? first : undefined;
  }
}
