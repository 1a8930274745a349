/**
 * What every fuzz family shares (test/unit/fuzz/*.test.ts): the tally of one parser family, the
 * run's seed, and the checks of a parsed value's shape. The families feed the product's parsers
 * mutated real outputs (bpftool JSON captured on the lab, bpftrace 0.17 / 0.23 NDJSON,
 * known_hosts, ssh config with Include, and a few more). Per input: no exception escapes (each
 * call is wrapped; a throw is a failure naming the case), the answer has its documented shape,
 * and an error a command surfaces is a typed one (ToolError …), never a raw TypeError /
 * RangeError. Unmutated seeds must parse cleanly to known values and bare truncations must be
 * reported, so the suite cannot pass vacuously.
 *
 * Deterministic (test/support/mutate.ts): a failure names its case number, seed and mutations,
 * and shows the input; `jsonCase(seeds, N, …)` / `lineCase(seeds, N, …)` rebuild case N alone.
 */
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { ToolError } from '../../../src/core/base/errors';
import type { ParseIssue } from '../../../src/core/base/result';
import type { Mutated, Seed } from '../../support/mutate';
import { caseRng, describeCase, onlyTruncated } from '../../support/mutate';

export const RUN_SEED = 20_261_201;
/** one input taking this long is a super-linear parser (a hang in waiting) */
const SLOW_MS = 1000;

/** The tally of one parser family; failures are collected (not thrown) so the summary counts them all. */
export class Family {
  inputs = 0;
  exceptions = 0;
  badResults = 0;
  reported = 0;
  /** bare truncations (the `truncate@N` case alone) that the check reported as an error */
  truncationsReported = 0;
  private readonly failures: string[] = [];
  private readonly extra = new Map<string, number>();
  private readonly t0 = performance.now();
  constructor(readonly name: string) {}

  /** Run the checks of one case: counted as an input, and as a reported truncation when it is one and was reported. */
  input<T>(c: Mutated, f: () => T): T {
    this.inputs++;
    const before = this.reported;
    const r = f();
    if (onlyTruncated(c) && this.reported > before) this.truncationsReported++;
    return r;
  }

  /** Call a parser for case c; a throw is recorded as an exception and answers undefined. */
  call<T>(c: Mutated, what: string, f: () => T): T | undefined {
    const t0 = performance.now();
    try {
      return f();
    } catch (e) {
      this.exceptions++;
      this.fail(c, `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return undefined;
    } finally {
      const ms = performance.now() - t0;
      if (ms > SLOW_MS) this.fail(c, `${what} took ${ms.toFixed(0)} ms`);
    }
  }

  /** Call something that may fail only with a typed error: the error is answered; an untyped one is an exception. */
  typed<T>(c: Mutated, what: string, f: () => T): { value: T } | { error: ToolError } | undefined {
    try {
      return { value: f() };
    } catch (e) {
      if (e instanceof ToolError) {
        this.count(`ToolError ${e.reason}`);
        this.check(c, typeof e.message === 'string' && e.message !== '', `${what}: ToolError without a message`);
        return { error: e };
      }
      this.exceptions++;
      this.fail(c, `${what} threw an untyped ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return undefined;
    }
  }

  check(c: Mutated, ok: boolean, what: string | (() => string)): void {
    if (ok) return;
    this.badResults++;
    this.fail(c, typeof what === 'string' ? what : what());
  }

  /** ParseIssues: string messages, 1-based lines within `maxLine`; counted as reported errors. */
  issues(c: Mutated, errors: readonly ParseIssue[] | undefined, what: string, maxLine = Infinity): void {
    if (!Array.isArray(errors)) {
      this.check(c, false, `${what}: errors is not an array`);
      return;
    }
    for (const e of errors as readonly unknown[]) {
      const ok = isRecord(e) && typeof e['message'] === 'string' && e['message'] !== '';
      this.check(c, ok, () => `${what}: an error without a message: ${String(JSON.stringify(e)).slice(0, 200)}`);
      const line = isRecord(e) ? e['line'] : undefined;
      this.check(
        c,
        line === undefined || (Number.isInteger(line) && (line as number) >= 1 && (line as number) <= maxLine),
        `${what}: error line ${String(line)} out of range`,
      );
    }
    this.reported += errors.length;
  }

  count(key: string, n = 1): void {
    this.extra.set(key, (this.extra.get(key) ?? 0) + n);
  }
  counted(key: string): number {
    return this.extra.get(key) ?? 0;
  }

  private fail(c: Mutated, what: string): void {
    if (this.failures.length < 10) this.failures.push(`${what}\n    ${describeCase(c)}`);
  }

  done(): void {
    const extra = [...this.extra].filter(([k]) => k.startsWith('ToolError')).map(([k, n]) => `${n} ${k}`);
    const secs = ((performance.now() - this.t0) / 1000).toFixed(1);
    console.log(
      `      fuzz: ${this.name} ${this.inputs} inputs, ${this.exceptions} exceptions, ${this.reported} reported errors${extra.length ? ` (${extra.join(', ')})` : ''}, ${secs} s`,
    );
    assert.equal(
      this.exceptions + this.badResults + this.failures.length,
      0,
      `${this.name}: ${this.exceptions} exceptions, ${this.badResults} bad results; the first:\n  ${this.failures.join('\n  ')}`,
    );
  }
}

/** Deep equality without recursion (records may hold values nested 20,000 deep). */
export function sameTree(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop() as [unknown, unknown];
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null || Array.isArray(x) !== Array.isArray(y)) return false;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (const k of kx) {
      if (!Object.prototype.hasOwnProperty.call(y, k)) return false;
      stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]]);
    }
  }
  return true;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** a seed as it is, as a case (-1: no case number) */
export const seedCase = (s: Seed): Mutated => ({ i: -1, seed: s.name, ops: [], text: s.text, rng: caseRng(RUN_SEED, -1) });

/** Field types of a parsed entry: absent optional fields are left out, never undefined. */
export type FieldType = 'number' | 'string' | 'boolean' | 'numbers' | 'strings' | 'pids' | 'object';
export function shapeProblem(
  v: unknown,
  required: Readonly<Record<string, FieldType>>,
  optional: Readonly<Record<string, FieldType>> = {},
): string | undefined {
  if (!isRecord(v)) return 'entry is not an object';
  const ok = (x: unknown, t: FieldType): boolean => {
    switch (t) {
      case 'number':
        return typeof x === 'number' && !Number.isNaN(x);
      case 'string':
        return typeof x === 'string';
      case 'boolean':
        return typeof x === 'boolean';
      case 'numbers':
        return Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n));
      case 'strings':
        return Array.isArray(x) && x.every((s) => typeof s === 'string');
      case 'pids':
        return (
          Array.isArray(x) &&
          x.every(
            (p) =>
              isRecord(p) &&
              typeof p['pid'] === 'number' &&
              Number.isFinite(p['pid']) &&
              (p['comm'] === undefined || typeof p['comm'] === 'string'),
          )
        );
      case 'object':
        return isRecord(x);
    }
  };
  for (const [k, t] of Object.entries(required))
    if (!ok(v[k], t)) return `${k} is not a ${t}: ${String(JSON.stringify(v[k])).slice(0, 60)}`;
  for (const [k, t] of Object.entries(optional)) if (k in v && !ok(v[k], t)) return `${k} is present but not a ${t}`;
  for (const [k, x] of Object.entries(v)) if (x === undefined) return `${k} is set to undefined`;
  return undefined;
}
