import * as assert from 'node:assert/strict';
import { analyze } from '../../src/core/bpftrace/analysis';
import { mapAggregations, probeBlocks, standaloneProbe } from '../../src/core/bpftrace/blocks';
import { InputError } from '../../src/core/base/errors';
import { SNIPPETS, btString, buildSnippet, checkParam } from '../../src/core/trace/library';
import { compareMaps, compareMarkdown, mergeResults, percentileBucket } from '../../src/core/trace/merge';
import type { HistBucket, MapSnapshot } from '../../src/core/trace/output';

/** Sample parameters for every snippet (as a user would give them). */
export const SAMPLE: Record<string, Record<string, string>> = {
  'uprobe-calls': { binary: '/usr/bin/edgeapp', pattern: 'h*' },
  'uprobe-latency': { binary: '/usr/bin/edgeapp', function: 'hot' },
  'syscalls-by-process': { comm: 'nginx' },
  'read-write-sizes': { pid: '42' },
  'profile-stacks': { pid: '42' },
};

describe('probe blocks and standalone probes (CodeLens)', () => {
  const text =
    '#include <linux/sched.h>\nconfig = { max_strlen = 64 }\nBEGIN { printf("hi\\n"); }\n\nkprobe:a,\n  kprobe:b { @n = count(); }\nmacro m() { 1 }\nEND { print(@n); }\n';
  it('one block per probe with its line and attach points', () => {
    const b = probeBlocks(text);
    assert.deepEqual(
      b.map((x) => [x.line, x.label]),
      [
        [2, 'BEGIN'],
        [4, 'kprobe:a, kprobe:b'],
        [7, 'END'],
      ],
    );
  });
  it('a standalone probe keeps includes, config and macros, and only that probe', () => {
    const s = standaloneProbe(text, 1) ?? '';
    assert.equal(s, '#include <linux/sched.h>\nconfig = { max_strlen = 64 }\nkprobe:a,\n  kprobe:b { @n = count(); }\nmacro m() { 1 }\n');
    assert.equal(standaloneProbe('BEGIN { oops( }', 0), undefined);
  });
  it('aggregations per map: count, sum (+=), hist, stats, ++, plain values, mixed', () => {
    const a = mapAggregations(
      'BEGIN { @c = count(); @s += 5; @h[comm] = hist(1); @st = stats(2); @i++; @v = 3; @m = count(); @m = 1; @l = lhist(1, 0, 10, 1); @a = avg(3); }',
    );
    assert.deepEqual(Object.fromEntries(a), {
      '@c': 'count',
      '@s': 'sum',
      '@h': 'hist',
      '@st': 'stats',
      '@i': 'count',
      '@v': 'value',
      '@m': 'value',
      '@l': 'lhist',
      '@a': 'avg',
    });
  });
});

