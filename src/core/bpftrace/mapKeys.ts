import type { Expr, Span } from './ast';
import type { KeyKind } from './kinds';
import { keyKind } from './kinds';
import type { Report } from './attachPoints';

type MapExpr = Extract<Expr, { kind: 'map' }>;

interface Shape {
  readonly arity: number;
  readonly kinds: readonly KeyKind[];
  readonly at: Span;
}

/**
 * Each map's key shape, from its first use: how many keys, and which are certainly integers or
 * strings. A later use with another count or kind is an error bpftrace also gives. A tuple held in
 * a variable counts as its elements (`$k = (1, "a"); @m[$k]` is `@m[1, "a"]`); a variable whose
 * value cannot be known here (a macro's parameter, a `let` without a value) says nothing.
 */
export class MapKeyShapes {
  private readonly shapes = new Map<string, Shape>();
  /** variables that hold a tuple (its element count), or whose value cannot be known (undefined) */
  private tupleVars = new Map<string, number | undefined>();
  private pointerVars = new Set<string>();

  constructor(
    private readonly report: Report,
    private readonly line: (offset: number) => number,
  ) {}

  /** a new scope (probe, fn, macro); `unknown`: variables whose value cannot be known */
  scope(unknown: Iterable<string> = []): void {
    this.tupleVars = new Map([...unknown].map((n) => [n, undefined]));
    this.pointerVars = new Set();
  }

  /** `$name = value`, `let $name [= value]` (`typed`: declared with a type) */
  assigned(name: string, value: Expr | undefined, typed = false): void {
    if (value && isPointer(value)) this.pointerVars.add(name);
    else this.pointerVars.delete(name);
    if (value?.kind === 'tuple') this.tupleVars.set(name, value.elements.length);
    else if (value || typed) this.tupleVars.delete(name);
    else this.tupleVars.set(name, undefined);
  }

  /** whether a variable certainly holds a pointer (a pointer cast, curtask) */
  holdsPointer(name: string): boolean {
    return this.pointerVars.has(name);
  }

  /** how many elements the tuple in a variable has, if known */
  tupleArity(name: string): number | undefined {
    return this.tupleVars.get(name);
  }

  /** how many keys a map has (from its first use), if known */
  arity(name: string): number | undefined {
    return this.shapes.get(name)?.arity;
  }

  use(e: MapExpr): void {
    let keys = e.keys ?? [];
    if (keys.length === 1 && keys[0]?.kind === 'tuple') keys = keys[0].elements;
    const k0 = keys[0];
    let shape: Shape = { arity: keys.length, kinds: keys.map(keyKind), at: e.nameSpan };
    if (keys.length === 1 && k0?.kind === 'var' && this.tupleVars.has(k0.name)) {
      const n = this.tupleVars.get(k0.name);
      if (n === undefined) return;
      shape = { arity: n, kinds: new Array<KeyKind>(n).fill('unknown'), at: e.nameSpan };
    }
    const first = this.shapes.get(e.name);
    if (!first) return void this.shapes.set(e.name, shape);
    const where = `on line ${this.line(first.at.start)}`;
    const describe = (n: number): string => (n === 0 ? 'without a key' : `with ${n} key${n === 1 ? '' : 's'}`);
    if (first.arity !== shape.arity)
      return void this.report(
        e,
        'error',
        'mapKeys',
        `${e.name} is used ${describe(shape.arity)} here but ${describe(first.arity)} ${where}`,
      );
    const kind = (k: KeyKind): string => (k === 'string' ? 'a string' : 'an integer');
    for (let i = 0; i < shape.arity; i++) {
      const a = first.kinds[i];
      const b = shape.kinds[i];
      if (a && b && a !== 'unknown' && b !== 'unknown' && a !== b) {
        const which = shape.arity > 1 ? `${i + 1} ` : '';
        return void this.report(keys[i] ?? e, 'error', 'mapKeys', `${e.name} key ${which}is ${kind(b)} here but ${kind(a)} ${where}`);
      }
    }
  }
}

/** a value that is certainly a pointer: a cast to a pointer type, curtask */
export function isPointer(e: Expr): boolean {
  return (e.kind === 'cast' && /\*\s*$/.test(e.type)) || (e.kind === 'ident' && e.name === 'curtask');
}
