import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bpfAnnotations, matchPrograms, sameProgramName } from '../../src/core/annotate/bpf';
import type { SourceFunction } from '../../src/core/annotate/functions';
import { findFunctions } from '../../src/core/annotate/functions';
import { helperCalls } from '../../src/core/annotate/helpers';
import { countAnnotations, countScript, planCounts, readCounts } from '../../src/core/annotate/measure';
import { HEAT_BUCKETS, heatBucket, hoverMarkdown, lineText, reanchor, withShares } from '../../src/core/annotate/model';
import { HITS_MAP, NOW_MAP, T0_MAP, instrumentProbes, probeHits, probeWindowSec } from '../../src/core/annotate/probeHits';
import {
  attachPlan,
  demanglePath,
  matchFunctions,
  nmSymbols,
  symbolPath,
  uprobeSymbols,
  wildcardMatch,
} from '../../src/core/annotate/symbols';
import { parse } from '../../src/core/bpftrace/parser';
import type { NodeListing } from '../../src/core/nodes/listing';
import type { MapSnapshot } from '../../src/core/trace/output';
import { OutputParser } from '../../src/core/trace/output';
import { TraceResults } from '../../src/core/trace/results';
import { repoRoot } from './paths';

const fixture = (name: string): string => fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'xlated', name), 'utf8');
const fn = (name: string, qualified = name, section?: string): SourceFunction => ({
  name,
  qualified,
  nameStart: 0,
  nameEnd: name.length,
  start: 0,
  end: name.length,
  ...(section ? { section } : {}),
});
const mapsOf = (ndjson: string): MapSnapshot[] => {
  const r = new TraceResults();
  const p = new OutputParser();
  for (const rec of p.push(ndjson)) r.add(rec, 0);
  return [...r.snapshot().maps];
};

