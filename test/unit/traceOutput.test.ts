import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseStderr } from '../../src/core/trace/diagnostics';
import { mapText } from '../../src/core/trace/format';
import type { TraceRecord } from '../../src/core/trace/output';
import { OutputParser, parseJsonBig, recordsOf } from '../../src/core/trace/output';
import { TraceResults } from '../../src/core/trace/results';
import { fixture } from './paths';

const parseAll = (text: string): TraceRecord[] => {
  const p = new OutputParser();
  return [...p.push(text), ...p.end()];
};

describe('bpftrace NDJSON output', () => {
  for (const v of ['0.17', '0.23']) {
    it(`records captured from bpftrace ${v} on the lab`, () => {
      const recs = parseAll(fs.readFileSync(fixture('bpftrace', `${v}-mixed.ndjson`), 'utf8'));
      assert.deepEqual(recs[0], { type: 'attached', probes: 4 });
      assert.deepEqual(recs[1], { type: 'printf', text: 'hello 42\n' });
      assert.equal(recs[2]?.type, 'time');
      assert.ok(recs.some((r) => r.type === 'map' && r.map.name === '@start'));
      assert.ok(!recs.some((r) => r.type === 'text'), 'blank lines between records are skipped');
    });
  }

  it('0.17 capture: hist, lhist (as hist), stats, avg (as stats), keyed and tuple-keyed maps', () => {
    const recs = parseAll(fs.readFileSync(fixture('bpftrace', '0.17-mixed.ndjson'), 'utf8'));
    const maps = new Map(recs.flatMap((r) => (r.type === 'map' ? [[r.map.name, r.map] as const] : [])));
    assert.equal(maps.get('@bytes')?.kind, 'hist');
    assert.deepEqual((maps.get('@bytes')?.entries[0]?.value as { count: number }[])[0], { min: 1, max: 1, count: 51 });
    assert.equal(maps.get('@lh')?.kind, 'hist');
    assert.deepEqual(maps.get('@s')?.entries[0]?.value, { count: 53, average: 2, total: 124 });
    assert.deepEqual(maps.get('@avg')?.entries, [{ key: null, value: 2 }]);
    assert.deepEqual(maps.get('@tup')?.entries, [{ key: '2322,dd', value: 53 }]);
    assert.equal(maps.get('@w')?.keyed, true);
  });

  // lines from bpftrace's own test expectations (tests/runtime/outputs, json-output) for versions the lab does not run
  it('shapes from bpftrace’s docs and tests: 0.24+ attached_probes and lost_events, helper_error, runtime errors, tseries', () => {
    assert.deepEqual(recordsOf(JSON.parse('{"type": "attached_probes", "count": 3, "data": {"probes": 3}}')), [
      { type: 'attached', probes: 3 },
    ]);
    assert.deepEqual(recordsOf(JSON.parse('{"type": "lost_events", "data": {"events": 17}}')), [{ type: 'lost', count: 17 }]);
    assert.deepEqual(recordsOf(JSON.parse('{"type": "lost_events", "count": 5, "data": {"events": 5}}')), [{ type: 'lost', count: 5 }]);
    const he = recordsOf(
      JSON.parse(
        '{"type": "helper_error", "msg": "Bad address", "helper": "probe_read", "retcode": -14, "filename": "stdin", "line": 1, "col": 38}',
      ),
    )[0];
    assert.deepEqual(he, { type: 'helperError', helper: 'probe_read', retcode: -14, message: 'Bad address', line: 1, col: 38 });
    const he17 = recordsOf(JSON.parse('{"type": "helper_error", "helper": "probe_read", "retcode": -14, "line": 1, "col": 37}'))[0];
    assert.equal(he17?.type === 'helperError' && he17.message, 'probe_read returned -14');
    const rt = recordsOf(
      JSON.parse('{"type": "runtime_error", "msg": "Divide or modulo by 0 detected.", "filename": "stdin", "line": 2, "col": 5}'),
    )[0];
    assert.deepEqual(rt, { type: 'diagnostic', severity: 'error', message: 'Divide or modulo by 0 detected.', line: 2, col: 5 });
    assert.equal(recordsOf(JSON.parse('{"type": "warnf", "msg": "w", "filename": "stdin", "line": 1, "col": 1}'))[0]?.type, 'diagnostic');
    const ts = recordsOf(
      JSON.parse('{"type": "tseries", "data": {"@a": [{"interval_start": "1970-01-01 00:00:00.500000000", "value": 9}]}}'),
    )[0];
    assert.ok(ts?.type === 'map' && ts.map.kind === 'tseries' && !ts.map.keyed);
    const tsk = recordsOf(JSON.parse('{"type": "tseries", "data": {"@a": {"one": [], "two": []}}}'))[0];
    assert.ok(tsk?.type === 'map' && tsk.map.keyed && tsk.map.entries.length === 2);
    const hk = recordsOf(
      JSON.parse(
        '{"type": "hist", "data": {"@": {"bpftrace": [{"min": 2, "max": 3, "count": 1}], "curl": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 1}]}}}',
      ),
    )[0];
    assert.ok(hk?.type === 'map' && hk.map.kind === 'hist' && hk.map.keyed);
    assert.deepEqual(recordsOf(JSON.parse('{"type": "value", "data": [1,2,"string"]}')), [{ type: 'value', value: [1, 2, 'string'] }]);
    assert.deepEqual(recordsOf(JSON.parse('{"type": "join", "data": "/bin/echo,\'A\'"}')), [{ type: 'printf', text: "/bin/echo,'A'" }]);
  });

  it('partial lines, blank lines, non-JSON lines and broken JSON: no throw, nothing lost', () => {
    const p = new OutputParser();
    const a = p.push('{"type": "printf", "da');
    assert.deepEqual(a, []);
    const b = p.push('ta": "x\\n"}\n\n\nnot json at all\n{"type": "map", "data": {"@a": 1}\n');
    assert.deepEqual(b[0], { type: 'printf', text: 'x\n' });
    assert.deepEqual(b[1], { type: 'text', text: 'not json at all\n' });
    assert.equal(b[2]?.type, 'text', 'broken JSON is kept as text');
    assert.equal(p.issues.length, 1);
    assert.deepEqual(p.push('{"type": "printf", "data": "tail"}'), []);
    assert.deepEqual(p.end(), [{ type: 'printf', text: 'tail' }]);
  });

  it('0.24+ compile warnings on stdout become diagnostics, with their source lines skipped', () => {
    const recs = parseAll(
      'stdin:1:3-10: WARNING: this is odd\ni:s:1 { x }\n  ~~~~~~~\n{"type": "attached_probes", "data": {"probes": 1}}\n',
    );
    assert.deepEqual(recs, [
      { type: 'diagnostic', severity: 'warning', message: 'this is odd', line: 1, col: 3 },
      { type: 'attached', probes: 1 },
    ]);
  });

  it('integers too big for a double stay exact (as strings); numbers inside strings are untouched', () => {
    const v = parseJsonBig(
      '{"a": 18446744073709551615, "b": "12345678901234567890", "c": 1.5e300, "d": 9007199254740991, "e": -18446744073709551}',
    ) as Record<string, unknown>;
    assert.equal(v['a'], '18446744073709551615');
    assert.equal(v['b'], '12345678901234567890');
    assert.equal(v['c'], 1.5e300);
    assert.equal(v['d'], 9007199254740991);
    assert.equal(v['e'], '-18446744073709551');
    const m = recordsOf(parseJsonBig('{"type": "map", "data": {"@ns": 18446744073709551615}}'))[0];
    assert.ok(m?.type === 'map' && m.map.entries[0]?.value === '18446744073709551615');
  });

  it('a byte >= 0x80 escaped as \\uffffffXX (bpftrace’s signed char) still parses', () => {
    const recs = parseAll('{"type": "printf", "data": "caf\\uffffffc3\\uffffffa9"}\n');
    assert.equal(recs[0]?.type, 'printf');
  });

  it('fuzz: 5,000 mutated lines never throw', () => {
    const base = fs.readFileSync(fixture('bpftrace', '0.17-mixed.ndjson'), 'utf8');
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 5000; i++) {
      const chars = [...base];
      for (let k = 0; k < 1 + rnd(8); k++) {
        const at = rnd(chars.length);
        const op = rnd(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, '{}[]",:0-\n\\'.charAt(rnd(12)));
        else chars[at] = String.fromCharCode(rnd(128));
      }
      const p = new OutputParser();
      p.push(chars.join('').slice(0, rnd(chars.length + 1)));
      p.end();
    }
  });
});

