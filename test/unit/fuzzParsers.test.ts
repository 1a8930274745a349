/**
 * Bad input: the product's parsers fed mutated real outputs (bpftool JSON captured on the lab,
 * bpftrace 0.17 / 0.23 NDJSON, known_hosts, ssh config with Include, and a few more). Per input:
 * no exception escapes (each call is wrapped; a throw is a failure naming the case), the answer
 * has its documented shape, and an error a command surfaces is a typed one (ToolError …), never
 * a raw TypeError / RangeError. Unmutated seeds must parse cleanly to known values and bare
 * truncations must be reported, so the suite cannot pass vacuously.
 *
 * Deterministic (test/support/mutate.ts): a failure names its case number, seed and mutations,
 * and shows the input; `jsonCase(seeds, N, …)` / `lineCase(seeds, N, …)` rebuild case N alone.
 */
import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findFunctions } from '../../src/core/annotate/functions';
import type { SourceLanguage } from '../../src/core/annotate/functions';
import { helperCalls } from '../../src/core/annotate/helpers';
import { demanglePath, nmSymbols, symbolPath, uprobeSymbols } from '../../src/core/annotate/symbols';
import { linkShow, mapShow, netShow, perfShow, progShow } from '../../src/core/bpftool/commands';
import type { Listed } from '../../src/core/bpftool/commands';
import { parseBpftoolVersion, parseLinkShow, parseMapShow, parseNet, parsePerf, parseProgShow } from '../../src/core/bpftool/parse';
import { normalizeXlated } from '../../src/core/bpftool/xlated';
import type { RemoteCommand } from '../../src/core/remote/command';
import { ToolError } from '../../src/core/base/errors';
import { globMatch } from '../../src/core/base/glob';
import { parseConfigFile, parseNodes } from '../../src/core/inventory/inventory';
import type { NodeConfig } from '../../src/core/inventory/inventory';
import { checkHostKey, entryMatches, keyTypeOf, parseKnownHosts } from '../../src/core/inventory/knownHosts';
import type { KnownHostEntry } from '../../src/core/inventory/knownHosts';
import { validateHost, validateNodeName, validateUser } from '../../src/core/remote/quote';
import type { ParseIssue, Parsed } from '../../src/core/base/result';
import { contentHash, hashText, parseSnapshot } from '../../src/core/snapshot/model';
import type { Snapshot, SnapshotProgram } from '../../src/core/snapshot/model';
import { inlineIncludes, nodesFromSshConfig } from '../../src/core/inventory/sshConfig';
import { parseStderr } from '../../src/core/trace/diagnostics';
import { OutputParser } from '../../src/core/trace/output';
import type { TraceRecord } from '../../src/core/trace/output';
import { TraceResults } from '../../src/core/trace/results';
import type { Mutated, Seed } from '../support/mutate';
import { NASTY_KEYS, caseRng, chunks, describeCase, jsonCase, keysOf, lineCase, onlyTruncated, toJson } from '../support/mutate';
import { fixture, repoRoot } from './paths';

const RUN_SEED = 20_261_201;
/** one input taking this long is a super-linear parser (a hang in waiting) */
const SLOW_MS = 1000;