describe('annotations: symbols of a binary', () => {
  it('reads a bpftrace -l uprobe listing (and nm output)', () => {
    const lines = [
      'uprobe:/opt/app/bin/app:main',
      'uprobe:/opt/app/bin/app:hot',
      'uprobe:/opt/app/bin/app:_ZN4edge4Pool3putEi',
      '',
      'uprobe:/real/path/app:cold',
    ];
    assert.deepEqual(uprobeSymbols(lines, '/opt/app/bin/app'), ['main', 'hot', '_ZN4edge4Pool3putEi', 'cold']);
    assert.deepEqual(
      nmSymbols('0000000000001139 T hot\n0000000000001150 t cold\n                 U printf@GLIBC_2.2.5\n0000000000004010 D data\n'),
      ['hot', 'cold'],
    );
  });

  it('demangles enough to match: C++ nested names, ctors, dtors, operators, std, Rust legacy hashes, Go paths', () => {
    assert.deepEqual(demanglePath('_ZN4edge3net4Pool3putEi'), ['edge', 'net', 'Pool', 'put']);
    assert.deepEqual(demanglePath('_ZNK4edge4Pool3getEv'), ['edge', 'Pool', 'get']);
    assert.deepEqual(demanglePath('_ZN4edge4PoolC2Ev'), ['edge', 'Pool', 'Pool']);
    assert.deepEqual(demanglePath('_ZN4edge4PoolD1Ev'), ['edge', 'Pool', '~Pool']);
    assert.deepEqual(demanglePath('_Z5twiceIiET_S0_'), ['twice']);
    assert.deepEqual(demanglePath('_Z3hoti'), ['hot']);
    assert.deepEqual(demanglePath('_ZeqRKN4edge4PoolES2_'), ['operator==']);
    assert.deepEqual(demanglePath('_ZNSt6vector4sizeEv'), ['std', 'vector', 'size']);
    assert.deepEqual(demanglePath('_ZN7edgeapp3hot17h0123456789abcdefE'), ['edgeapp', 'hot']);
    assert.deepEqual(demanglePath('_ZN52_$LT$edgeapp..Server$u20$as$u20$edgeapp..Handler$GT$6handle17h0123456789abcdefE'), [
      '<edgeapp::Server as edgeapp::Handler>',
      'handle',
    ]);
    assert.equal(demanglePath('hot'), undefined);
    assert.deepEqual(symbolPath('main.(*Server).Serve'), ['main', '(*Server)', 'Serve']);
    assert.deepEqual(symbolPath('github.com/acme/edge/pkg.hot'), ['pkg', 'hot']);
    assert.deepEqual(symbolPath('hot.isra.0'), ['hot']);
    assert.deepEqual(symbolPath('cold.part.1'), ['cold']);
  });

  it('matches each language: exact C names before clones, C++ owners, Rust impls, Go receivers', () => {
    const c = matchFunctions([fn('hot'), fn('cold'), fn('gone')], ['hot', 'hot.cold', 'cold.isra.0', 'main'], 'c');
    assert.deepEqual(
      c.map((m) => [m.fn.name, m.symbols]),
      [
        ['hot', ['hot']],
        ['cold', ['cold.isra.0']],
        ['gone', []],
      ],
    );
    const cpp = matchFunctions(
      [fn('put', 'edge::Pool::put'), fn('put', 'other::Queue::put'), fn('twice')],
      ['_ZN4edge4Pool3putEi', '_ZN4edge4Pool3putEd', '_ZN5other5Queue3putEv', '_Z5twiceIiET_S0_', '_Z5twiceIdET_S0_'],
      'cpp',
    );
    assert.deepEqual(
      cpp.map((m) => m.symbols),
      [['_ZN4edge4Pool3putEd', '_ZN4edge4Pool3putEi'], ['_ZN5other5Queue3putEv'], ['_Z5twiceIdET_S0_', '_Z5twiceIiET_S0_']],
    );
    const rust = matchFunctions(
      [fn('handle', 'Server::handle'), fn('hot')],
      [
        '_ZN52_$LT$edgeapp..Server$u20$as$u20$edgeapp..Handler$GT$6handle17h0123456789abcdefE',
        '_ZN7edgeapp3hot17h0123456789abcdefE',
        '_ZN7edgeapp6Client6handle17h0123456789abcdefE',
      ],
      'rust',
    );
    assert.deepEqual(
      rust.map((m) => m.symbols.length),
      [1, 1],
    );
    assert.match(rust[0]?.symbols[0] ?? '', /Server/);
    const go = matchFunctions(
      [fn('Serve', '(*Server).Serve'), fn('Name', 'Server.Name'), fn('hot')],
      ['main.(*Server).Serve', 'main.(*Client).Serve', 'main.Server.Name', 'main.hot', 'main.(*Server).hot'],
      'go',
    );
    assert.deepEqual(
      go.map((m) => m.symbols),
      [['main.(*Server).Serve'], ['main.Server.Name'], ['main.hot']],
    );
  });

  it('attach points: exact names without multi-attach; safe prefix patterns with it, never catching another symbol', () => {
    const all = ['handle_get', 'handle_put', 'handle_del', 'hot', 'hotter', 'cold', 'main', '_start', 'main.(*S).x'];
    assert.deepEqual(attachPlan(['handle_get', 'handle_put', 'hot'], all, false), {
      exact: ['handle_get', 'handle_put', 'hot'],
      patterns: [],
      skipped: [],
    });
    const multi = attachPlan(['handle_get', 'handle_put', 'handle_del', 'hot', 'cold'], all, true);
    assert.deepEqual(multi.patterns, ['ha*']);
    assert.deepEqual(multi.exact, ['cold', 'hot']);
    // every pattern matches only wanted symbols
    const wanted = new Set(['handle_get', 'handle_put', 'handle_del', 'hot', 'cold']);
    for (const p of multi.patterns) for (const s of all) if (wildcardMatch(p, s)) assert.ok(wanted.has(s), `${p} catches ${s}`);
    assert.deepEqual(attachPlan(['main.(*S).x', 'main'], all, true).skipped, ['main.(*S).x']);
    assert.ok(wildcardMatch('ha*_get', 'handle_get') && !wildcardMatch('ha*_get', 'handle_put') && wildcardMatch('*', 'x'));
  });

  it('plans within the probe limit, in the caller’s order, and says what it left out', () => {
    const fns = ['a1', 'a2', 'b1', 'c1', 'zz'].map((n) => fn(n));
    const p = planCounts(fns, ['a1', 'a2', 'b1', 'c1', 'main'], 'c', { multi: false, maxProbes: 3 });
    assert.deepEqual(
      p.measured.map((m) => m.fn.name),
      ['a1', 'a2', 'b1'],
    );
    assert.match(p.notes.join('; '), /1 function is not in the binary/);
    assert.match(p.notes.join('; '), /1 function not measured: more than 3 probes/);
    // with multi-attach a1, a2 share one pattern: all four fit
    const m = planCounts(fns, ['a1', 'a2', 'b1', 'c1', 'main'], 'c', { multi: true, maxProbes: 3 });
    assert.equal(m.measured.length, 4);
    assert.deepEqual(m.plan.patterns, ['a*']);
  });
});

