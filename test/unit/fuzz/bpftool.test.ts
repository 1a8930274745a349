/** Fuzz: the bpftool JSON parsers and the commands around them (src/core/bpftool). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { linkShow, mapShow, netShow, perfShow, progShow } from '../../../src/core/bpftool/commands';
import type { Listed } from '../../../src/core/bpftool/commands';
import { parseBpftoolVersion, parseLinkShow, parseMapShow, parseNet, parsePerf, parseProgShow } from '../../../src/core/bpftool/parse';
import type { RemoteCommand } from '../../../src/core/remote/command';
import type { Parsed } from '../../../src/core/base/result';
import type { Mutated, Seed } from '../../support/mutate';
import { NASTY_KEYS, jsonCase, keysOf, onlyTruncated, toJson } from '../../support/mutate';
import { fixture } from '../paths';
import { Family, RUN_SEED, seedCase, shapeProblem } from './family';
import type { FieldType } from './family';

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