describe('the one-liner library', () => {
  for (const s of SNIPPETS) {
    it(`${s.id}: builds a script with no error for bpftrace 0.17`, () => {
      const text = buildSnippet(s.id, SAMPLE[s.id] ?? {});
      const errors = analyze(text, { target: [0, 17] }).diagnostics.filter((d) => d.severity !== 'info');
      assert.deepEqual(errors, [], text);
    });
  }
  it('parameters are checked and written as literals: nothing can change the script', () => {
    assert.equal(btString('a"b\\c'), '"a\\"b\\\\c"');
    const s = buildSnippet('syscalls-by-process', { comm: 'x" } BEGIN { sy' });
    assert.match(s, /comm == "x\\" \} BEGIN \{ sy"/);
    assert.equal(analyze(s).symbols.probes.length, 2);
    assert.throws(() => buildSnippet('uprobe-calls', { binary: '/bin/sh:x', pattern: 'a' }), InputError);
    assert.throws(() => buildSnippet('uprobe-calls', { binary: '/bin/sh', pattern: 'a{' }), /not a function name or a wildcard pattern/);
    assert.throws(() => buildSnippet('uprobe-calls', { pattern: 'a' }), /binary is required/);
    assert.throws(() => buildSnippet('opensnoop', { nope: '1' }), /has no parameter "nope"/);
    assert.throws(() => buildSnippet('nope', {}), /no snippet/);
    assert.equal(checkParam('pid', '0'), 'a process id: a whole number from 1 to 4194304');
    assert.equal(checkParam('comm', 'a\nb') !== undefined, true);
  });
});

const hist = (counts: Record<string, number>): HistBucket[] =>
  Object.entries(counts).map(([k, count]) => {
    const [min, max] = k.split('-').map(Number);
    return { min: min as number, max: max as number, count };
  });
const m = (
  name: string,
  entries: [string | null, MapSnapshot['entries'][number]['value']][],
  kind: MapSnapshot['kind'] = 'map',
): MapSnapshot => ({
  name,
  kind,
  keyed: entries.some(([k]) => k !== null),
  entries: entries.map(([key, value]) => ({ key, value })),
});

describe('fleet merge', () => {
  it('counts add up, min/max take the extreme, histograms add by bucket, stats recompute, plain values stay per node', () => {
    const aggs = mapAggregations(
      'BEGIN { @c[comm] = count(); @lo = min(1); @hi = max(1); @h = hist(1); @st = stats(1); @v = 1; @a = avg(1); }',
    );
    const merged = mergeResults(
      [
        {
          node: 'n1',
          maps: [
            m('@c', [
              ['a', 2],
              ['b', 5],
            ]),
            m('@lo', [[null, 7]]),
            m('@hi', [[null, 7]]),
            m('@h', [[null, hist({ '0-0': 1, '1-1': 2 })]], 'hist'),
            m('@st', [[null, { count: 2, average: 5, total: 10 }]], 'stats'),
            m('@v', [[null, 1]]),
            m('@a', [[null, 10]]),
          ],
        },
        {
          node: 'n2',
          maps: [
            m('@c', [['a', 3]]),
            m('@lo', [[null, 3]]),
            m('@hi', [[null, 3]]),
            m('@h', [[null, hist({ '1-1': 4, '2-3': 1 })]], 'hist'),
            m('@st', [[null, { count: 3, average: 30, total: 90 }]], 'stats'),
            m('@v', [[null, 2]]),
            m('@a', [[null, 20]]),
          ],
        },
      ],
      aggs,
    );
    const by = Object.fromEntries(merged.map((x) => [x.name, x]));
    assert.deepEqual(by['@c']?.entries, [
      { key: 'a', value: 5 },
      { key: 'b', value: 5 },
    ]);
    assert.equal(by['@lo']?.entries[0]?.value, 3);
    assert.equal(by['@hi']?.entries[0]?.value, 7);
    assert.deepEqual(by['@h']?.entries[0]?.value, hist({ '0-0': 1, '1-1': 6, '2-3': 1 }));
    assert.deepEqual(by['@st']?.entries[0]?.value, { count: 5, total: 100, average: 20 });
    assert.deepEqual(by['@v']?.entries, [
      { key: 'n1', value: 1 },
      { key: 'n2', value: 2 },
    ]);
    assert.match(by['@v']?.note ?? '', /per node/);
    assert.equal(by['@a']?.entries[0]?.value, 15);
    assert.match(by['@a']?.note ?? '', /unweighted/);
  });
});

describe('compare runs', () => {
  it('scalar deltas sorted by size, keys only on one side, percent change', () => {
    const d = compareMaps(
      [
        m('@c', [
          ['a', 10],
          ['b', 5],
        ]),
      ],
      [
        m('@c', [
          ['a', 12],
          ['c', 30],
        ]),
      ],
    );
    assert.deepEqual(
      d[0]?.keys.map((k) => [k.key, k.before, k.after, k.delta]),
      [
        ['c', undefined, 30, 30],
        ['b', 5, undefined, -5],
        ['a', 10, 12, 2],
      ],
    );
    assert.equal(d[0]?.keys[2]?.change?.toFixed(2), '0.20');
  });
  it('histograms: bucket deltas, totals, p50/p99 buckets; maps only in one run', () => {
    const before = hist({ '0-0': 90, '1-1': 10 });
    const after = hist({ '0-0': 10, '1-1': 10, '2-3': 80 });
    const d = compareMaps([m('@h', [[null, before]], 'hist'), m('@gone', [[null, 1]])], [m('@h', [[null, after]], 'hist')]);
    const h = d[0]?.hists[0];
    assert.deepEqual(
      h?.buckets.map((b) => [b.label, b.before, b.after, b.delta]),
      [
        ['[0]', 90, 10, -80],
        ['[1]', 10, 10, 0],
        ['[2, 4)', 0, 80, 80],
      ],
    );
    assert.deepEqual(h?.p50, ['[0]', '[2, 4)']);
    assert.equal(d[1]?.only, 'before');
    assert.equal(percentileBucket([], 50), undefined);
    const md = compareMarkdown(d, ['before', 'after']);
    assert.match(md, /\| \[2, 4\) \| 0 \| 80 \| \+80 \|/);
    assert.match(md, /### @gone \(only before\)/);
  });
});