describe('annotations: the count script and its results', () => {
  const plan = { exact: ['cold', 'hot'], patterns: [], skipped: [] };

  it('builds a script that parses, gates counting on the timer, and refuses what is not a path or a symbol', () => {
    const s = countScript({ binary: '/run/lab/bin/edgeapp', plan, windowSec: 10 });
    assert.equal(parse(s).diagnostics.filter((d) => d.severity === 'error').length, 0, s);
    // a call counts only within the window on the kernel clock: exactly 10 s, however late the ticks
    assert.match(
      s,
      /uprobe:\/run\/lab\/bin\/edgeapp:cold,\nuprobe:\/run\/lab\/bin\/edgeapp:hot\n\/@lens_on && nsecs < @lens_t0 \+ 10000000000\//,
    );
    assert.match(s, /if \(@lens_on && nsecs >= @lens_t0 \+ 10000000000\) \{\n\t\t@lens_on = 0;\n\t\t@lens_t1 = @lens_t0 \+ 10000000000;/);
    // the timer is the last probe (attached after the uprobes)
    assert.ok(s.lastIndexOf('interval:ms:100') > s.lastIndexOf('uprobe:'));
    const lat = countScript({ binary: '/bin/app', plan, windowSec: 5, latency: ['hot'], pid: 42 });
    assert.equal(parse(lat).diagnostics.filter((d) => d.severity === 'error').length, 0, lat);
    assert.match(lat, /uretprobe:\/bin\/app:hot/);
    assert.match(lat, /pid == 42 && nsecs < @lens_t0 \+ 5000000000\//);
    assert.match(lat, /uprobe:\/bin\/app:hot\n\/@lens_on && pid == 42 && nsecs < @lens_t0 \+ 5000000000\/\n\{\n\t@lens_ts0/);
    // the duration is the one subtraction, cast (0.27 warns on unsigned ones); delete() as the node's version takes it
    assert.match(lat, /\t\$d = \(int64\)nsecs - \(int64\)@lens_ts0\[tid\];/);
    assert.match(lat, /\n\tdelete\(@lens_ts0\[tid\]\);\n/, 'no version known: the statement every version takes');
    for (const [v, want] of [
      ['0.17.0', /\n\tdelete\(@lens_ts0\[tid\]\);\n/],
      ['0.23.5', /\n\tdelete\(@lens_ts0\[tid\]\);\n/],
      ['0.24.1', /\n\t\$lens_had = delete\(@lens_ts0\[tid\]\);\n/],
      ['v0.27.0', /\n\t\$lens_had = delete\(@lens_ts0\[tid\]\);\n/],
    ] as const) {
      const text = countScript({ binary: '/bin/app', plan, windowSec: 5, latency: ['hot'], bpftrace: v });
      assert.match(text, want, v);
      assert.equal(parse(text).diagnostics.filter((d) => d.severity === 'error').length, 0, text);
    }
    assert.throws(() => countScript({ binary: '/bin/app; rm -rf /', plan, windowSec: 5 }), /binary/);
    assert.throws(() => countScript({ binary: 'relative/app', plan, windowSec: 5 }), /binary/);
    assert.throws(
      () => countScript({ binary: '/bin/app', plan: { exact: ['x{ system("id") }'], patterns: [], skipped: [] }, windowSec: 5 }),
      /not a symbol/,
    );
    assert.throws(() => countScript({ binary: '/bin/app', plan, windowSec: 0 }), /window/);
    assert.throws(() => countScript({ binary: '/bin/app', plan: { exact: [], patterns: [], skipped: [] }, windowSec: 1 }), /no function/);
  });

  it('reads counts and the kernel-measured window (bpftrace 0.17 output); multi-attached counts by func (0.23)', () => {
    const out17 = [
      '{"type": "attached_probes", "data": {"probes": 3}}',
      '{"type": "map", "data": {"@lens_calls": {"uprobe:/run/ebpf-lens-lab/bin/edgeapp:cold": 267, "uprobe:/run/ebpf-lens-lab/bin/edgeapp:hot": 2667}}}',
      '{"type": "map", "data": {"@lens_n": 31}}',
      '{"type": "map", "data": {"@lens_on": 0}}',
      '{"type": "map", "data": {"@lens_t0": 2043566380873}}',
      '{"type": "map", "data": {"@lens_t1": 2046566369269}}',
      '',
    ].join('\n');
    const r = readCounts(mapsOf(out17), { binary: '/run/ebpf-lens-lab/bin/edgeapp', plan });
    assert.equal(r.calls.get('hot'), 2667);
    assert.equal(r.calls.get('cold'), 267);
    assert.equal(r.windowNs, 2046566369269 - 2043566380873);
    const out23 =
      '{"type": "map", "data": {"@lens_calls": {"uprobe:/usr/local/bin/edgeapp:hot": 1759}}}\n{"type": "map", "data": {"@lens_fcalls": {"cold": 176, "hot": 1759, "other": 5}}}\n{"type": "map", "data": {"@lens_t0": 10}}\n{"type": "map", "data": {"@lens_t1": 2000000010}}\n';
    const r23 = readCounts(mapsOf(out23), { binary: '/usr/local/bin/edgeapp', plan: { exact: ['hot'], patterns: ['c*'], skipped: [] } });
    assert.deepEqual([...r23.calls.entries()].sort(), [
      ['cold', 176],
      ['hot', 1759],
    ]);
    const fns = [fn('hot'), fn('cold'), fn('missing')];
    const p = planCounts(fns, ['hot', 'cold'], 'c', { multi: false, maxProbes: 10 });
    const items = countAnnotations(p, r, () => 0, 3);
    const hot = items.find((i) => i.key === 'hot');
    assert.ok(Math.abs((hot?.rate ?? 0) - 2667 / 2.999988396) < 0.01);
    assert.ok(Math.abs((hot?.share ?? 0) - 2667 / (2667 + 267)) < 1e-9);
    assert.equal(items.find((i) => i.key === 'missing')?.note, 'not in the binary');
  });
});

describe('annotations: helper calls in xlated code', () => {
  it('counter_v1 (bpftool 7.1, linum): straight-path calls and the one in a branch, with their source lines', () => {
    const h = helperCalls(fixture('counter_v1.linum.7.1.txt'));
    assert.deepEqual(
      h.map((x) => [x.name, x.placement, x.line]),
      [
        ['bpf_get_current_pid_tgid', 'straight', 15],
        ['__htab_map_lookup_elem', 'straight', 16],
        ['htab_map_update_elem', 'branch', 21],
      ],
    );
    assert.equal(h[0]?.source, 'u32 pid = bpf_get_current_pid_tgid() >> 32;');
    assert.match(h[0]?.file ?? '', /counter_v1\.bpf\.c$/);
    // the same without linum (and normalised: no helper addresses)
    const plain = helperCalls(fixture('counter_v1.7.1.txt').replace(/#\d+/g, ''));
    assert.deepEqual(
      plain.map((x) => [x.name, x.placement]),
      h.map((x) => [x.name, x.placement]),
    );
  });

  it('counter_v2 (bpftool 7.5): an early return puts every call in a branch; xdp_count has no helper call (lookup inlined)', () => {
    assert.deepEqual(
      helperCalls(fixture('counter_v2.linum.7.5.txt')).map((x) => [x.name, x.placement]),
      [
        ['bpf_get_current_pid_tgid', 'branch'],
        ['__htab_map_lookup_elem', 'branch'],
        ['htab_map_update_elem', 'branch'],
        ['__htab_map_lookup_elem', 'branch'],
      ],
    );
    assert.deepEqual(helperCalls(fixture('xdp_count.linum.7.1.txt')), []);
  });

  it('loops and subprograms', () => {
    const loop = [
      '   0: (b7) r6 = 0',
      '   1: (85) call bpf_ktime_get_ns#1',
      '   2: (07) r6 += 1',
      '   3: (a5) if r6 < 0x4 goto pc-3',
      '   4: (85) call bpf_get_prandom_u32#2',
      '   5: (95) exit',
    ].join('\n');
    assert.deepEqual(
      helperCalls(loop).map((x) => [x.name, x.placement]),
      [
        ['bpf_ktime_get_ns', 'loop'],
        ['bpf_get_prandom_u32', 'straight'],
      ],
    );
    const sub = [
      '   0: (85) call pc+3',
      '   1: (15) if r0 == 0x0 goto pc+1',
      '   2: (85) call pc+1',
      '   3: (95) exit',
      '   4: (85) call bpf_perf_event_read#3',
      '   5: (95) exit',
    ].join('\n');
    const s = helperCalls(sub);
    assert.deepEqual(
      s.map((x) => [x.name, x.placement, x.subprogram]),
      [['bpf_perf_event_read', 'loop', 4]],
    );
    const once = ['   0: (85) call pc+1', '   1: (95) exit', '   2: (85) call bpf_perf_event_read#3', '   3: (95) exit'].join('\n');
    assert.deepEqual(
      helperCalls(once).map((x) => x.placement),
      ['straight'],
    );
    assert.deepEqual(helperCalls('garbage\n\n'), []);
  });
});

describe('annotations: heat, text, hover, edits', () => {
  it('log-scale buckets: within ×3.16 of the hottest is the top bucket, each half decade below one less', () => {
    assert.equal(HEAT_BUCKETS >= 5, true);
    assert.equal(heatBucket(1000, 1000), HEAT_BUCKETS);
    assert.equal(heatBucket(320, 1000), HEAT_BUCKETS);
    assert.equal(heatBucket(300, 1000), HEAT_BUCKETS - 1);
    assert.equal(heatBucket(100, 1000), HEAT_BUCKETS - 2);
    assert.equal(heatBucket(10, 1000), HEAT_BUCKETS - 4);
    assert.equal(heatBucket(1e-9, 1000), 1);
    assert.equal(heatBucket(0, 1000), 0);
    assert.equal(heatBucket(undefined, 1000), 0);
  });

  it('end-of-line text and hover', () => {
    const items = withShares([
      { key: 'hot', label: 'hot', line: 3, count: 12_400, rate: 12_400 },
      {
        key: 'cold',
        label: 'cold',
        line: 9,
        count: 1240,
        rate: 1240,
        latency: { hist: [{ min: 1024, max: 2047, count: 5 }], count: 5, avgNs: 1500 },
      },
      { key: 'gone', label: 'gone', line: 12, note: 'not in the binary' },
    ]);
    assert.equal(lineText(items[0] ?? { key: '', label: '', line: 0 }, 'uprobe'), '12.4k/s · 91%');
    assert.equal(lineText(items[1] ?? { key: '', label: '', line: 0 }, 'uprobe'), '1.24k/s · 9% · avg 1.5 µs');
    assert.equal(lineText(items[2] ?? { key: '', label: '', line: 0 }, 'uprobe'), '— not in the binary');
    const md = hoverMarkdown(
      items[1] ?? { key: '', label: '', line: 0 },
      { kind: 'uprobe', node: 'edge1', windowSec: 10, at: Date.UTC(2026, 11, 1, 2, 0, 0), binary: '/opt/app', items },
      { remeasure: 'command:x', latency: 'command:y' },
    );
    assert.match(md, /\*\*cold\*\* — function on `edge1`/);
    assert.match(md, /\| calls \| 1,240 \|/);
    assert.match(md, /\| share of this file \| 9\.1 % \|/);
    assert.match(md, /avg 1\.5 µs over 5 calls/);
    assert.match(md, /\[1K, 2K\)\s+5 \|@+\|/);
    assert.match(md, /measured over 10\.0 s in `\/opt\/app`/);
    assert.match(md, /\[Measure again\]\(command:x\) · \[Measure latency\]\(command:y\)/);
  });

  it('re-anchors by function name after an edit, and drops what is gone', () => {
    const items = [
      { key: 'hot', label: 'hot', line: 3, rate: 1 },
      { key: 'cold', label: 'cold', line: 9, rate: 2 },
    ];
    const text = '// a new line\n// and another\n\nint hot(void) { return 1; }\n';
    const lines = new Map(findFunctions(text, 'c').map((f) => [f.qualified, text.slice(0, f.nameStart).split('\n').length - 1]));
    assert.deepEqual(reanchor(items, lines), [{ key: 'hot', label: 'hot', line: 3, rate: 1 }]);
  });
});

describe('annotations: bpftrace probe hits', () => {
  const script =
    '#!/usr/bin/env bpftrace\nBEGIN { printf("hi\\n"); }\n\ntracepoint:syscalls:sys_enter_write /pid > 1/ {\n\t@w = count();\n}\nEND{}\n';

  it('adds one counting statement per block on the same lines, and a timer that prints the hits', () => {
    const ins = instrumentProbes(script);
    assert.ok(ins);
    assert.equal(parse(ins.script).diagnostics.filter((d) => d.severity === 'error').length, 0, ins.script);
    assert.deepEqual(
      ins.probes.map((p) => [p.line, p.label, p.filtered]),
      [
        [1, 'BEGIN', false],
        [3, 'tracepoint:syscalls:sys_enter_write', true],
        [6, 'END', false],
      ],
    );
    const orig = script.split('\n');
    const now = ins.script.split('\n');
    // the user's lines keep their numbers (bpftrace's errors still point at the right line)
    for (let i = 0; i < orig.length - 1; i++)
      assert.ok(
        (now[i] ?? '').replace(/ @__ebpf_lens_hits\[\d\] = count\(\);( @__ebpf_lens_t0 = nsecs;| @__ebpf_lens_now = nsecs;)? /, '') ===
          orig[i],
        `line ${i}: ${now[i]}`,
      );
    // the user's BEGIN notes the start, the user's END the window; the timer prints both
    assert.match(now[1] ?? '', /^BEGIN \{ @__ebpf_lens_hits\[0\] = count\(\); @__ebpf_lens_t0 = nsecs; {2}printf/);
    assert.match(now[6] ?? '', /^END\{ @__ebpf_lens_hits\[2\] = count\(\); @__ebpf_lens_now = nsecs; \}$/);
    assert.match(
      ins.script,
      /\ninterval:s:1 \{ @__ebpf_lens_now = nsecs; print\(@__ebpf_lens_hits\); print\(@__ebpf_lens_t0\); print\(@__ebpf_lens_now\); \}\n$/,
    );
    assert.equal(ins.window, true);
    assert.equal(instrumentProbes('BEGIN { @x = count( }'), undefined, 'a script that does not parse runs as written');
    assert.equal(instrumentProbes('// nothing'), undefined);
  });

  it('a script without BEGIN or END gets its own, so the window is measured on the kernel clock', () => {
    const ins = instrumentProbes('interval:ms:100 { @t = count(); }\n');
    assert.ok(ins);
    assert.equal(ins.window, true);
    assert.equal(parse(ins.script).diagnostics.filter((d) => d.severity === 'error').length, 0, ins.script);
    assert.equal(ins.script.split('\n')[0], 'interval:ms:100 { @__ebpf_lens_hits[0] = count();  @t = count(); }');
    assert.match(ins.script, /\nBEGIN \{ @__ebpf_lens_t0 = nsecs; \}\nEND \{ @__ebpf_lens_now = nsecs; \}\n$/);
    // the lower-case spelling is the same probe (bpftrace allows one BEGIN)
    const lower = instrumentProbes('begin { @a = 1; }\nkprobe:f { }\n');
    assert.ok(lower?.window);
    assert.equal(lower.script.match(/BEGIN|begin/g)?.length, 1, lower.script);
  });

  it('no kernel window when the script’s own BEGIN or END cannot carry it (the counts still are)', () => {
    for (const s of ['BEGIN /1/ { }\nkprobe:f { }', 'BEGIN, interval:s:1 { }\n', 'END, kprobe:f { }\n']) {
      const ins = instrumentProbes(s);
      assert.ok(ins, s);
      assert.equal(ins.window, false, s);
      assert.doesNotMatch(ins.script, /@__ebpf_lens_(t0|now)/, s);
      assert.match(ins.script, /\ninterval:s:1 \{ print\(@__ebpf_lens_hits\); \}\n$/, s);
      assert.equal(ins.script.match(/\bBEGIN\b/g)?.length ?? 0, s.match(/\bBEGIN\b/g)?.length ?? 0, s);
    }
  });

  it('reads the window from its printed start and now (the node does no arithmetic on them)', () => {
    const r = new TraceResults();
    const out = `{"type": "map", "data": {"${T0_MAP}": 62025587154133}}\n{"type": "map", "data": {"${NOW_MAP}": 62027790610922}}\n`;
    for (const rec of new OutputParser().push(out)) r.add(rec, 0);
    assert.equal(probeWindowSec(r.snapshot().hidden), 2.203456789);
    assert.equal(probeWindowSec(undefined), undefined);
    const one = (name: string, value: number): MapSnapshot => ({ name, kind: 'map', keyed: false, entries: [{ key: null, value }] });
    assert.equal(probeWindowSec([one(T0_MAP, 5)]), undefined, 'no END or print yet: no window');
    assert.equal(probeWindowSec([one(T0_MAP, 9), one(NOW_MAP, 9)]), undefined, 'an empty window is none');
  });

  it('keeps the hits map out of the script’s results', () => {
    const r = new TraceResults();
    const p = new OutputParser();
    for (const rec of p.push(`{"type": "map", "data": {"@w": 5}}\n{"type": "map", "data": {"${HITS_MAP}": {"0": 1, "1": 5, "2": 1}}}\n`))
      r.add(rec, 0);
    const snap = r.snapshot();
    assert.deepEqual(
      snap.maps.map((m) => m.name),
      ['@w'],
    );
    assert.deepEqual(
      [...probeHits(snap.hidden?.find((m) => m.name === HITS_MAP)).entries()],
      [
        [0, 1],
        [1, 5],
        [2, 1],
      ],
    );
  });
});

describe('annotations: BPF C functions and loaded programs', () => {
  it('matches by name (15-character kernel names too), not bpftrace’s programs; sums stats; lists helpers', () => {
    assert.ok(sameProgramName('handle_sched_switch_event', 'handle_sched_sw'));
    assert.ok(!sameProgramName('handle_sched_switch_event', 'handle_sched'));
    const prog = (id: number, name: string, comm?: string): NodeListing['programs'][number] => ({
      program: { id, type: 'tracepoint', name, tag: `t${id}`, mapIds: [], pinned: [], pids: [], metadata: {}, raw: {} },
      mapNames: [],
      attach: [],
      owners: comm ? [{ pid: 1, comm }] : [],
    });
    const listing: NodeListing = {
      programs: [prog(7, 'count_writes'), prog(9, 'count_writes'), prog(11, 'count_writes', 'bpftrace'), prog(12, 'xdp_count')],
      maps: [],
      links: [],
      warnings: [],
    };
    const fns = [fn('count_writes', 'count_writes', 'tracepoint/syscalls/sys_enter_write'), fn('helper'), fn('gone', 'gone', 'xdp')];
    const m = matchPrograms(fns, listing);
    assert.deepEqual(
      [...m.entries()].map(([f, ps]) => [f.name, ps.map((p) => p.program.id)]),
      [
        ['count_writes', [9, 7]],
        ['gone', []],
      ],
    );
    const st = (
      eps: number,
    ): { eventsPerSec: number; avgNs: number; cpuPercent: number; runCnt: number; runTimeNs: number; windowSec: number } => ({
      eventsPerSec: eps,
      avgNs: 200,
      cpuPercent: 0.1,
      runCnt: 0,
      runTimeNs: 0,
      windowSec: 2,
    });
    const facts = new Map([
      [9, { stats: st(300), helpers: helperCalls(fixture('counter_v1.linum.7.1.txt')) }],
      [7, { stats: st(100) }],
    ]);
    const items = bpfAnnotations(m, facts, () => 0, true);
    const cw = items.find((i) => i.key === 'count_writes');
    assert.equal(cw?.rate, 400);
    assert.equal(cw?.count, 800);
    assert.deepEqual(
      cw?.helpers?.map((h) => [h.name, h.perSec]),
      [
        ['bpf_get_current_pid_tgid', 400],
        ['__htab_map_lookup_elem', 400],
        ['htab_map_update_elem', 400],
      ],
    );
    assert.match(items.find((i) => i.key === 'gone')?.note ?? '', /no program named gone/);
    assert.match(bpfAnnotations(m, new Map(), () => 0, false).find((i) => i.key === 'count_writes')?.note ?? '', /live stats are off/);
  });
});
