import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMapShow, parseProgShow } from '../../src/core/bpftool/parse';
import type { BpfProgram } from '../../src/core/bpftool/types';
import { normalizeXlated } from '../../src/core/bpftool/xlated';
import { batchSeparator, parseXlatedBatch } from '../../src/core/bpftool/xlatedBatch';
import type { CommandOutput, RemoteCommand } from '../../src/core/remote/command';
import { SshError, ToolError } from '../../src/core/base/errors';
import type { NodeConfig } from '../../src/core/inventory/inventory';
import type { NodeListing } from '../../src/core/nodes/listing';
import { mergeListing } from '../../src/core/nodes/listing';
import type { NodeInfo } from '../../src/core/remote/nodeInfo';
import { BATCH_PROGRAMS, BATCH_XLATED_BYTES, batches } from '../../src/core/snapshot/dumps';
import { knownFromStore } from '../../src/core/snapshot/known';
import { SnapshotStore } from '../../src/core/snapshot/store';
import type { TakeOptions } from '../../src/core/snapshot/take';
import { takeSnapshot } from '../../src/core/snapshot/take';
import { fixture } from './paths';

const read = (v: string, f: string): string => fs.readFileSync(fixture('bpftool', v, f), 'utf8');
/** what `bpftool -j prog show` listed just before the recorded batch: 373, 379, 383 (the lab's) and 388 (a bpftrace's) */
const PROGS = parseProgShow(read('7.1', 'prog_show_batch.json')).value;
const IDS = PROGS.map((p) => p.id);
const MAPS = parseMapShow(read('7.1', 'map_show_batch.json')).value;