/** The tally of one parser family; failures are collected (not thrown) so the summary counts them all. */
class Family {
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
function sameTree(a: unknown, b: unknown): boolean {
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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** a seed as it is, as a case (-1: no case number) */
const seedCase = (s: Seed): Mutated => ({ i: -1, seed: s.name, ops: [], text: s.text, rng: caseRng(RUN_SEED, -1) });

/** Field types of a parsed entry: absent optional fields are left out, never undefined. */
type FieldType = 'number' | 'string' | 'boolean' | 'numbers' | 'strings' | 'pids' | 'object';
function shapeProblem(
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

// =============================================================================== bpftool JSON

type ListKind = 'prog_show' | 'map_show' | 'link_show' | 'net' | 'perf';
interface ListParser {
  readonly parse: (text: string) => Parsed<unknown[]>;
  readonly cmd: () => RemoteCommand<Listed<unknown>>;
  readonly required: Readonly<Record<string, FieldType>>;
  readonly optional?: Readonly<Record<string, FieldType>>;
  /** one entry per array element: kept, or an error naming its index */
  readonly perElement: boolean;
}
const LIST_PARSERS: Readonly<Record<ListKind, ListParser>> = {
  prog_show: {
    parse: parseProgShow,
    cmd: progShow,
    required: {
      id: 'number',
      type: 'string',
      name: 'string',
      tag: 'string',
      mapIds: 'numbers',
      pinned: 'strings',
      pids: 'pids',
      metadata: 'object',
      raw: 'object',
    },
    optional: {
      gplCompatible: 'boolean',
      loadedAt: 'number',
      uid: 'number',
      bytesXlated: 'number',
      jited: 'boolean',
      bytesJited: 'number',
      bytesMemlock: 'number',
      btfId: 'number',
      runTimeNs: 'number',
      runCnt: 'number',
      recursionMisses: 'number',
      orphaned: 'boolean',
    },
    perElement: true,
  },
  map_show: {
    parse: parseMapShow,
    cmd: mapShow,
    required: { id: 'number', type: 'string', name: 'string', pinned: 'strings', pids: 'pids', raw: 'object' },
    optional: {
      flags: 'number',
      bytesKey: 'number',
      bytesValue: 'number',
      maxEntries: 'number',
      bytesMemlock: 'number',
      frozen: 'boolean',
      btfId: 'number',
    },
    perElement: true,
  },
  link_show: {
    parse: parseLinkShow,
    cmd: linkShow,
    required: { id: 'number', type: 'string', pinned: 'strings', pids: 'pids', raw: 'object' },
    optional: { progId: 'number', target: 'string' },
    perElement: true,
  },
  net: {
    parse: parseNet,
    cmd: netShow,
    required: { kind: 'string', raw: 'object' },
    optional: { progId: 'number', devname: 'string', ifindex: 'number', mode: 'string', name: 'string' },
    perElement: false,
  },
  perf: {
    parse: parsePerf,
    cmd: perfShow,
    required: { pid: 'number', fd: 'number', progId: 'number', fdType: 'string', raw: 'object' },
    optional: { target: 'string' },
    perElement: true,
  },
};
const LIST_KINDS = Object.keys(LIST_PARSERS) as ListKind[];
const kindOf = (seed: string): ListKind | 'version' =>
  seed
    .replace(/^.*\//, '')
    .replace(/\.json$/, '')
    .replace(/ .*$/, '') as ListKind | 'version';

const bpftoolSeeds: Seed[] = [
  ...['7.1', '7.5'].flatMap((v) =>
    [...LIST_KINDS, 'version'].map((k) => ({ name: `${v}/${k}.json`, text: fs.readFileSync(fixture('bpftool', v, `${k}.json`), 'utf8') })),
  ),
  // `bpftool version` without -j, as bookworm's 7.1.0 prints it
  { name: 'text/version (plain)', text: 'bpftool v7.1.0\nusing libbpf v1.1\nfeatures: libbfd, libbpf_strict, skeletons\n' },
];

/** the document as JSON.parse reads it (undefined: unreadable) — worked out once per input, independently of the parser */
type Independent = { readonly doc: unknown } | undefined;
function independently(text: string): Independent {
  try {
    return { doc: JSON.parse(text.trim()) as unknown };
  } catch {
    return undefined;
  }
}

function checkList(fam: Family, c: Mutated, kind: ListKind, text: string, ind: Independent): void {
  const p = LIST_PARSERS[kind];
  const r = fam.call(c, `parse ${kind}`, () => p.parse(text));
  if (!r) return;
  fam.check(c, Array.isArray(r.value), `${kind}: value is not an array`);
  if (!Array.isArray(r.value)) return;
  fam.issues(c, r.errors, kind);
  for (const e of r.value) {
    const problem = shapeProblem(e, p.required, p.optional);
    fam.check(c, problem === undefined, `${kind}: ${problem ?? ''}`);
  }
  // what the document was, independently: a document that cannot be read is an empty value and one
  // document-level error; a readable list keeps every entry or names it
  const readable = ind !== undefined;
  const doc = ind?.doc;
  const whole = r.errors.filter((e) => e.line === undefined);
  if (!readable) {
    fam.check(
      c,
      r.value.length === 0 && whole.length === 1,
      `${kind}: unreadable JSON but ${r.value.length} entries, ${whole.length} document errors`,
    );
    if (onlyTruncated(c))
      fam.check(
        c,
        /truncated|not valid JSON|empty/.test(whole[0]?.message ?? ''),
        `${kind}: a truncation reported as ${JSON.stringify(whole[0]?.message)}`,
      );
  } else if (Array.isArray(doc) && p.perElement) {
    const byLine = r.errors.filter((e) => e.line !== undefined);
    fam.check(
      c,
      whole.length === 0 && r.value.length + byLine.length === doc.length,
      `${kind}: ${doc.length} elements but ${r.value.length} entries + ${byLine.length} entry errors`,
    );
    fam.check(
      c,
      byLine.every((e) => (e.line ?? 0) <= doc.length),
      `${kind}: an entry error names an element past the end`,
    );
  } else if (p.perElement) {
    fam.check(
      c,
      r.value.length === 0 && whole.length === 1,
      `${kind}: not a JSON array, yet ${r.value.length} entries and ${whole.length} document errors`,
    );
  }
  // the command around the parser: a listing, or a typed ToolError (badOutput) — nothing else
  const cmd = p.cmd();
  const ok = fam.typed(c, `${kind} interpret`, () => cmd.interpret({ stdout: text, stderr: '', code: 0 }));
  if (ok && 'value' in ok) {
    fam.check(
      c,
      whole.length === 0 && ok.value.items.length === r.value.length && ok.value.warnings.every((w) => typeof w === 'string'),
      `${kind} interpret: a listing from output with document errors, or a different count`,
    );
  } else if (ok) {
    fam.check(c, ok.error.reason === 'badOutput' && whole.length > 0, `${kind} interpret: ToolError ${ok.error.reason} for exit status 0`);
  }
  if (c.i % 5 === 0) {
    // bpftool failed: whatever it printed, a typed failure
    const stderr = c.rng.pick([
      '',
      "Error: can't get next program: Operation not permitted",
      'sh: 1: bpftool: not found',
      'Segmentation fault',
      text.slice(0, 200),
    ]);
    const code = c.rng.pick([1, 2, 127, 139, 255]);
    const failed = fam.typed(c, `${kind} interpret (exit ${code})`, () => cmd.interpret({ stdout: text, stderr, code }));
    fam.check(
      c,
      failed !== undefined && 'error' in failed && ['failed', 'needsRoot', 'missing'].includes(failed.error.reason),
      `${kind} interpret: exit ${code} was not a ToolError failed/needsRoot/missing`,
    );
  }
}

function checkBpftool(fam: Family, c: Mutated, kind: ListKind | 'version'): void {
  const ind = independently(c.text);
  if (kind === 'version') {
    const v = fam.call(c, 'parseBpftoolVersion', () => parseBpftoolVersion(c.text));
    fam.check(c, v === undefined || typeof v === 'string', `version: ${typeof v}`);
  } else checkList(fam, c, kind, c.text, ind);
  // and (every third input) through a parser it was not meant for
  const other = c.rng.pick(LIST_KINDS);
  if (other !== kind && c.i % 3 === 0) checkList(fam, c, other, c.text, ind);
}

describe('fuzz: bpftool JSON parsers', function () {
  this.timeout(60_000);
  const read = (v: string, k: string): string => bpftoolSeeds.find((s) => s.name === `${v}/${k}.json`)?.text ?? '';

  it('unmutated captures parse cleanly to the known programs, maps, links, attachments and versions', () => {
    for (const v of ['7.1', '7.5']) {
      const ids = (r: Parsed<readonly { id: number }[]>): number[] => r.value.map((x) => x.id);
      const progs = parseProgShow(read(v, 'prog_show'));
      assert.deepEqual(progs.errors, []);
      assert.deepEqual(ids(progs), [100, 106, 114, 120, 127, 129, 133, 134]);
      assert.deepEqual(progs.value.map((p) => p.name).slice(0, 2), ['count_writes', 'xdp_count']);
      const maps = parseMapShow(read(v, 'map_show'));
      assert.deepEqual(maps.errors, []);
      assert.deepEqual(ids(maps), [25, 26, 28, 29, 32, 33, 34, 35, 37, 39, 40, 41]);
      const links = parseLinkShow(read(v, 'link_show'));
      assert.deepEqual(links.errors, []);
      assert.deepEqual(ids(links), [89, 90, 91, 92]);
      assert.deepEqual(
        links.value.map((l) => l.progId),
        [100, 106, 114, 120],
      );
      const net = parseNet(read(v, 'net'));
      assert.deepEqual(net.errors, []);
      assert.deepEqual(
        net.value.map((n) => [n.kind, n.devname, n.progId, n.mode]),
        [['xdp', 'eth0', v === '7.1' ? 106 : 120, 'driver']],
      );
      const perf = parsePerf(read(v, 'perf'));
      assert.deepEqual(perf.errors, []);
      assert.deepEqual(
        perf.value.map((p) => p.progId),
        [127, 129, 133, 134],
      );
      assert.equal(parseBpftoolVersion(read(v, 'version')), `${v}.0`);
      assert.equal(progShow().interpret({ stdout: read(v, 'prog_show'), stderr: '', code: 0 }).items.length, 8);
    }
    assert.equal(parseBpftoolVersion(bpftoolSeeds.at(-1)?.text ?? ''), '7.1.0');
    // the checks below hold for every seed as it is
    const fam = new Family('bpftool seeds');
    for (const s of bpftoolSeeds) checkBpftool(fam, seedCase(s), kindOf(s.name));
    assert.equal(fam.exceptions + fam.badResults, 0);
  });

  it('10,000 mutated documents: no exception, documented shapes, only ToolError from the commands', () => {
    const fam = new Family('bpftool JSON');
    const keys = [...new Set([...bpftoolSeeds.flatMap((s) => keysOf(s.text)), ...NASTY_KEYS])];
    const donors = bpftoolSeeds.flatMap((s) => {
      try {
        return [toJson(JSON.parse(s.text))];
      } catch {
        return [];
      }
    });
    let truncations = 0;
    let truncationsReported = 0;
    for (let i = 0; i < 10_000; i++) {
      const c = jsonCase(bpftoolSeeds, i, { runSeed: RUN_SEED, keys, donors });
      fam.inputs++;
      const before = fam.reported;
      checkBpftool(fam, c, kindOf(c.seed));
      if (onlyTruncated(c) && kindOf(c.seed) !== 'version') {
        truncations++;
        if (fam.reported > before) truncationsReported++;
      }
    }
    fam.done();
    assert.ok(
      truncations >= 700 && truncationsReported / truncations > 0.95,
      `truncations reported: ${truncationsReported} of ${truncations}`,
    );
    assert.ok(fam.counted('ToolError badOutput') > 1000, 'bad output surfaces as ToolError badOutput');
  });
});

// =============================================================================== bpftrace NDJSON

const ndjson = (v: string): string => fs.readFileSync(fixture('bpftrace', `${v}-mixed.ndjson`), 'utf8');
/** record shapes of bpftrace 0.17 → 0.26 (its json-output tests and docs), as one stream */
const SHAPES = [
  '{"type": "attached_probes", "data": {"probes": 2}}',
  '{"type": "attached_probes", "count": 3, "data": {"probes": 3}}',
  '{"type": "printf", "data": "pid 4242 comm bash\\n"}',
  '{"type": "printf", "data": "no newline "}',
  '{"type": "time", "data": "10:00:01\\n"}',
  '{"type": "map", "data": {"@calls": {"1,0,3": 5, "2322,dd": 53, "bash": 7}}}',
  '{"type": "map", "data": {"@ns": 18446744073709551615, "@neg": -9223372036854775808}}',
  '{"type": "hist", "data": {"@us": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 3}, {"min": 1, "max": 1, "count": 12}, {"min": 2, "max": 3, "count": 40}, {"min": 1024, "count": 2}]}}',
  '{"type": "hist", "data": {"@": {"bpftrace": [{"min": 2, "max": 3, "count": 1}], "curl": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 1}]}}}',
  '{"type": "stats", "data": {"@s": {"count": 53, "average": 2, "total": 124}}}',
  '{"type": "stats", "data": {"@st": {"a": {"count": 2, "average": 6, "total": 12}}}}',
  '{"type": "tseries", "data": {"@a": [{"interval_start": "1970-01-01 00:00:00.500000000", "value": 9}]}}',
  '{"type": "value", "data": [1, 2, "string"]}',
  '{"type": "join", "data": "/bin/echo,\'A\'"}',
  '{"type": "lost_events", "data": {"events": 17}}',
  '{"type": "lost_events", "count": 5, "data": {"events": 5}}',
  '{"type": "helper_error", "msg": "Bad address", "helper": "probe_read", "retcode": -14, "filename": "stdin", "line": 1, "col": 38}',
  '{"type": "helper_error", "helper": "probe_read", "retcode": -14, "line": 1, "col": 37}',
  '{"type": "runtime_error", "msg": "Divide or modulo by 0 detected.", "filename": "stdin", "line": 2, "col": 5}',
  '{"type": "warnf", "msg": "w", "filename": "stdin", "line": 1, "col": 1}',
  '{"type": "printf", "data": "caf\\uffffffc3\\uffffffa9\\n"}',
];
const STDOUT_TEXT = [
  'stdin:1:3-10: WARNING: this is odd',
  'i:s:1 { x }',
  '  ~~~~~~~',
  'HINT: did you mean y?',
  '{"type": "attached_probes", "data": {"probes": 1}}',
  'Linux edge1 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux',
  '',
  '{"type": "printf", "data": "done\\n"}',
  '/tmp/ebpf-lens-AbC123.run:2:5-9: ERROR: syntax error',
];
const ndjsonSeeds: Seed[] = [
  { name: '0.17-mixed.ndjson', text: ndjson('0.17') },
  { name: '0.23-mixed.ndjson', text: ndjson('0.23') },
  { name: 'shapes 0.17-0.26', text: `${SHAPES.join('\n')}\n` },
  { name: 'stdout text 0.24+', text: `${STDOUT_TEXT.join('\n')}\n` },
];
const RECORD_TYPES = new Set(['attached', 'printf', 'time', 'map', 'value', 'lost', 'helperError', 'diagnostic', 'text', 'unknown']);

function recordProblem(r: TraceRecord): string | undefined {
  if (!isRecord(r) || !RECORD_TYPES.has(r.type)) return `record of unknown type ${JSON.stringify((r as { type?: unknown })?.type)}`;
  const num = (x: unknown): boolean => typeof x === 'number' && !Number.isNaN(x);
  switch (r.type) {
    case 'attached':
      return num(r.probes) ? undefined : 'attached: probes is not a number';
    case 'printf':
    case 'time':
      return typeof r.text === 'string' ? undefined : `${r.type}: text is not a string`;
    case 'text':
      return typeof r.text === 'string' && r.text.endsWith('\n') ? undefined : 'text: not a line';
    case 'lost':
      return num(r.count) ? undefined : 'lost: count is not a number';
    case 'helperError':
      return typeof r.helper === 'string' && typeof r.message === 'string' && (r.retcode === undefined || num(r.retcode))
        ? undefined
        : 'helperError: bad fields';
    case 'diagnostic':
      return (r.severity === 'error' || r.severity === 'warning') && typeof r.message === 'string' && (r.line === undefined || num(r.line))
        ? undefined
        : 'diagnostic: bad fields';
    case 'unknown':
      return typeof r.recordType === 'string' ? undefined : 'unknown: recordType is not a string';
    case 'map': {
      const m = r.map;
      if (
        typeof m?.name !== 'string' ||
        !['map', 'hist', 'stats', 'tseries'].includes(m.kind) ||
        typeof m.keyed !== 'boolean' ||
        !Array.isArray(m.entries)
      )
        return 'map: bad snapshot';
      if (!m.keyed && m.entries.length !== 1) return 'map: an unkeyed map with other than one entry';
      return m.entries.every((e) => (e.key === null) !== m.keyed && (e.key === null || typeof e.key === 'string'))
        ? undefined
        : 'map: entry keys do not match keyed';
    }
    case 'value':
      return undefined;
  }
}

function checkNdjson(fam: Family, c: Mutated): void {
  const lineCount = c.text.split('\n').length;
  // all at once
  const whole = new OutputParser();
  const recs = fam.call(c, 'OutputParser.push+end', () => [...whole.push(c.text), ...whole.end()]);
  if (!recs) return;
  fam.issues(c, whole.issues, 'OutputParser', lineCount + 1);
  for (const r of recs) {
    const problem = recordProblem(r);
    fam.check(c, problem === undefined, problem ?? '');
  }
  fam.check(c, whole.issues.length <= recs.filter((r) => r.type === 'text').length, 'an issue for a line that was not kept as text');
  // as a stream arrives: the same records and issues, however it is cut
  const streamed = new OutputParser();
  const parts = chunks(c.text, c.rng);
  const srecs = fam.call(c, 'OutputParser chunked', () => [...parts.flatMap((p) => streamed.push(p)), ...streamed.end()]);
  if (srecs) {
    fam.check(
      c,
      sameTree(srecs, recs) && sameTree(streamed.issues, whole.issues),
      `chunked in ${parts.length} parts: different records or issues`,
    );
  }
  // into the bounded results, as the trace view keeps them
  const small = c.i % 3 === 0;
  const limits = small ? { maxEventsPerSec: 20, maxLines: 8, maxBytes: 300 } : undefined;
  const res = new TraceResults(limits);
  const snap = fam.call(c, 'TraceResults', () => {
    recs.forEach((r, k) => {
      if (typeof res.add(r, k * 37) !== 'boolean') throw new Error('add did not answer a boolean');
    });
    res.flush();
    return res.snapshot();
  });
  if (snap && limits) {
    // at most maxLines, and at most maxBytes unless one line is longer than that
    const kept = snap.lines.reduce((n, l) => n + l.text.length, 0);
    fam.check(
      c,
      snap.lines.length <= limits.maxLines && (kept <= limits.maxBytes || snap.lines.length === 1) && kept === res.keptBytes,
      `bounded results kept ${snap.lines.length} lines, ${kept} bytes`,
    );
  }
  if (snap)
    fam.check(c, snap.lines.every((l) => typeof l.text === 'string' && typeof l.t === 'number') && snap.events >= 0, 'results: bad lines');
}

describe('fuzz: bpftrace NDJSON output', function () {
  this.timeout(60_000);

  it('unmutated 0.17 and 0.23 captures and the shapes of later versions parse without issues', () => {
    const parse = (t: string): { recs: TraceRecord[]; issues: readonly ParseIssue[] } => {
      const p = new OutputParser();
      return { recs: [...p.push(t), ...p.end()], issues: p.issues };
    };
    for (const s of ndjsonSeeds) assert.deepEqual(parse(s.text).issues, [], s.name);
    const v17 = parse(ndjson('0.17')).recs;
    assert.deepEqual(v17.slice(0, 2), [
      { type: 'attached', probes: 4 },
      { type: 'printf', text: 'hello 42\n' },
    ]);
    assert.deepEqual(
      v17.filter((r) => r.type === 'map').map((r) => r.type === 'map' && `${r.map.name}:${r.map.kind}`),
      ['@sum:map', '@avg:stats', '@bytes:hist', '@lh:hist', '@s:stats', '@start:map', '@sum:map', '@tup:map', '@w:map'],
    );
    assert.deepEqual(
      parse(ndjson('0.23')).recs.map((r) => r.type),
      ['attached', 'printf', 'time', 'printf', 'map'],
    );
    const shapes = parse(ndjsonSeeds[2]?.text ?? '').recs;
    assert.deepEqual(
      shapes.map((r) => r.type),
      [
        'attached',
        'attached',
        'printf',
        'printf',
        'time',
        'map',
        'map',
        'map',
        'map',
        'map',
        'map',
        'map',
        'map',
        'value',
        'printf',
        'lost',
        'lost',
        'helperError',
        'helperError',
        'diagnostic',
        'diagnostic',
        'printf',
      ],
    );
    const calls = shapes[5];
    assert.ok(calls?.type === 'map' && calls.map.keyed && calls.map.entries[0]?.key === '1,0,3');
    const big = shapes[6];
    assert.ok(big?.type === 'map' && big.map.entries[0]?.value === '18446744073709551615');
    assert.deepEqual(
      parse(ndjsonSeeds[3]?.text ?? '').recs.map((r) => r.type),
      ['diagnostic', 'attached', 'text', 'printf', 'diagnostic'],
    );
    const fam = new Family('ndjson seeds');
    for (const s of ndjsonSeeds) checkNdjson(fam, seedCase(s));
    assert.equal(fam.exceptions + fam.badResults + fam.reported, 0);
  });

  it('10,000 mutated streams: no exception, same records however chunked, bounded results', () => {
    const fam = new Family('bpftrace NDJSON');
    const keys = [
      ...new Set([
        ...ndjsonSeeds.flatMap((s) => keysOf(s.text)),
        ...NASTY_KEYS,
        'msg',
        'helper',
        'retcode',
        'line',
        'col',
        'events',
        'probes',
        'min',
        'max',
        'average',
        'total',
      ]),
    ];
    const tokens = [
      '{',
      '}',
      '{"type": "printf", "data": "x"}',
      '{"type": "map"}',
      '{"type": 5}',
      'null',
      '[]',
      '"',
      'stdin:1:1: ERROR: x',
      'stdin:9:2-4: WARNING: y',
      '  ~~~',
      'HINT: z',
      'Attaching 1 probe...',
      '\r',
    ];
    for (let i = 0; i < 10_000; i++) {
      const c = lineCase(ndjsonSeeds, i, { runSeed: RUN_SEED + 1, tokens, json: { keys, spaced: true } });
      fam.input(c, () => checkNdjson(fam, c));
    }
    fam.done();
    assert.ok(fam.truncationsReported > 100, `bare truncations reported: ${fam.truncationsReported}`);
  });
});

// =============================================================================== known_hosts

// real public keys (ssh-keygen)
const ED1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMm/F15uGTSDUv/jMfPdJXC+tvrA5h8caZRfGTmQT04j';
const ED2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMdF3NUpH5CZkFrpjpUIR+u4BRD0ElSNK6u1FAqrSXHy';
const ED3 = 'AAAAC3NzaC1lZDI1NTE5AAAAICcyv3KP8AkSdnkqCc6UI+w74VWYBlnd6lVZkzEs1IRb';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBF6oLXcZ4cdK8Pq5nSqrenTUD2V3aWqfIRNs5zmXLK/lWxSrKyZd4XH1GGHS6BRCusCeHiPM21WR17b0DcvpLto=';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC53EtVQz+b8TeuVdL8ybwYrwT/Jt/v6LqqPBACghJFOhA4WipiZKwqE0NaZFupeY9g/XkNZ8HIcWKoUBO/Xrtw2y53eXY3cJTlgv2Jm15V6po7DDjCSuFA5lrnoxhpNz3XifuPhxx0/IDFJHRgada/tYV2Fd91BbnVTgIGMrz5DQ==';
/** a hashed host (`ssh-keygen -H`), with a fixed salt so the seed is the same every run */
const hashedHost = (name: string, saltByte: number): string => {
  const salt = Buffer.alloc(20, saltByte);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};
const khSeeds: Seed[] = [
  {
    name: 'known_hosts (plain, port, wildcard, negation, markers)',
    text: [
      '# edge fleet',
      `edge1,10.0.0.1 ssh-ed25519 ${ED1}`,
      `[10.0.0.2]:2222 ssh-ed25519 ${ED1} root@edge2`,
      `*.edge.example,!bad.edge.example ssh-ed25519 ${ED2}`,
      `edge?.lab ecdsa-sha2-nistp256 ${ECDSA}`,
      `10.0.0.3 ssh-rsa ${RSA}`,
      `@revoked * ssh-ed25519 ${ED3}`,
      `@cert-authority *.example ssh-ed25519 ${ED2} ca@example`,
      '',
    ].join('\n'),
  },
  {
    name: 'known_hosts (hashed, HashKnownHosts yes)',
    text: [
      `${hashedHost('edge1', 1)} ssh-ed25519 ${ED1}`,
      `${hashedHost('[10.0.0.2]:2222', 2)} ssh-ed25519 ${ED1}`,
      `${hashedHost('10.0.0.3', 3)} ssh-rsa ${RSA}`,
      `${hashedHost('10.0.0.3', 4)} ecdsa-sha2-nistp256 ${ECDSA}`,
      '',
    ].join('\n'),
  },
  {
    name: 'known_hosts (CRLF, IPv6, tabs, comments)',
    text: [
      `[fe80::1%eth0]:2200\tssh-ed25519\t${ED2}`,
      `2001:db8::7 ssh-ed25519 ${ED3}   # lab`,
      '   # indented comment',
      `EDGE9.Example ssh-rsa ${RSA}`,
      '',
    ].join('\r\n'),
  },
];
const khTokens = [
  '@revoked',
  '@cert-authority',
  '@bogus',
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ssh-dss',
  ED1,
  ED2,
  RSA,
  ECDSA,
  '|1|',
  '|1|x|y',
  '|2|a|b',
  '*',
  '?',
  '!',
  '!*',
  '[h]:',
  '[10.0.0.1]:2222',
  ',',
  ',,',
  '#',
  'AAAA',
  '====',
  'AAAAC3NzaC1lZDI1NTE5',
  hashedHost('edge1', 9),
];
const VERDICTS = new Set(['trusted', 'revoked', 'mismatch', 'unknown']);
const khProbes: [string, number, string][] = [
  ['edge1', 22, ED1],
  ['10.0.0.2', 2222, ED1],
  ['a.edge.example', 22, ED2],
  ['bad.edge.example', 22, ED2],
  ['edge7.lab', 22, ECDSA],
  ['10.0.0.3', 22, RSA],
  ['10.0.0.1', 22, ED3],
  ['x'.repeat(200), 22, ED1],
];

function entryProblem(e: KnownHostEntry, lines: number): string | undefined {
  if (typeof e.keyType !== 'string' || e.keyType === '' || !Buffer.isBuffer(e.key) || keyTypeOf(e.key) !== e.keyType)
    return 'key type does not match the blob';
  if (!Number.isInteger(e.line) || e.line < 1 || e.line > lines) return `line ${e.line} out of range`;
  if (e.marker !== undefined && e.marker !== 'revoked' && e.marker !== 'cert-authority') return `marker ${String(e.marker)}`;
  if ((e.hashed === undefined) === (e.patterns === undefined)) return 'neither (or both) hashed and patterns';
  if (e.hashed && (e.hashed.salt.length !== 20 || e.hashed.hash.length !== 20)) return 'hashed entry with a bad salt/hash';
  if (e.patterns && !e.patterns.every((p) => typeof p === 'string' && p !== '')) return 'an empty pattern';
  return undefined;
}

function checkKnownHosts(fam: Family, c: Mutated): void {
  const r = fam.call(c, 'parseKnownHosts', () => parseKnownHosts(c.text, 'kh'));
  if (!r) return;
  const lines = c.text.split(/\r?\n/);
  fam.check(c, Array.isArray(r.value), 'value is not an array');
  fam.issues(c, r.errors, 'known_hosts', lines.length);
  for (const e of r.value) {
    const problem = entryProblem(e, lines.length);
    fam.check(c, problem === undefined, `entry: ${problem ?? ''}`);
  }
  // every line that is not blank or a comment is an entry or an error, never both, never neither
  const meaningful = lines.map((l, k) => (l.trim() === '' || l.trim().startsWith('#') ? 0 : k + 1)).filter((k) => k > 0);
  const accounted = [...r.value.map((e) => e.line), ...r.errors.map((e) => e.line ?? 0)].sort((a, b) => a - b);
  fam.check(
    c,
    JSON.stringify(accounted) === JSON.stringify(meaningful),
    `lines ${JSON.stringify(meaningful)} but entries+errors name ${JSON.stringify(accounted)}`,
  );
  for (const [host, port, key] of khProbes) {
    const v = fam.call(c, `checkHostKey ${host}:${port}`, () => checkHostKey(r.value, host, port, Buffer.from(key, 'base64')));
    if (!v) continue;
    fam.check(c, VERDICTS.has(v.status), `verdict ${String(v.status)}`);
    if (v.status === 'trusted' || v.status === 'revoked')
      fam.check(c, /^SHA256:/.test(v.by.fingerprint) && v.by.file === 'kh', 'verdict without its fingerprint and file');
    if (v.status === 'mismatch') fam.check(c, v.expected.length > 0, 'mismatch without the expected keys');
  }
  for (const e of r.value.slice(0, 4))
    fam.call(c, 'entryMatches', () => entryMatches(e, c.rng.pick(['edge1', '[10.0.0.2]:2222', 'a.edge.example', 'é.example', ''])));
}

describe('fuzz: known_hosts parser', function () {
  this.timeout(60_000);

  it('unmutated files: every line an entry, the verdicts OpenSSH gives', () => {
    const [plain, hashed, crlf] = khSeeds.map((s) => parseKnownHosts(s.text, 'kh'));
    assert.ok(plain && hashed && crlf);
    assert.deepEqual([plain.errors, hashed.errors, crlf.errors], [[], [], []]);
    assert.deepEqual([plain.value.length, hashed.value.length, crlf.value.length], [7, 4, 3]);
    const verdict = (entries: readonly KnownHostEntry[], host: string, port: number, key: string): string =>
      checkHostKey(entries, host, port, Buffer.from(key, 'base64')).status;
    assert.equal(verdict(plain.value, 'edge1', 22, ED1), 'trusted');
    assert.equal(verdict(plain.value, '10.0.0.2', 2222, ED1), 'trusted');
    assert.equal(verdict(plain.value, '10.0.0.2', 22, ED1), 'unknown');
    assert.equal(verdict(plain.value, 'a.edge.example', 22, ED2), 'trusted');
    assert.equal(verdict(plain.value, 'bad.edge.example', 22, ED2), 'unknown');
    assert.equal(verdict(plain.value, 'edge7.lab', 22, ECDSA), 'trusted');
    assert.equal(verdict(plain.value, 'edge1', 22, ED2), 'mismatch');
    assert.equal(verdict(plain.value, '10.0.0.1', 22, ED3), 'revoked');
    assert.equal(verdict(hashed.value, 'edge1', 22, ED1), 'trusted');
    assert.equal(verdict(hashed.value, '10.0.0.2', 2222, ED1), 'trusted');
    assert.equal(verdict(hashed.value, '10.0.0.3', 22, ECDSA), 'trusted');
    assert.equal(verdict(crlf.value, 'fe80::1%eth0', 2200, ED2), 'trusted');
    assert.equal(verdict(crlf.value, 'edge9.example', 22, RSA), 'trusted');
    const fam = new Family('known_hosts seeds');
    for (const s of khSeeds) checkKnownHosts(fam, seedCase(s));
    assert.equal(fam.exceptions + fam.badResults + fam.reported, 0);
  });

  it('10,000 mutated files: no exception, every line accounted for, verdicts never throw', () => {
    const fam = new Family('known_hosts');
    for (let i = 0; i < 10_000; i++) {
      const c = lineCase(khSeeds, i, { runSeed: RUN_SEED + 2, tokens: khTokens });
      fam.input(c, () => checkKnownHosts(fam, c));
    }
    fam.done();
    assert.ok(fam.truncationsReported > 50, `bare truncations reported: ${fam.truncationsReported}`);
  });
});

// =============================================================================== ssh config

const HOME = '/home/ops';
/** a Match exec that would leave this file behind if it ever ran (a fixed path: the seeds, and so every case, are the same on every machine) */
const CANARY = '/tmp/ebpf-lens-fuzz-canary';
interface SshScenario {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
}
const sshScenarios: SshScenario[] = [
  {
    name: 'include',
    files: {
      [`${HOME}/.ssh/config`]: [
        '# ~/.ssh/config',
        'Include conf.d/*.conf',
        'Host edge-*',
        '  User ops',
        '  IdentityFile ~/.ssh/edge_ed25519',
        '  IdentitiesOnly yes',
        'Host bastion',
        '  HostName 203.0.113.10',
        '  Port 2200',
        '  User admin',
        'Host paris-1 paris-2',
        '  HostName %h.edge.example',
        '  ProxyJump bastion',
        `Match host *.lab exec "touch ${CANARY}"`,
        '  User hacked',
        'Host *',
        '  ServerAliveInterval 30',
        '  Port 22',
        '',
      ].join('\n'),
      [`${HOME}/.ssh/conf.d/10-edge.conf`]:
        'Host edge-paris-1\n  HostName 10.1.0.1\n  ProxyJump bastion\nInclude ~/.ssh/conf.d/nested.inc\n',
      [`${HOME}/.ssh/conf.d/20-lab.conf`]: 'Host lab1 lab2\n\tHostName=10.2.0.1\n\tUser "root"\n\tPort=2222\n',
      [`${HOME}/.ssh/conf.d/nested.inc`]:
        'Host edge-paris-2\n  HostName 10.1.0.2\n  IdentityFile ~/.ssh/paris\n  IdentityFile ~/.ssh/fallback\n',
      [`${HOME}/.ssh/conf.d/notes.txt`]: 'Host nope\n',
    },
  },
  {
    name: 'quoting',
    files: {
      [`${HOME}/.ssh/config`]: [
        'Host "edge one" edge-1 # trailing comment',
        '    HostName = 198.51.100.1',
        '    User=deploy',
        '    IdentityFile "~/.ssh/key with space"',
        '    ProxyJump none',
        'Host v6',
        '    HostName fe80::1',
        '    Port 22',
        'Host jump-*',
        '    ProxyJump admin@bastion.example:2200,ops@10.9.9.9',
        'Host jump-1',
        '    HostName 10.3.0.1',
        'Match originalhost jump-*',
        '    Port 2022',
        'Include /etc/ssh/ssh_config.d/*.conf',
        '',
      ].join('\n'),
      '/etc/ssh/ssh_config.d/50-system.conf': 'Host system-node\n  HostName 10.4.0.1\n',
    },
  },
  {
    name: 'loop',
    files: {
      [`${HOME}/.ssh/config`]: 'Include config\nHost a\n  HostName h\n',
    },
  },
];
/** the files the fuzzer mutates: all but the loop (Include tokens make loops of their own) and a file no Include reads */
const sshSeeds: Seed[] = sshScenarios
  .filter((s) => s.name !== 'loop')
  .flatMap((s) => Object.entries(s.files).map(([file, text]) => ({ name: `${s.name}:${file}`, text })))
  .filter((s) => !s.name.endsWith('.txt'));
// no CanonicalizeHostName / CanonicalDomains: ssh-config would run nslookup for them
const sshTokens = [
  'Host',
  'HostName',
  'User',
  'Port',
  'IdentityFile',
  'ProxyJump',
  'Include',
  'Match',
  'host',
  'exec',
  'all',
  'final',
  'originalhost',
  '*',
  '!',
  '!*',
  '"',
  '""',
  '"a b"',
  '=',
  '#',
  '\\',
  'none',
  '%h',
  '%%',
  '~',
  '~/',
  'conf.d/*.conf',
  'config',
  '[z-a]',
  '[!a]*',
  '**',
  '/etc/*',
  '0',
  '65536',
  '-1',
  '22abc',
  '10.0.0.1',
  '[::1]',
  'edge-9',
  'a@b',
  '-oProxyCommand=x',
  'Host\t*',
  'Match all',
  'Include conf.d/*.conf',
  'Include config',
];

function virtualFs(files: Readonly<Record<string, string>>): { readFile: (p: string) => string; listDir: (p: string) => string[] } {
  const enoent = (p: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  return {
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw enoent(p);
      return t;
    },
    listDir: (p) => {
      const dir = p.endsWith('/') ? p : `${p}/`;
      const names = new Set(
        Object.keys(files)
          .filter((f) => f.startsWith(dir))
          .map((f) => f.slice(dir.length).split('/')[0] ?? ''),
      );
      if (names.size === 0) throw enoent(p);
      return [...names];
    },
  };
}

function nodeProblem(n: NodeConfig): string | undefined {
  if (n.source !== 'sshConfig') return `source ${n.source}`;
  if (validateNodeName(n.name) !== undefined) return `node name ${JSON.stringify(n.name)} accepted`;
  if (validateHost(n.host) !== undefined) return `host ${JSON.stringify(n.host)} accepted`;
  if (n.user !== undefined && validateUser(n.user) !== undefined) return `user ${JSON.stringify(n.user)} accepted`;
  if (!Number.isInteger(n.port) || n.port < 1 || n.port > 65535) return `port ${n.port} accepted`;
  if (!Array.isArray(n.identityFiles) || !n.identityFiles.every((f) => typeof f === 'string' && f !== '')) return 'identity files';
  return undefined;
}

function checkSshConfig(fam: Family, c: Mutated, files: Readonly<Record<string, string>>): NodeConfig[] {
  const vfs = virtualFs(files);
  const r = fam.call(c, 'nodesFromSshConfig', () => nodesFromSshConfig({ home: HOME, ...vfs }));
  if (!r) return [];
  fam.check(c, Array.isArray(r.value), 'value is not an array');
  fam.issues(c, r.errors, 'ssh config');
  for (const n of r.value) {
    const problem = nodeProblem(n);
    fam.check(c, problem === undefined, problem ?? '');
  }
  fam.check(c, new Set(r.value.map((n) => n.name)).size === r.value.length, 'a node twice');
  // every node comes from a Host line of the config as Include expands it (checked on every other input)
  if (c.i % 2 === 1) return r.value;
  const errors: ParseIssue[] = [];
  const main = files[`${HOME}/.ssh/config`] ?? '';
  const expanded = fam.call(c, 'inlineIncludes', () => inlineIncludes(main, `${HOME}/.ssh`, HOME, vfs.readFile, vfs.listDir, errors));
  if (expanded !== undefined) {
    const hostLines = expanded
      .split(/\r?\n/)
      .filter((l) => /^\s*host\b/i.test(l))
      .join('\n');
    fam.check(
      c,
      r.value.every((n) => hostLines.includes(n.name)),
      'a node that no Host line names',
    );
  }
  return r.value;
}

describe('fuzz: ssh config parser (with Include)', function () {
  this.timeout(60_000);
  before(() => fs.rmSync(CANARY, { force: true }));
  after(() => fs.rmSync(CANARY, { force: true }));

  it('unmutated configs: the concrete hosts, computed, Include followed, Match exec never run', () => {
    const byName = (files: Readonly<Record<string, string>>, errors: RegExp[] = []): Map<string, NodeConfig> => {
      const r = nodesFromSshConfig({ home: HOME, ...virtualFs(files) });
      assert.equal(r.errors.length, errors.length, JSON.stringify(r.errors));
      errors.forEach((re, k) => assert.match(r.errors[k]?.message ?? '', re));
      return new Map(r.value.map((n) => [n.name, n]));
    };
    const [inc, quoting, loop] = sshScenarios;
    assert.ok(inc && quoting && loop);
    const a = byName(inc.files);
    assert.deepEqual([...a.keys()], ['edge-paris-1', 'edge-paris-2', 'lab1', 'lab2', 'bastion', 'paris-1', 'paris-2']);
    assert.deepEqual(
      [a.get('edge-paris-1')?.host, a.get('edge-paris-1')?.user, a.get('edge-paris-1')?.proxyJump, a.get('edge-paris-1')?.port],
      ['10.1.0.1', 'ops', 'bastion', 22],
    );
    assert.deepEqual(a.get('edge-paris-2')?.identityFiles, [`${HOME}/.ssh/paris`, `${HOME}/.ssh/fallback`, `${HOME}/.ssh/edge_ed25519`]);
    assert.deepEqual([a.get('lab1')?.host, a.get('lab1')?.user, a.get('lab1')?.port], ['10.2.0.1', 'root', 2222]);
    assert.deepEqual([a.get('bastion')?.port, a.get('paris-2')?.host], [2200, 'paris-2.edge.example']);
    // a quoted alias with a space is no node name: named, skipped
    const b = byName(quoting.files, [/host edge one: node name "edge one" is not allowed/]);
    assert.deepEqual([...b.keys()], ['edge-1', 'v6', 'jump-1', 'system-node']);
    assert.deepEqual([b.get('edge-1')?.host, b.get('edge-1')?.user, b.get('edge-1')?.proxyJump], ['198.51.100.1', 'deploy', undefined]);
    assert.deepEqual(
      [b.get('jump-1')?.proxyJump, b.get('jump-1')?.port, b.get('v6')?.port],
      ['admin@bastion.example:2200,ops@10.9.9.9', 2022, 22],
    );
    const l = nodesFromSshConfig({ home: HOME, ...virtualFs(loop.files) });
    assert.ok(l.errors.some((e) => /deeper than 16/.test(e.message)));
    assert.deepEqual(
      l.value.map((n) => n.name),
      ['a'],
    );
    assert.equal(fs.existsSync(CANARY), false);
  });

  it('10,000 mutated configs and included files: no exception, only valid nodes, bounded Include', () => {
    const fam = new Family('ssh config');
    let nodes = 0;
    for (let i = 0; i < 10_000; i++) {
      const c = lineCase(sshSeeds, i, { runSeed: RUN_SEED + 3, tokens: sshTokens });
      const sep = c.seed.indexOf(':');
      const scenario = sshScenarios.find((s) => s.name === c.seed.slice(0, sep));
      const files = { ...scenario?.files, [c.seed.slice(sep + 1)]: c.text };
      nodes += fam.input(c, () => checkSshConfig(fam, c, files)).length;
    }
    fam.done();
    assert.equal(fs.existsSync(CANARY), false, 'Match exec ran');
    assert.ok(nodes > 10_000, `only ${nodes} nodes over the run`);
    assert.ok(fam.truncationsReported > 0, 'no bare truncation reported');
  });
});

// =============================================================================== node lists (settings, config files)

describe('fuzz: node list validation (settings.json, config files)', function () {
  this.timeout(60_000);
  const seeds: Seed[] = [
    {
      name: 'settings.json',
      text: JSON.stringify({
        'ebpfLens.nodes': [
          {
            name: 'edge1',
            host: '10.0.0.1',
            user: 'root',
            identityFile: '~/.ssh/k',
            tags: ['paris', 'xdp'],
            scope: { pinPrefixes: ['/sys/fs/bpf/edge'], namePatterns: ['count_*'] },
          },
          { name: 'edge2', host: 'edge2.example', port: 2222, sudo: true, proxyJump: 'edge1' },
          { name: 'v6', host: 'fe80::1', identityFiles: ['/k1', '/k2'], sudo: 'never', proxyJump: 'ops@[2001:db8::1]:2200' },
        ],
        'ebpfLens.knownHostsFiles': ['/etc/ssh/ssh_known_hosts'],
      }),
    },
    {
      name: 'nodes.json',
      text: '[{"name":"lab1","host":"10.2.0.1","port":2201,"tags":"lab"},{"name":"lab2","host":"10.2.0.2","sudo":"always"}]',
    },
  ];

  it('3,000 mutated node lists: no exception, only valid nodes accepted', () => {
    assert.deepEqual(parseConfigFile(seeds[0]?.text ?? '').errors, []);
    assert.deepEqual(
      parseConfigFile(seeds[0]?.text ?? '').value.nodes.map((n) => n.name),
      ['edge1', 'edge2', 'v6'],
    );
    assert.deepEqual(
      parseConfigFile(seeds[1]?.text ?? '').value.nodes.map((n) => [n.name, n.port, n.sudo]),
      [
        ['lab1', 2201, 'auto'],
        ['lab2', 22, 'always'],
      ],
    );
    const fam = new Family('node lists');
    const keys = [...new Set([...seeds.flatMap((s) => keysOf(s.text)), ...NASTY_KEYS, 'identityFiles', 'nodes'])];
    for (let i = 0; i < 3000; i++) {
      const c = jsonCase(seeds, i, { runSeed: RUN_SEED + 4, keys });
      fam.inputs++;
      const r = fam.call(c, 'parseConfigFile', () => parseConfigFile(c.text));
      if (r) {
        fam.issues(c, r.errors, 'config file');
        for (const n of r.value.nodes) {
          const problem = nodeProblem({ ...n, source: 'sshConfig' });
          fam.check(c, problem === undefined && n.source === 'configFile', problem ?? n.source);
        }
      }
      let doc: unknown;
      try {
        doc = JSON.parse(c.text);
      } catch {
        continue;
      }
      const list = isRecord(doc) ? (doc['ebpfLens.nodes'] ?? doc['nodes']) : doc;
      const p = fam.call(c, 'parseNodes', () => parseNodes(list, 'settings'));
      if (p) {
        fam.issues(c, p.errors, 'nodes', Array.isArray(list) ? list.length : Infinity);
        fam.check(
          c,
          p.value.every((n) => nodeProblem({ ...n, source: 'sshConfig' }) === undefined),
          'an invalid node accepted',
        );
        if (Array.isArray(list))
          fam.check(
            c,
            p.value.length + p.errors.length === list.length,
            `${list.length} entries but ${p.value.length} nodes + ${p.errors.length} errors`,
          );
      }
    }
    fam.done();
  });
});

// =============================================================================== more parsers of node output

describe('fuzz: more parsers of node output (stderr, xlated, symbols, sources, snapshots)', function () {
  this.timeout(60_000);

  it('bpftrace stderr: 3,000 mutated, no exception, diagnostics well formed', () => {
    const seeds: Seed[] = [
      {
        name: 'stderr 0.17',
        text: [
          'ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem',
          '/tmp/ebpf-lens-AbC123.run:2:3-5: ERROR: syntax error, unexpected map, expecting }',
          '  @a = count(;',
          '  ~~',
          '/tmp/ebpf-lens-AbC123.run:4-6: WARNING: something spans lines',
          'stdin:1:1-12: ERROR: Invalid probe type: kprobe2',
        ].join('\n'),
      },
      {
        name: 'stderr attach',
        text: "/tmp/x.run:1-2: WARNING: do_sys_open is not traceable\ncreate_probe_event: open(/sys/kernel/debug/tracing/kprobe_events): No such file or directory\nERROR: Error attaching probe: 'kprobe:do_sys_open'\n",
      },
      { name: 'stderr kfunc', text: 'Attaching 1 probe...\nERROR: kfunc/kretfunc not available for your kernel version.\n' },
    ];
    const fam = new Family('bpftrace stderr');
    for (let i = 0; i < 3000; i++) {
      const c = lineCase(seeds, i, {
        runSeed: RUN_SEED + 5,
        tokens: [
          'ERROR:',
          'WARNING:',
          'stdin:1:2-3:',
          '/tmp/ebpf-lens-x.run:9:',
          '  ~~~',
          'No such file or directory',
          'uprobe_events',
          "Error attaching probe: 'uprobe:",
          'not supported',
        ],
      });
      fam.inputs++;
      const r = fam.call(c, 'parseStderr', () => parseStderr(c.text, c.i % 2 ? '/tmp/ebpf-lens-AbC123' : undefined));
      if (!r) continue;
      for (const d of r.diagnostics) {
        const ok =
          (d.severity === 'error' || d.severity === 'warning') &&
          typeof d.message === 'string' &&
          [d.line, d.col, d.endLine, d.endCol].every((n) => n === undefined || (Number.isFinite(n) && n >= 0));
        fam.check(c, ok, () => `diagnostic ${JSON.stringify(d)}`);
      }
      fam.reported += r.diagnostics.length;
      fam.check(
        c,
        r.other.every((l) => typeof l === 'string'),
        'other lines',
      );
      fam.check(
        c,
        r.unavailable === undefined || (typeof r.unavailable.probeType === 'string' && typeof r.unavailable.message === 'string'),
        'unavailable',
      );
    }
    fam.done();
  });

  it('xlated dumps: 3,000 mutated, normalised and read for helper calls without exception', () => {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'xlated');
    const seeds: Seed[] = fs
      .readdirSync(dir)
      .sort()
      .map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
    const clean = helperCalls(seeds.find((s) => s.name === 'counter_v1.linum.7.1.txt')?.text ?? '');
    assert.ok(clean.some((h) => h.name === 'bpf_get_current_pid_tgid' && h.placement === 'straight' && h.line === 15));
    const fam = new Family('xlated');
    const tokens = [
      'call pc+2',
      'call pc-1',
      'goto pc-2',
      'goto pc+99999999999',
      'may_goto pc+0',
      'exit',
      'map[id:1]',
      'call bpf_x#-5',
      '(85)',
      '(95)',
      '0xffff888812345678',
      '; x [file:a.c line_num:1]',
      '; y @ b.c:9',
    ];
    for (let i = 0; i < 3000; i++) {
      const c = lineCase(seeds, i, { runSeed: RUN_SEED + 6, tokens });
      fam.inputs++;
      const n = fam.call(c, 'normalizeXlated', () => normalizeXlated(c.text, (id) => (id % 2 ? `map_${id}` : undefined)));
      fam.check(c, n === undefined || typeof n === 'string', 'normalised text');
      for (const text of [c.text, n ?? '']) {
        const h = fam.call(c, 'helperCalls', () => helperCalls(text));
        fam.check(
          c,
          h === undefined ||
            h.every((x) => typeof x.name === 'string' && Number.isFinite(x.insn) && ['straight', 'branch', 'loop'].includes(x.placement)),
          'helper calls',
        );
      }
    }
    fam.done();
  });

  it('symbols: 4,000 mutated listings and mangled names, demangled without exception', () => {
    const seeds: Seed[] = [
      {
        name: 'bpftrace -l',
        text: 'uprobe:/opt/app/bin/app:main\nuprobe:/opt/app/bin/app:hot\nuprobe:/opt/app/bin/app:_ZN4edge4Pool3putEi\n\nuprobe:/real/path/app:cold\nuprobe:/opt/app/bin/app:cpp:edge::Pool::put\n',
      },
      {
        name: 'nm',
        text: '0000000000001139 T hot\n0000000000001150 t cold\n                 U printf@GLIBC_2.2.5\n0000000000004010 D data\n0000000000001200 W weak@@V1\n',
      },
      {
        name: 'mangled',
        text: [
          '_ZN4edge3net4Pool3putEi',
          '_ZNK4edge4Pool3getEv',
          '_ZN4edge4PoolC2Ev',
          '_ZN4edge4PoolD1Ev',
          '_Z5twiceIiET_S0_',
          '_ZeqRKN4edge4PoolES2_',
          '_ZNSt6vector4sizeEv',
          '_ZN7edgeapp3hot17h0123456789abcdefE',
          '_ZN52_$LT$edgeapp..Server$u20$as$u20$edgeapp..Handler$GT$6handle17h0123456789abcdefE',
          'main.(*Server).Serve',
          'github.com/acme/edge/pkg.hot',
          'hot.isra.0',
          'cold.part.1',
        ].join('\n'),
      },
    ];
    const fam = new Family('symbols');
    const tokens = [
      '_Z',
      '_ZN',
      'N',
      'E',
      'I',
      'S_',
      'St',
      'C1',
      'D0',
      '99999999999999999999',
      '0',
      'L',
      '$LT$',
      '$u20$',
      '..',
      'uprobe:',
      'uprobe:/opt/app/bin/app:',
      'cpp:',
      'T',
      't',
    ];
    for (let i = 0; i < 4000; i++) {
      const c = lineCase(seeds, i, { runSeed: RUN_SEED + 7, tokens });
      fam.inputs++;
      const lines = c.text.split('\n');
      const u = fam.call(c, 'uprobeSymbols', () => uprobeSymbols(lines, '/opt/app/bin/app'));
      const nm = fam.call(c, 'nmSymbols', () => nmSymbols(c.text));
      fam.check(
        c,
        (u === undefined || u.every((s) => typeof s === 'string' && s !== '')) &&
          (nm === undefined || nm.every((s) => typeof s === 'string')),
        'symbol lists',
      );
      for (const sym of lines.slice(0, 20)) {
        const d = fam.call(c, 'demanglePath', () => demanglePath(sym));
        const p = fam.call(c, 'symbolPath', () => symbolPath(sym));
        fam.check(
          c,
          (d === undefined || d.every((x) => typeof x === 'string')) && (p === undefined || p.every((x) => typeof x === 'string')),
          'name paths',
        );
      }
    }
    fam.done();
  });

  it('source files: 1,200 mutated C/C++/Rust/Go sources, functions found within the text', () => {
    const lab = path.join(repoRoot, 'test', 'lab', 'src');
    const seeds: Seed[] = [
      ...['counter_v1.bpf.c', 'xdp_count.bpf.c', 'edgeapp.c'].map((f) => ({
        name: `c:${f}`,
        text: fs.readFileSync(path.join(lab, f), 'utf8'),
      })),
      {
        name: 'cpp:pool',
        text: 'namespace edge { class Pool { public: Pool() : n_(0) {} int get() const { return n_; } void put(int); private: int n_; };\nvoid Pool::put(int x) { n_ += x; }\ntemplate <typename T> T twice(T v) { return v + v; } }\nbool operator==(const edge::Pool &, const edge::Pool &) { return true; }\nconst char *raw = R"x(int fake() { })x";\n',
      },
      {
        name: 'rust:server',
        text: "pub fn hot(x: u32) -> u32 { x * 3 + 1 }\nfn cold<'a>(s: &'a str) -> &'a str { let _c = '{'; s }\nimpl Handler for Server { fn handle(&self) { } }\nconst S: &str = r#\"fn raw() { }\"#;\n/* fn commented() { /* nested */ } */\n",
      },
      {
        name: 'go:main',
        text: 'package main\n\nfunc hot(x int) int { return x*3 + 1 }\n\nfunc (s *Server) Serve() error {\n\tf := func() {}\n\tf()\n\treturn nil\n}\nvar raw = `func fake() {}`\n',
      },
    ];
    const fam = new Family('source files');
    const tokens = [
      '{',
      '}',
      '(',
      ')',
      '/*',
      '*/',
      '//',
      '"',
      "'",
      '`',
      'r#"',
      'R"x(',
      'SEC("xdp")',
      'int f(void)',
      'fn',
      'func',
      'impl',
      'namespace',
      'template <',
      '#define',
      '\\',
    ];
    for (let i = 0; i < 1200; i++) {
      const c = lineCase(seeds, i, { runSeed: RUN_SEED + 8, tokens });
      fam.inputs++;
      const lang = c.seed.slice(0, c.seed.indexOf(':')) as SourceLanguage;
      for (const l of new Set<SourceLanguage>([lang, c.rng.pick(['c', 'cpp', 'rust', 'go'] as const)])) {
        const f = fam.call(c, `findFunctions ${l}`, () => findFunctions(c.text, l));
        fam.check(
          c,
          f === undefined ||
            f.every(
              (x) =>
                x.nameStart >= 0 &&
                x.nameEnd <= c.text.length &&
                x.start <= x.nameStart &&
                x.end >= x.nameEnd &&
                typeof x.qualified === 'string',
            ),
          `${l}: a function outside the text`,
        );
      }
    }
    fam.done();
  });

  it('snapshot files: 3,000 mutated, a snapshot or an error string', () => {
    const program = (name: string, id: number, xlated: string): SnapshotProgram => ({
      id,
      name,
      type: 'xdp',
      tag: '0afa56fcd9325709',
      loadedAt: '2026-11-25T10:00:00.000Z',
      maps: [{ id: 26, name: 'rx_packets', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, pinned: [] }],
      attach: [{ kind: 'link:xdp', target: 'eth0' }],
      pinned: ['/sys/fs/bpf/edge/xdp/prog_xdp_count'],
      owners: [{ pid: 812, comm: 'lab-load' }],
      metadata: {},
      xlatedHash: hashText(xlated),
      xlated,
    });
    const programs = [
      program('xdp_count', 106, '   0: (b7) r0 = 2\n   1: (95) exit\n'),
      program('count_writes', 100, '   0: (85) call bpf_get_current_pid_tgid\n   1: (95) exit\n'),
    ];
    const snap: Snapshot = {
      version: 1,
      node: 'edge1',
      takenAt: '2026-11-25T10:00:00.000Z',
      kernel: '6.1.0-28-amd64',
      bootId: 'b1',
      bpftoolVersion: '7.1.0',
      contentHash: contentHash(programs),
      programs,
      transient: 0,
      note: 'before v2',
    };
    const seeds: Seed[] = [{ name: 'snapshot', text: JSON.stringify(snap, null, 2) }];
    const parsedSeed = parseSnapshot(seeds[0]?.text ?? '');
    assert.ok('snapshot' in parsedSeed && parsedSeed.snapshot.programs.length === 2);
    const fam = new Family('snapshot files');
    const keys = [...new Set([...keysOf(seeds[0]?.text ?? ''), ...NASTY_KEYS])];
    for (let i = 0; i < 3000; i++) {
      const c = jsonCase(seeds, i, { runSeed: RUN_SEED + 9, keys });
      fam.inputs++;
      const r = fam.call(c, 'parseSnapshot', () => parseSnapshot(c.text));
      if (!r) continue;
      if ('error' in r) {
        fam.check(c, typeof r.error === 'string' && r.error !== '', 'an error that is not a message');
        fam.reported++;
      } else
        fam.check(
          c,
          typeof r.snapshot.node === 'string' &&
            Array.isArray(r.snapshot.programs) &&
            r.snapshot.programs.every((p) => typeof p.xlatedHash === 'string'),
          'a snapshot without its fields',
        );
    }
    fam.done();
  });
});

// =============================================================================== what the fuzzer found

describe('fuzz findings (regressions)', () => {
  it('bpftool: a field JSON cannot turn into text ({"toString": 1}, [[[…]]] 20,000 deep) is named, not thrown', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const progs = parseProgShow(`[{"id": 7, "type": {"toString": 1}}, {"id": 8, "type": ${deep}}, {"id": 9, "type": "xdp"}]`);
    assert.deepEqual(progs.errors, []);
    assert.deepEqual(
      progs.value.map((p) => p.type),
      ['type [object Object]', 'type [object Array]', 'xdp'],
    );
    assert.equal(parseProgShow('[{"id": 1, "type": 5}]').value[0]?.type, 'type 5', 'what String() could print stays as it was');
    assert.equal(parseMapShow('[{"id": 2, "type": {"valueOf": null, "toString": "x"}}]').value[0]?.type, 'type [object Object]');
    const links = parseLinkShow(
      '[{"id": 1, "type": {"toString": 1}, "pf": {"toString": 1}, "hook": [{"toString": 1}]}, {"id": 2, "type": "perf_event", "event_type": "cpu-clock", "event_config": {"toString": 1}}]',
    );
    assert.deepEqual(
      links.value.map((l) => l.target),
      ['netfilter [object Object] [object Array] prio ?', 'cpu-clock [object Object]'],
    );
    assert.deepEqual(
      parseLinkShow('[{"id": 3, "type": "netfilter", "pf": "ipv4", "hook": "prerouting", "prio": -128}]').value[0]?.target,
      'netfilter ipv4 prerouting prio -128',
    );
  });

  it('glob: a bracket range out of order matches nothing instead of throwing (Include conf.d/[z-a]*)', () => {
    assert.equal(globMatch('[z-a]', 'b'), false);
    assert.equal(globMatch('x[z-a]*', 'xa'), false);
    assert.equal(globMatch('[a-z]*', 'bpf'), true);
    assert.equal(globMatch('[!a-c]', 'd'), true);
    const r = nodesFromSshConfig({
      home: HOME,
      ...virtualFs({
        [`${HOME}/.ssh/config`]: 'Include conf.d/[z-a]*\nHost a\n  HostName h\n',
        [`${HOME}/.ssh/conf.d/b.conf`]: 'Host b\n',
      }),
    });
    assert.deepEqual([r.value.map((n) => n.name), r.errors], [['a'], []]);
  });

  it('ssh config: what ssh-config throws on (an unclosed quote, Match without a value) is a reported error', () => {
    for (const [text, why] of [
      ['Host "edge one\n  HostName h\n', /not a valid ssh config: Unexpected line break/],
      ['Host a\n  HostName "h\n', /not a valid ssh config: Unexpected line break/],
      ['Match user\n  Port 2\nHost a\n', /not a valid ssh config: Missing value for match criteria user/],
      ['Host ""\n', /not a valid ssh config/],
    ] as const) {
      const r = nodesFromSshConfig({ home: HOME, ...virtualFs({ [`${HOME}/.ssh/config`]: text }) });
      assert.deepEqual(r.value, [], text);
      assert.equal(r.errors.length, 1, text);
      assert.match(r.errors[0]?.message ?? '', why);
      assert.match(r.errors[0]?.message ?? '', /^\/home\/ops\/\.ssh\/config: /);
    }
  });

  it('ssh config: a directive without a value does not take the next line as its value', () => {
    const nodes = (text: string): Parsed<NodeConfig[]> =>
      nodesFromSshConfig({ home: HOME, ...virtualFs({ [`${HOME}/.ssh/config`]: text }) });
    // ssh: `Host` alone is a block for no host; before, its next line made hosts "HostName" and "10.4.0.1"
    const host = nodes('Host a\n  HostName 10.0.0.1\nHost \n  HostName 10.4.0.1\n  Port 2\n');
    assert.deepEqual([host.value.map((n) => [n.name, n.host, n.port]), host.errors], [[['a', '10.0.0.1', 22]], []]);
    assert.deepEqual(
      nodes('Host=\r  HostName x\rHost b\n').value.map((n) => n.name),
      ['b'],
    );
    // ssh refuses any other directive without a value; before, `User` took "Port 2222" as the user name
    for (const text of [
      'Host a\n  User\n  Port 2222\n',
      'Host a\n  IdentityFile \n  Port 2\n',
      'Host a\n  ProxyJump =\n  User x\n',
      'Host a\n =\n  User x\n',
    ]) {
      const r = nodes(text);
      assert.deepEqual(r.value, [], text);
      assert.match(r.errors[0]?.message ?? '', /not a valid ssh config: (User|IdentityFile|ProxyJump|=) without a value/, text);
    }
    assert.equal(nodes('Host a\n  User ops # the deploy user\n').value[0]?.user, 'ops', 'a value is still a value');
  });

  it('ssh config: an Include that multiplies (a file including itself three times) stops after 1,024 files, at once', () => {
    const t0 = performance.now();
    const r = nodesFromSshConfig({
      home: HOME,
      ...virtualFs({ [`${HOME}/.ssh/config`]: 'Include config\nInclude config\nInclude config\nHost a\n  HostName h\n' }),
    });
    assert.ok(performance.now() - t0 < 2000, `took ${(performance.now() - t0).toFixed(0)} ms (3^16 files before)`);
    assert.deepEqual(
      r.value.map((n) => n.name),
      ['a'],
    );
    assert.equal(r.errors.filter((e) => /more than 1024 files included/.test(e.message)).length, 1);
    // a long but finite chain is read to its end
    const chain: Record<string, string> = { [`${HOME}/.ssh/config`]: 'Include c1\n' };
    for (let k = 1; k <= 15; k++) chain[`${HOME}/.ssh/c${k}`] = `${k < 15 ? `Include c${k + 1}\n` : ''}Host n${k}\n`;
    assert.deepEqual(nodesFromSshConfig({ home: HOME, ...virtualFs(chain) }).value.length, 15);
  });

  it('known_hosts: wildcard patterns match in linear time, exactly as the RegExp did', () => {
    const entry = (p: string): KnownHostEntry => ({ patterns: [p], keyType: 'ssh-ed25519', key: Buffer.from(ED1, 'base64'), line: 1 });
    const t0 = performance.now();
    assert.equal(entryMatches(entry(`${'*'.repeat(30)}x`), '[10.0.0.1]:2222'), false);
    assert.equal(entryMatches(entry(`${'*a'.repeat(12)}b`), 'a'.repeat(60)), false);
    assert.equal(entryMatches(entry(`${'*a'.repeat(12)}*`), 'a'.repeat(60)), true);
    assert.ok(performance.now() - t0 < 100, `took ${(performance.now() - t0).toFixed(0)} ms (minutes as a RegExp)`);
    // the RegExp it replaces, as the reference, on random patterns with few enough stars to run
    const regexp = (pattern: string, s: string): boolean =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ).test(s);
    const alphabet = [
      'a',
      'A',
      'b',
      'B',
      '.',
      '-',
      ':',
      '[',
      ']',
      '*',
      '*',
      '?',
      'ß',
      'ẞ',
      'ı',
      'I',
      'i',
      'İ',
      'k',
      'K',
      '\u212a',
      'é',
      'É',
      'ſ',
      's',
      'S',
      '\n',
      '\r',
      '\u2028',
      '\ud800',
      '\u00b5',
      '\u039c',
      '\u03bc',
    ];
    const rng = caseRng(RUN_SEED, 0);
    const word = (n: number): string => Array.from({ length: rng.int(n) }, () => rng.pick(alphabet)).join('');
    for (let k = 0; k < 10_000; k++) {
      const p = word(8).replace(/^!+/, '');
      const s = rng.chance(0.3) ? p.replace(/[*?]/g, () => word(3)) : word(8);
      assert.equal(entryMatches(entry(p), s), regexp(p, s), `pattern ${JSON.stringify(p)} name ${JSON.stringify(s)}`);
    }
  });

  it('Go sources: a function whose body is not closed yet (a file being typed) ends at the end of the text, instead of looping until out of memory', () => {
    const text = 'package main\n\nfunc hot(x int) int { return x*3 + 1 }\n\nfunc (s *Server) Serve() error {\n\tf()\n';
    const f = findFunctions(text, 'go');
    assert.deepEqual(
      f.map((x) => [x.qualified, x.end]),
      [
        ['hot', text.indexOf('}') + 1],
        ['(*Server).Serve', text.trimEnd().length],
      ],
    );
    for (const lang of ['c', 'cpp', 'rust'] as const)
      assert.equal(
        findFunctions('int f(void) {\n fn g() {\n', lang).every((x) => x.end <= 26),
        true,
      );
  });

  it('node lists: a port nested too deep to print is a problem, not a RangeError', () => {
    const deep = JSON.parse(`${'['.repeat(20_000)}1${']'.repeat(20_000)}`) as unknown;
    const r = parseNodes(
      [
        { name: 'a', host: 'h', port: deep },
        { name: 'b', host: 'h', port: 22 },
      ],
      'settings',
    );
    assert.deepEqual(
      r.value.map((n) => n.name),
      ['b'],
    );
    assert.match(r.errors[0]?.message ?? '', /port \[…\] must be an integer/);
    assert.match(parseNodes([{ name: 'a', host: 'h', port: '22' }], 'settings').errors[0]?.message ?? '', /port "22" must be an integer/);
  });
});