describe('bpftrace stderr', () => {
  it('located errors map to script lines; the memlock message is noise', () => {
    const r = parseStderr(
      [
        'ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem',
        '/tmp/ebpf-lens-AbC123.run:2:3-5: ERROR: syntax error, unexpected map, expecting }',
        '  @a = count(;',
        '  ~~',
        '/tmp/ebpf-lens-AbC123.run:4-6: WARNING: something spans lines',
      ].join('\n'),
      '/tmp/ebpf-lens-AbC123',
    );
    assert.deepEqual(r.diagnostics, [
      { severity: 'error', message: 'syntax error, unexpected map, expecting }', line: 2, col: 3, endCol: 5 },
      { severity: 'warning', message: 'something spans lines', line: 4, endLine: 6 },
    ]);
    assert.deepEqual(r.other, []);
    assert.equal(r.unavailable, undefined);
  });

  it('a kprobe on a kernel without kprobe_events: probe type not available', () => {
    const r = parseStderr(
      "/tmp/x.run:1-2: WARNING: do_sys_open is not traceable\ncreate_probe_event: open(/sys/kernel/debug/tracing/kprobe_events): No such file or directory\nERROR: Error attaching probe: 'kprobe:do_sys_open'\n",
    );
    assert.equal(r.unavailable?.probeType, 'kprobe');
    assert.match(r.unavailable?.message ?? '', /probe type not available on this node: kprobe/);
  });

  it('bpftrace 0.27 where it cannot read the traceable functions: "No matches for kprobe" is the node, not the script', () => {
    // stderr of a real run on the lab's forky1 (bpftrace 0.27.0)
    const stderr = [
      'WARNING: Could not read functions from /sys/kernel/debug/tracing/available_filter_functions. If this is expected, use --traceable-functions to set this path manually. This file is needed in order to determine which functions can safely be traced without causing issues in the kernel.',
      'WARNING: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem',
      '/tmp/ebpf-lens-LJH1nNxouB.run:1:1-20: ERROR: No matches for kprobe do_nanosleep.',
      'kprobe:do_nanosleep { @x = count(); }',
      '~~~~~~~~~~~~~~~~~~~',
      '/tmp/ebpf-lens-LJH1nNxouB.run:1:1-20: WARNING: do_nanosleep is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail',
      'kprobe:do_nanosleep { @x = count(); }',
      '~~~~~~~~~~~~~~~~~~~',
      '',
    ].join('\n');
    const r = parseStderr(stderr, '/tmp/ebpf-lens-LJH1nNxouB');
    assert.equal(r.unavailable?.probeType, 'kprobe');
    assert.match(r.unavailable?.message ?? '', /probe type not available on this node: kprobe \(bpftrace cannot read the kernel's list/);
    assert.deepEqual(
      r.environment.map((e) => e.id),
      ['traceableFunctions'],
    );
    // where bpftrace could read the list, no match is the script's (a misspelt function)
    const own = parseStderr(stderr.split('\n').slice(1).join('\n'), '/tmp/ebpf-lens-LJH1nNxouB');
    assert.equal(own.unavailable, undefined);
    assert.equal(own.diagnostics[0]?.message, 'No matches for kprobe do_nanosleep.');
  });
});

describe('bounded results', () => {
  it('keeps at most maxLines / maxBytes, drops the oldest first and counts', () => {
    const res = new TraceResults({ maxEventsPerSec: 1e9, maxLines: 100, maxBytes: 1e9 });
    for (let i = 0; i < 1000; i++) res.add({ type: 'printf', text: `${i}\n` }, i);
    const s = res.snapshot();
    assert.equal(s.lines.length, 100);
    assert.equal(s.lines[0]?.text, '900\n');
    assert.equal(s.droppedOldest, 900);
    assert.equal(s.events, 1000);
  });

  it('events over the rate limit are dropped and counted, maps are always kept', () => {
    const res = new TraceResults({ maxEventsPerSec: 10, maxLines: 1e6, maxBytes: 1e9 });
    for (let i = 0; i < 100; i++) res.add({ type: 'printf', text: 'x\n' }, 500);
    res.add({ type: 'map', map: { name: '@a', kind: 'map', keyed: false, entries: [{ key: null, value: 1 }] } }, 600);
    for (let i = 0; i < 5; i++) res.add({ type: 'printf', text: 'y\n' }, 1500);
    const s = res.snapshot();
    assert.equal(s.droppedByRate, 90);
    assert.equal(s.lines.length, 15);
    assert.equal(s.maps.length, 1);
  });

  it('output is kept as lines: time() and a printf without newline join; a record of several lines splits; the end flushes', () => {
    const res = new TraceResults();
    res.add({ type: 'time', text: '10:00:00 ' }, 5);
    res.add({ type: 'printf', text: 'tick\n' }, 7);
    res.add({ type: 'printf', text: 'a\nb\nc' }, 9);
    assert.deepEqual(res.linesSince(0).lines, [
      { t: 5, text: '10:00:00 tick\n' },
      { t: 9, text: 'a\n' },
      { t: 9, text: 'b\n' },
    ]);
    // a snapshot shows the line being written; a view following the output gets it once it ends
    assert.equal(res.snapshot().lines.at(-1)?.text, 'c');
    const since = res.linesSince(3);
    assert.deepEqual(since, { lines: [], next: 3, skipped: 0 });
    res.flush();
    assert.deepEqual(res.linesSince(3).lines, [{ t: 9, text: 'c' }]);
    assert.equal(res.events, 3);
  });

  it('linesSince: what a view missed (pushed out, or over its max) is counted', () => {
    const res = new TraceResults({ maxEventsPerSec: 1e9, maxLines: 10, maxBytes: 1e9 });
    for (let i = 0; i < 25; i++) res.add({ type: 'printf', text: `${i}\n` }, i);
    const a = res.linesSince(0);
    assert.equal(a.skipped, 15);
    assert.equal(a.lines[0]?.text, '15\n');
    assert.equal(a.next, 25);
    const b = res.linesSince(20, 2);
    assert.deepEqual(
      b.lines.map((l) => l.text),
      ['23\n', '24\n'],
    );
    assert.equal(b.skipped, 3);
  });

  it('bytes bound', () => {
    const res = new TraceResults({ maxEventsPerSec: 1e9, maxLines: 1e6, maxBytes: 1000 });
    for (let i = 0; i < 100; i++) res.add({ type: 'printf', text: 'x'.repeat(99) + '\n' }, 0);
    assert.ok(res.keptBytes <= 1000);
    assert.equal(res.snapshot().lines.length, 10);
  });
});

describe('maps as text', () => {
  it('keyed maps sorted by value, hist bars, stats', () => {
    assert.equal(
      mapText({
        name: '@c',
        kind: 'map',
        keyed: true,
        entries: [
          { key: 'b', value: 5 },
          { key: 'a', value: 2 },
        ],
      }),
      '@c[a]: 2\n@c[b]: 5\n',
    );
    const h = mapText({
      name: '@h',
      kind: 'hist',
      keyed: false,
      entries: [
        {
          key: null,
          value: [
            { min: 1, max: 1, count: 4 },
            { min: 2, max: 3, count: 2 },
            { min: 1024, max: 2047, count: 1 },
          ],
        },
      ],
    });
    assert.match(h, /^@h:\n\[1\] +4 \|@{52}\|\n\[2, 4\) +2 \|@{26} {26}\|\n\[1K, 2K\) +1 \|/);
    assert.equal(
      mapText({ name: '@s', kind: 'stats', keyed: false, entries: [{ key: null, value: { count: 2, average: 6, total: 12 } }] }),
      '@s: count 2, average 6, total 12\n',
    );
  });

  it('odd values from a node never throw: a time record with an object, a histogram with a negative count', () => {
    assert.deepEqual(recordsOf({ type: 'time', data: { toString: 1 } }), [{ type: 'time', text: '{"toString":1}' }]);
    const text = mapText({
      name: '@h',
      kind: 'hist',
      keyed: false,
      entries: [
        {
          key: null,
          value: [
            { min: 0, max: 1, count: -260 },
            { min: 2, max: 3, count: 5 },
          ],
        },
      ],
    });
    assert.match(text, /\[2, 4\)\s+5 \|@+\s*\|/);
  });
});
