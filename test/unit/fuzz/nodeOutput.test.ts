/** Fuzz: more parsers of node output: bpftrace stderr, xlated dumps, symbols, source files, snapshots. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findFunctions } from '../../../src/core/annotate/functions';
import type { SourceLanguage } from '../../../src/core/annotate/functions';
import { helperCalls } from '../../../src/core/annotate/helpers';
import { demanglePath, nmSymbols, symbolPath, uprobeSymbols } from '../../../src/core/annotate/symbols';
import { normalizeXlated } from '../../../src/core/bpftool/xlated';
import { contentHash, hashText, parseSnapshot } from '../../../src/core/snapshot/model';
import type { Snapshot, SnapshotProgram } from '../../../src/core/snapshot/model';
import { parseStderr } from '../../../src/core/trace/diagnostics';
import type { Seed } from '../../support/mutate';
import { NASTY_KEYS, jsonCase, keysOf, lineCase } from '../../support/mutate';
import { repoRoot } from '../paths';
import { Family, RUN_SEED } from './family';

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