describe('xlated dumps in one bpftool batch (recorded on bpftool 7.1 and 7.5)', () => {
  for (const v of ['7.1', '7.5']) {
    it(`${v}: every dump of the batch is, byte for byte, what \`prog dump xlated id N\` alone printed`, () => {
      const r = parseXlatedBatch(IDS, { stdout: read(v, 'batch_xlated.txt'), stderr: '', code: 0 });
      assert.deepEqual([...r.dumps.keys()], IDS);
      assert.equal(r.dumps.get(373), read(v, 'xlated_373.txt'));
      assert.equal(r.dumps.get(379), read(v, 'xlated_379.txt'));
      assert.match(r.dumps.get(388) ?? '', /^ {3}0: \(/m);
      assert.equal(r.failed, undefined);
      assert.deepEqual(r.notRun, []);
      assert.match(batchSeparator(read(v, 'batch_xlated.txt')) ?? '', new RegExp(`^bpftool v${v.replace('.', '\\.')}\\.0\\n`));
    });

    it(`${v}: a program gone before its dump stops bpftool there — the dumps before it are kept, it is named, the rest is to be asked again`, () => {
      const out: CommandOutput = { stdout: read(v, 'batch_xlated_vanished.txt'), stderr: read(v, 'batch_xlated_vanished.err'), code: 255 };
      const r = parseXlatedBatch([373, 999999, 379], out);
      assert.deepEqual([...r.dumps.keys()], [373]);
      assert.equal(r.dumps.get(373), read(v, 'xlated_373.txt'));
      assert.equal(r.failed, 999999);
      assert.equal(r.why, 'get by id (999999): No such file or directory');
      assert.deepEqual(r.notRun, [379]);
    });
  }

  it('a bpftool that did not run the batch, or was stopped mid-dump (no `Error:` of its own), is a typed error, not dumps', () => {
    assert.throws(
      () => parseXlatedBatch([1], { stdout: '', stderr: "Error: unknown object 'batch'\n", code: 255 }),
      (e) => ToolError.is(e, 'failed'),
    );
    assert.throws(
      () => parseXlatedBatch([1], { stdout: 'something else\n', stderr: '', code: 0 }),
      (e) => ToolError.is(e, 'badOutput'),
    );
    const sep = batchSeparator(read('7.1', 'batch_xlated.txt')) ?? '';
    const cut = { stdout: `${sep}${sep}${read('7.1', 'xlated_373.txt')}${sep}   0: (b7) r0 = 2\n`, stderr: '', code: 137 };
    assert.throws(
      () => parseXlatedBatch([373, 379], cut),
      (e) => ToolError.is(e, 'failed') && /killed by signal 9/.test(e.message),
    );
  });

  it('batches: at most BATCH_PROGRAMS programs and about BATCH_XLATED_BYTES of instructions each; a larger program goes alone', () => {
    const p = (id: number, bytes: number): BpfProgram => ({ ...(PROGS[0] as BpfProgram), id, bytesXlated: bytes });
    const many = Array.from({ length: 2 * BATCH_PROGRAMS + 7 }, (_, i) => p(i, 200));
    assert.deepEqual(
      batches(many).map((b) => b.length),
      [BATCH_PROGRAMS, BATCH_PROGRAMS, 7],
    );
    const big = [p(1, 1000), p(2, BATCH_XLATED_BYTES + 8), p(3, 1000), p(4, BATCH_XLATED_BYTES - 1000), p(5, 8)];
    assert.deepEqual(
      batches(big).map((b) => b.map((x) => x.id)),
      [[1], [2], [3, 4], [5]],
    );
    assert.deepEqual(batches([]), []);
  });
});

/**
 * A node whose bpftool answers batches from the recorded dumps (the recorded separator between
 * them), as bpftool does: it stops at a program that is gone. It counts the dumps it was asked.
 */
function fakeNode(gone: ReadonlySet<number> = new Set()) {
  const recorded = parseXlatedBatch(IDS, { stdout: read('7.1', 'batch_xlated.txt'), stderr: '', code: 0 }).dumps;
  const sep = batchSeparator(read('7.1', 'batch_xlated.txt')) ?? '';
  const seen = { batches: 0, single: 0, dumps: 0, stdin: [] as string[] };
  const answer = (argv: readonly string[], stdin: string | undefined): CommandOutput => {
    if (argv.join(' ') === 'bpftool batch file -') {
      seen.batches++;
      seen.stdin.push(stdin ?? '');
      let stdout = '';
      for (const line of (stdin ?? '').split('\n').filter(Boolean)) {
        const id = /^prog dump xlated id (\d+)$/.exec(line)?.[1];
        if (id === undefined) {
          assert.equal(line, 'version', 'only dumps and `version` are sent');
          stdout += sep;
          continue;
        }
        seen.dumps++;
        const text = recorded.get(Number(id));
        if (gone.has(Number(id)) || text === undefined)
          return { stdout, stderr: `Error: get by id (${id}): No such file or directory\n`, code: 255 };
        stdout += text;
      }
      return { stdout: `${stdout}processed N commands\n`, stderr: '', code: 0 };
    }
    const id = Number(argv[argv.length - 1]);
    seen.single++;
    seen.dumps++;
    return recorded.has(id) && !gone.has(id)
      ? { stdout: recorded.get(id) ?? '', stderr: '', code: 0 }
      : { stdout: '', stderr: `Error: get by id (${id}): No such file or directory\n`, code: 255 };
  };
  const run = async <T>(cmd: RemoteCommand<T>): Promise<T> => cmd.interpret(answer(cmd.argv, cmd.stdin));
  return { run, seen, recorded };
}

const NODE = { name: 'edge1' } as NodeConfig;
const INFO = { kernel: '6.18.0', bootId: 'b1', bpftool: { path: '/usr/sbin/bpftool', version: '7.1.0' } } as NodeInfo;
/** the recorded programs, none of them bpftrace's (the test is about dumps, not about owners) */
const LISTING: NodeListing = mergeListing({ programs: PROGS, maps: MAPS, links: [], net: [], perf: [] });

const roots: string[] = [];
function tempStore(): SnapshotStore {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-dumps-'));
  roots.push(root);
  return new SnapshotStore(root);
}

describe('takeSnapshot: the xlated dumps', () => {
  after(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
  const take = async (node: ReturnType<typeof fakeNode>, opts: TakeOptions = {}) => {
    let counts = { dumped: -1, reused: -1, runs: -1 };
    const s = await takeSnapshot(node.run, NODE, INFO, { listing: LISTING, onDumps: (d) => (counts = d), ...opts });
    return { s, counts };
  };

  it('one bpftool batch dumps every program; the texts are the normalised single dumps', async () => {
    const node = fakeNode();
    const { s, counts } = await take(node);
    assert.deepEqual(counts, { dumped: 4, reused: 0, runs: 1 });
    assert.equal(node.seen.batches, 1);
    assert.equal(node.seen.single, 0);
    assert.equal(node.seen.stdin[0], `version\nversion\n${IDS.map((id) => `prog dump xlated id ${id}\nversion\n`).join('')}`);
    const names = new Map(MAPS.map((m) => [m.id, m.name]));
    const p373 = s.programs.find((p) => p.id === 373);
    assert.equal(
      p373?.xlated,
      normalizeXlated(read('7.1', 'xlated_373.txt'), (id) => names.get(id)),
    );
    assert.match(p373?.xlated ?? '', /map\[write_counts\]/);
    assert.ok(s.programs.every((p) => p.xlatedHash !== ''));
  });

  it('a program unloaded between the listing and its dump: kept without instructions; the others cost one more batch, not one dump each', async () => {
    const node = fakeNode(new Set([379]));
    const { s, counts } = await take(node);
    assert.equal(counts.runs, 2);
    assert.equal(node.seen.batches, 2);
    assert.equal(node.seen.single, 0);
    assert.equal(node.seen.dumps, 4, 'each program asked once');
    assert.equal(s.programs.find((p) => p.id === 379)?.xlatedHash, '');
    assert.deepEqual(
      s.programs
        .filter((p) => p.xlatedHash !== '')
        .map((p) => p.id)
        .sort(),
      [373, 383, 388],
    );
  });

  it('a batch bpftool cannot run falls back to one dump each; a lost connection fails the snapshot', async () => {
    const node = fakeNode();
    const noBatch = async <T>(cmd: RemoteCommand<T>): Promise<T> =>
      cmd.argv.includes('batch') ? cmd.interpret({ stdout: '', stderr: "Error: unknown object 'batch'\n", code: 255 }) : node.run(cmd);
    const s = await takeSnapshot(noBatch, NODE, INFO, { listing: LISTING });
    assert.equal(node.seen.single, 4);
    assert.equal(
      s.programs.find((p) => p.id === 373)?.xlatedHash,
      (await take(fakeNode())).s.programs.find((p) => p.id === 373)?.xlatedHash,
    );
    const lost = async <T>(_cmd: RemoteCommand<T>): Promise<T> => {
      throw new SshError('disconnected', 'the connection to edge1 was lost');
    };
    await assert.rejects(takeSnapshot(lost, NODE, INFO, { listing: LISTING }), (e) => SshError.is(e, 'disconnected'));
  });

  it('a second snapshot into the same store dumps nothing; the same instructions and content hash', async () => {
    const store = tempStore();
    const first = await take(fakeNode(), { known: await knownFromStore(store, 'edge1', INFO.kernel) });
    assert.equal(first.counts.dumped, 4, 'an empty store knows nothing');
    assert.equal((await store.save(first.s)).saved, true);
    const node = fakeNode();
    const second = await take(node, { known: await knownFromStore(store, 'edge1', INFO.kernel), now: new Date(Date.now() + 1000) });
    assert.deepEqual(second.counts, { dumped: 0, reused: 4, runs: 0 });
    assert.equal(node.seen.batches + node.seen.single, 0, 'no bpftool ran for dumps');
    assert.equal(second.s.contentHash, first.s.contentHash);
    assert.deepEqual(
      second.s.programs.map((p) => p.xlated),
      first.s.programs.map((p) => p.xlated),
    );
  });

  it('stored texts are not used on another kernel, for a program whose maps are named otherwise now, or when the object was altered', async () => {
    const store = tempStore();
    const first = (await take(fakeNode())).s;
    await store.save(first);
    const otherKernel = await take(fakeNode(), { known: await knownFromStore(store, 'edge1', '6.19.0') });
    assert.equal(otherKernel.counts.dumped, 4);
    const renamed: NodeListing = mergeListing({
      programs: PROGS,
      maps: MAPS.map((m) => (m.id === 194 ? { ...m, name: 'calls' } : m)),
      links: [],
      net: [],
      perf: [],
    });
    const r = await take(fakeNode(), { listing: renamed, known: await knownFromStore(store, 'edge1', INFO.kernel) });
    assert.deepEqual(r.counts, { dumped: 1, reused: 3, runs: 1 }, '373 (map 194) is dumped again: its stored text names write_counts');
    assert.match(r.s.programs.find((p) => p.id === 373)?.xlated ?? '', /map\[calls\]/);
    const h = first.programs.find((p) => p.id === 379)?.xlatedHash ?? '';
    fs.writeFileSync(path.join(store.objectsDir, h), 'altered\n');
    const altered = await take(fakeNode(), { known: await knownFromStore(store, 'edge1', INFO.kernel) });
    assert.deepEqual(altered.counts, { dumped: 1, reused: 3, runs: 1 });
    assert.equal(altered.s.programs.find((p) => p.id === 379)?.xlatedHash, h);
  });
});
