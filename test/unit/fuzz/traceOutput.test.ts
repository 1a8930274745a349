/** Fuzz: bpftrace's NDJSON output, as it streams in, into the bounded results (src/core/trace). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ParseIssue } from '../../../src/core/base/result';
import { OutputParser } from '../../../src/core/trace/output';
import type { TraceRecord } from '../../../src/core/trace/output';
import { TraceResults } from '../../../src/core/trace/results';
import type { Mutated, Seed } from '../../support/mutate';
import { NASTY_KEYS, chunks, keysOf, lineCase } from '../../support/mutate';
import { fixture } from '../paths';
import { Family, RUN_SEED, isRecord, sameTree, seedCase } from './family';

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
