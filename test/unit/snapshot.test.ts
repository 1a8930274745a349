import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { postmortemMarkdown } from '../../src/core/snapshot/postmortem';
import { diffText } from '../../src/cli/snapshot';
import { diffSnapshots, fleetMatrix, instructionsForDiff } from '../../src/core/snapshot/diff';
import type { Snapshot, SnapshotProgram } from '../../src/core/snapshot/model';
import { attachUnknown, contentHash, hashText, parseSnapshot } from '../../src/core/snapshot/model';
import { SnapshotStore } from '../../src/core/snapshot/store';
import { StorageError } from '../../src/core/base/errors';
import { Scratch, tmpFiles } from './scratch';

const prog = (over: Partial<SnapshotProgram> & { name: string }): SnapshotProgram =>
  withHash({
    id: 1,
    type: 'xdp',
    tag: 'aaaa',
    maps: [],
    attach: [{ kind: 'link:xdp', target: 'eth0' }],
    pinned: [],
    owners: [],
    metadata: {},
    xlated: '   0: (b7) r0 = 2\n   1: (95) exit\n',
    xlatedHash: '',
    ...over,
  });
function withHash(p: SnapshotProgram): SnapshotProgram {
  return { ...p, xlatedHash: hashText(p.xlated ?? '') };
}

const snap = (node: string, programs: SnapshotProgram[], at = '2026-11-25T10:00:00.000Z', bpftoolVersion = '7.1.0'): Snapshot => ({
  version: 1,
  node,
  takenAt: at,
  kernel: '6.18',
  bootId: 'b',
  bpftoolVersion,
  contentHash: contentHash(programs),
  programs,
  transient: 0,
});

describe('snapshot diff', () => {
  it('an inserted instruction is one added line, not a shifted program', () => {
    const a = prog({ name: 'p', xlated: '   0: (b7) r0 = 2\n   1: (95) exit\n' });
    const b = prog({ name: 'p', id: 9, tag: 'bbbb', xlated: '   0: (b7) r1 = 0\n   1: (b7) r0 = 2\n   2: (95) exit\n' });
    const d = diffSnapshots(snap('n', [a]), snap('n', [b]));
    assert.deepEqual(d.programs[0]?.reasons, [
      { kind: 'tag', before: 'aaaa', after: 'bbbb' },
      { kind: 'instructions', added: 1, removed: 0 },
    ]);
    assert.equal(instructionsForDiff('  12: (95) exit'), '(95) exit');
  });

  it('same identity twice: paired by pinned path first, then by load order', () => {
    const before = [prog({ name: 'p', id: 1, pinned: ['/a'] }), prog({ name: 'p', id: 2, pinned: ['/b'], tag: 'x' })];
    const after = [prog({ name: 'p', id: 10, pinned: ['/b'], tag: 'x' }), prog({ name: 'p', id: 11, pinned: ['/a'] })];
    assert.ok(diffSnapshots(snap('n', before), snap('n', after)).same);
  });

  it('attach detail only one bpftool prints is not a change; different targets are', () => {
    const a = prog({ name: 'p', attach: [{ kind: 'link:xdp' }] });
    const b = prog({ name: 'p', attach: [{ kind: 'link:xdp', target: 'eth0' }] });
    const c = prog({ name: 'p', attach: [{ kind: 'link:xdp', target: 'eth1' }] });
    assert.ok(diffSnapshots(snap('n', [a]), snap('n', [b])).same);
    assert.deepEqual(diffSnapshots(snap('n', [b]), snap('n', [c])).programs[0]?.reasons, [
      { kind: 'attach', attachKind: 'link:xdp', before: 'eth0', after: 'eth1' },
    ]);
  });

  it('a map definition change is reported even when the tag is the same; metadata too', () => {
    const m = { id: 1, name: 'm', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 100, pinned: [] };
    const a = prog({ name: 'p', maps: [m], metadata: { version: 'v1' } });
    const b = prog({ name: 'p', maps: [{ ...m, maxEntries: 200 }], metadata: { version: 'v2' } });
    assert.deepEqual(
      diffSnapshots(snap('n', [a]), snap('n', [b])).programs[0]?.reasons.map((r) => r.kind),
      ['mapDefinition', 'metadata'],
    );
  });

  it('content hash ignores ids, load times and owners (attach points known)', () => {
    const a = prog({ name: 'p', id: 1, loadedAt: '2026-01-01T00:00:00Z', owners: [{ pid: 1 }] });
    const b = prog({ name: 'p', id: 2, loadedAt: '2026-02-01T00:00:00Z', owners: [] });
    assert.equal(contentHash([a]), contentHash([b]));
    assert.notEqual(contentHash([a]), contentHash([prog({ name: 'p', tag: 'zz' })]));
  });

  /** the same program moved from one tracepoint to another under the same pins (issue 19, defect 6) */
  const moved = (id: number, loadedAt: string, target?: string): SnapshotProgram =>
    prog({
      name: 'moved',
      type: 'tracepoint',
      id,
      loadedAt,
      pinned: ['/sys/fs/bpf/edge/moved/prog_moved'],
      attach: [target ? { kind: 'link:perf_event', target } : { kind: 'link:perf_event' }],
    });

  it('content hash: a moved program changes it where bpftool names the tracepoint; where it cannot, a reload (id, load time) does', () => {
    // bpftool 7.5: the targets are in the hash, ids and load times are not
    const getpgid = moved(100, '2026-11-25T10:00:00.000Z', 'sys_enter_getpgid');
    assert.notEqual(contentHash([getpgid]), contentHash([moved(114, '2026-11-25T10:05:00.000Z', 'sys_enter_getsid')]));
    assert.equal(contentHash([getpgid]), contentHash([moved(114, '2026-11-25T10:05:00.000Z', 'sys_enter_getpgid')]));
    // bpftool 7.1: no tracepoint for a perf_event link; the same program reloaded is another deployment
    const before = moved(100, '2026-11-25T10:00:00.000Z');
    assert.equal(attachUnknown(before), true);
    assert.notEqual(contentHash([before]), contentHash([moved(114, '2026-11-25T10:05:00.000Z')]), 'new id and load time');
    assert.notEqual(contentHash([before]), contentHash([moved(100, '2026-11-25T10:05:00.000Z')]), 'new load time');
    assert.equal(contentHash([before]), contentHash([moved(100, '2026-11-25T10:00:00.000Z')]), 'the same load: the same content');
    // an XDP link without device on 7.1 is named by `bpftool net`; a perf_event link by `bpftool perf`
    assert.equal(attachUnknown(prog({ name: 'x', attach: [{ kind: 'link:xdp' }, { kind: 'net:xdp', target: 'eth0 driver' }] })), false);
    assert.equal(
      attachUnknown(prog({ name: 'x', attach: [{ kind: 'link:perf_event' }, { kind: 'perf:tracepoint', target: 'sys_enter_getsid' }] })),
      false,
    );
    assert.equal(attachUnknown(prog({ name: 'x', attach: [] })), false, 'not attached: nothing unknown');
  });

  it('diff of a moved program: 7.5 names both tracepoints; 7.1 says the attach point is unknown instead of "no change"', () => {
    const t = diffSnapshots(
      snap('trixie1', [moved(100, '2026-11-25T10:00:00.000Z', 'sys_enter_getpgid')], undefined, '7.5.0'),
      snap('trixie1', [moved(114, '2026-11-25T10:05:00.000Z', 'sys_enter_getsid')], '2026-11-25T11:00:00.000Z', '7.5.0'),
    );
    assert.deepEqual(t.programs[0]?.reasons, [
      { kind: 'attach', attachKind: 'link:perf_event', before: 'sys_enter_getpgid', after: 'sys_enter_getsid' },
    ]);
    assert.match(diffText(t, false), /^ {2}changed {2}moved · tracepoint #114\n {11}attach point sys_enter_getpgid → sys_enter_getsid$/m);
    const e = diffSnapshots(
      snap('edge1', [moved(100, '2026-11-25T10:00:00.000Z')]),
      snap('edge1', [moved(114, '2026-11-25T10:05:00.000Z')], '2026-11-25T11:00:00.000Z'),
    );
    assert.equal(e.same, false);
    assert.deepEqual(e.programs[0]?.reasons, [{ kind: 'attachUnknown', bpftool: '7.1.0', beforeId: 100, afterId: 114 }]);
    const text = diffText(e, false);
    assert.match(text, /: 1 changed, 0 added, 0 removed, 0 unchanged$/m);
    assert.match(text, /^ {11}attach point unknown on this node \(bpftool 7\.1\.0\): reloaded \(#100 → #114\), it may have moved$/m);
    assert.doesNotMatch(text, /no change/);
    // not reloaded: nothing to say
    assert.ok(
      diffSnapshots(
        snap('edge1', [moved(100, '2026-11-25T10:00:00.000Z')]),
        snap('edge1', [moved(100, '2026-11-25T10:00:00.000Z')], '2026-11-25T11:00:00.000Z'),
      ).same,
    );
    // two nodes: ids and load times do not compare, and detail one bpftool lacks is not a change
    assert.ok(
      diffSnapshots(
        snap('edge1', [moved(100, '2026-11-25T10:00:00.000Z')]),
        snap('trixie1', [moved(114, '2026-11-25T10:05:00.000Z', 'sys_enter_getpgid')], undefined, '7.5.0'),
      ).same,
    );
    // one node whose bpftool was upgraded between the two: the older side cannot say
    const up = diffSnapshots(
      snap('edge1', [moved(100, '2026-11-25T10:00:00.000Z')]),
      snap('edge1', [moved(114, '2026-11-25T10:05:00.000Z', 'sys_enter_getsid')], '2026-11-25T11:00:00.000Z', '7.5.0'),
    );
    assert.deepEqual(up.programs[0]?.reasons, [{ kind: 'attachUnknown', bpftool: '7.1.0', beforeId: 100, afterId: 114 }]);
  });

  it('fleet matrix', () => {
    const m = fleetMatrix([snap('a', [prog({ name: 'p' })]), snap('b', [prog({ name: 'p', tag: 'cccc' })])]);
    assert.deepEqual(m.tags['p · xdp'], { a: ['aaaa'], b: ['cccc'] });
  });

  it('parseSnapshot never throws and names what is wrong', () => {
    assert.match((parseSnapshot('{') as { error: string }).error, /not valid JSON/);
    assert.match((parseSnapshot('{"version": 2}') as { error: string }).error, /unknown snapshot version/);
    assert.match(
      (parseSnapshot('{"version": 1, "node": "n", "takenAt": "t", "programs": [{}]}') as { error: string }).error,
      /program 1 is incomplete/,
    );
  });
});

describe('snapshot store', () => {
  const roots: string[] = [];
  after(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
  it('atomic files named by time, hash and size; identical consecutive ones stored once; bounded', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-store-'));
    roots.push(root);
    const store = new SnapshotStore(root, 3);
    const s = (i: number, tag: string): Snapshot => snap('edge1', [prog({ name: 'p', tag })], `2026-11-25T10:00:0${i}.000Z`);
    assert.equal((await store.save(s(1, 'a'))).saved, true);
    assert.equal((await store.save(s(2, 'a'))).saved, false);
    for (const [i, t] of [
      [3, 'b'],
      [4, 'c'],
      [5, 'd'],
    ] as const) {
      await store.save(s(i, t));
    }
    const list = await store.list('edge1');
    assert.deepEqual(
      list.map((e) => e.takenAt),
      ['2026-11-25T10:00:03.000Z', '2026-11-25T10:00:04.000Z', '2026-11-25T10:00:05.000Z'],
    );
    assert.deepEqual(tmpFiles(root), []);
    await assert.rejects(store.save(snap('../evil', [])), /not allowed/);
  });

  const scratch = new Scratch();
  after(() => scratch.cleanup());
  const xl = (kb: number, c: string): string => `${`   0: (b7) r0 = ${c}\n`.repeat(Math.ceil((kb * 1024) / 20))}`;
  const objects = (root: string): string[] =>
    fs.existsSync(path.join(root, 'objects')) ? fs.readdirSync(path.join(root, 'objects')).sort() : [];

  it("--out /proc/sys/x: a typed error at once (Node's recursive mkdir loops for ever there)", async () => {
    const store = new SnapshotStore('/proc/sys/x');
    await assert.rejects(store.save(snap('edge1', [prog({ name: 'p' })])), (e: unknown) => {
      assert.ok(StorageError.is(e, 'cannotCreate'), String(e));
      assert.match(
        e.message,
        /^could not save the snapshot in \/proc\/sys\/x: cannot create \/proc\/sys\/x\/edge1: \/proc\/sys is not a directory you can create in$/,
      );
      return true;
    });
  });

  it('a read-only folder: "read-only" (not ENOENT), and nothing written', async () => {
    const ro = scratch.tmpfs('ro,size=64k');
    const store = new SnapshotStore(path.join(ro, 'snapshots'));
    await assert.rejects(
      store.save(snap('edge1', [prog({ name: 'p' })])),
      (e: unknown) => StorageError.is(e, 'readOnly') && /: the file system is read-only$/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(ro), []);
  });

  it('a full disk: "no space left"; the objects this save wrote are taken back, the earlier snapshot stays whole, no temp file', async () => {
    const root = scratch.tmpfs('size=64k');
    const store = new SnapshotStore(root);
    const first = snap('edge1', [prog({ name: 'a', xlated: xl(4, '1') })], '2026-11-25T10:00:01.000Z');
    assert.equal((await store.save(first)).saved, true);
    const before = objects(root);
    assert.equal(before.length, 1);
    // the first new object fits, the second does not
    const second = snap(
      'edge1',
      [prog({ name: 'a', xlated: xl(4, '1') }), prog({ name: 'b', xlated: xl(16, '2') }), prog({ name: 'c', xlated: xl(200, '3') })],
      '2026-11-25T10:00:02.000Z',
    );
    await assert.rejects(
      store.save(second),
      (e: unknown) =>
        StorageError.is(e, 'full') && /^could not save the snapshot in .*: cannot write .*: no space left on the device$/.test(e.message),
    );
    assert.deepEqual(objects(root), before);
    assert.deepEqual(tmpFiles(root), []);
    // the objects fit, the snapshot file does not (a long note): the objects go again
    const third = snap('edge1', [prog({ name: 'd', xlated: xl(2, '4') })], '2026-11-25T10:00:03.000Z');
    await assert.rejects(store.save({ ...third, note: 'n'.repeat(200 * 1024) }), (e: unknown) => StorageError.is(e, 'full'));
    assert.deepEqual(objects(root), before);
    assert.deepEqual(tmpFiles(root), []);
    const listed = await store.list('edge1');
    assert.equal(listed.length, 1);
    assert.ok('snapshot' in (await store.load(listed[0]?.path ?? '')));
    // once there is room, saving works again
    assert.equal((await store.save(third)).saved, true);
  });

  it('saves are one at a time: the same content saved twice at once is stored once, two new ones both', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-store-'));
    roots.push(root);
    const store = new SnapshotStore(root);
    const same = await Promise.all([1, 2, 3].map((i) => store.save(snap('edge1', [prog({ name: 'p' })], `2026-11-25T10:00:0${i}.000Z`))));
    assert.deepEqual(
      same.map((r) => r.saved),
      [true, false, false],
    );
    const two = await Promise.all(
      ['x', 'y'].map((t, i) => store.save(snap('edge1', [prog({ name: 'p', tag: t })], `2026-11-25T10:01:0${i}.000Z`))),
    );
    assert.deepEqual(
      two.map((r) => r.saved),
      [true, true],
    );
    assert.equal((await store.list('edge1')).length, 3);
  });

  it('snapshot --note on an unchanged deployment: the note is added to the kept snapshot (same content, same file)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-store-'));
    roots.push(root);
    const store = new SnapshotStore(root);
    const s = (i: number, note?: string): Snapshot => ({
      ...snap('edge1', [prog({ name: 'p' })], `2026-11-25T10:00:0${i}.000Z`),
      ...(note ? { note } : {}),
    });
    const first = await store.save(s(1));
    const r = await store.save(s(2, 'after the 14:00 rollout'));
    assert.deepEqual(
      { saved: r.saved, noteAdded: r.noteAdded, path: r.entry.path },
      { saved: false, noteAdded: true, path: first.entry.path },
    );
    assert.equal((await store.save(s(3, 'checked again'))).noteAdded, true);
    assert.equal((await store.save(s(4, 'checked again'))).noteAdded, false, 'a note it has is not added twice');
    assert.equal((await store.save(s(5))).noteAdded, false);
    const list = await store.list('edge1');
    assert.equal(list.length, 1);
    const loaded = await store.load(first.entry.path);
    assert.ok('snapshot' in loaded);
    assert.equal(loaded.snapshot.note, 'after the 14:00 rollout\nchecked again');
    assert.equal(loaded.snapshot.contentHash, s(1).contentHash);
    assert.equal(loaded.snapshot.takenAt, '2026-11-25T10:00:01.000Z');
    assert.equal(await store.addNote(list[0] as never, 'by hand'), true);
    const again = await store.load(first.entry.path);
    assert.ok('snapshot' in again && again.snapshot.note?.endsWith('\nby hand'));
    assert.deepEqual(tmpFiles(root), []);
  });
});

describe('postmortem', () => {
  it('a timeline of deployments (with what changed) and traces, with the notes', () => {
    const v1 = snap(
      'edge1',
      [prog({ name: 'xdp_guard', tag: 'aaaa' }), prog({ name: 'sampler', type: 'perf_event', attach: [] })],
      '2026-11-25T10:00:00.000Z',
    );
    const v2 = snap(
      'edge1',
      [prog({ name: 'xdp_guard', tag: 'bbbb', xlated: '   0: (b7) r0 = 0\n   1: (95) exit\n' })],
      '2026-11-25T11:00:00.000Z',
    );
    const md = postmortemMarkdown({
      node: 'edge1',
      from: new Date('2026-11-25T09:00:00Z'),
      to: new Date('2026-11-25T12:00:00Z'),
      snapshots: [v1, v2],
      traces: [
        {
          node: 'edge1',
          script: 'tracepoint:xdp:xdp_exception { @aborts = count(); }',
          startedAt: Date.parse('2026-11-25T11:30:00Z'),
          state: 'done',
          results: {
            attachedProbes: 1,
            lines: [],
            maps: [{ name: '@aborts', kind: 'map', keyed: false, entries: [{ key: null, value: 42 }] }],
            values: [],
            events: 0,
            droppedByRate: 0,
            droppedOldest: 0,
            lostByBpftrace: 0,
            helperErrors: 0,
            diagnostics: [],
          },
          outcome: { endedAt: Date.parse('2026-11-25T11:31:00Z'), reason: 'stop' },
        },
      ],
      notes: 'Packet loss since the 11:00 deploy.',
    });
    assert.match(md, /^# Postmortem: edge1/);
    assert.match(md, /Packet loss since the 11:00 deploy\./);
    assert.match(md, /### 2026-11-25 11:00:00Z\n\n\*\*Deployment\*\* — 1 program .* 1 changed, 0 added, 1 removed/);
    assert.match(md, /- changed `xdp_guard · xdp`: tag aaaa → bbbb; instructions \+1 −1/);
    assert.match(md, /- removed `sampler · perf_event`/);
    assert.match(md, /### 2026-11-25 11:30:00Z\n\n\*\*Trace\*\* on edge1, ended 2026-11-25 11:31:00Z \(stop\)/);
    assert.match(md, /@aborts: 42/);
    assert.ok(md.indexOf('10:00:00Z') < md.indexOf('11:00:00Z') && md.indexOf('11:00:00Z') < md.indexOf('11:30:00Z'), 'in time order');
    assert.match(md, /- `@aborts`: 42 in 60\.0 s \(0\.7\/s\)/, 'without attachedMs: the run as this host saw it');
  });

  it('a rollback is named by its code, even when a program’s attach point is unknown (a new load each time)', () => {
    // a uprobe through a perf link on bpftool 7.1: no target, so its load is part of the content hash
    const probe = (id: number, loadedAt: string) =>
      prog({ name: 'on_packet', type: 'kprobe', id, loadedAt, attach: [{ kind: 'link:perf_event' }] });
    const xdp = (tag: string) => prog({ name: 'xdp_edge', tag, xlated: `   0: (b7) r0 = ${tag === 'aaaa' ? 2 : 1}\n   1: (95) exit\n` });
    const v1 = snap('edge1', [xdp('aaaa'), probe(10, '2026-11-25T10:00:00Z')], '2026-11-25T10:00:00.000Z');
    const v2 = snap('edge1', [xdp('bbbb'), probe(20, '2026-11-25T11:00:00Z')], '2026-11-25T11:00:00.000Z');
    const v3 = snap('edge1', [xdp('aaaa'), probe(30, '2026-11-25T12:00:00Z')], '2026-11-25T12:00:00.000Z');
    assert.notEqual(v1.contentHash, v3.contentHash, 'the content hash records the new load');
    const md = postmortemMarkdown({
      node: 'edge1',
      from: new Date('2026-11-25T09:00:00Z'),
      to: new Date('2026-11-25T13:00:00Z'),
      snapshots: [v1, v2, v3],
      traces: [],
      notes: '',
    });
    assert.match(md, /### 2026-11-25 12:00:00Z\n\n\*\*Rollback\*\* to the deployment of 2026-11-25 10:00:00Z/);
    assert.doesNotMatch(md.slice(0, md.indexOf('12:00:00Z')), /Rollback/, 'v2 is a deployment, not a rollback');
    // a redeploy of the same code straight after itself is no rollback
    const again = snap('edge1', [xdp('aaaa'), probe(40, '2026-11-25T12:30:00Z')], '2026-11-25T12:30:00.000Z');
    const md2 = postmortemMarkdown({
      node: 'edge1',
      from: new Date('2026-11-25T09:00:00Z'),
      to: new Date('2026-11-25T13:00:00Z'),
      snapshots: [v1, v2, v3, again],
      traces: [],
      notes: '',
    });
    assert.equal(md2.match(/Rollback/g)?.length, 1);
  });

  it('a trace’s rates are over the time its probes were attached (attachedMs), not until the end was checked', () => {
    const md = postmortemMarkdown({
      node: 'edge1',
      from: new Date('2026-11-25T09:00:00Z'),
      to: new Date('2026-11-25T12:00:00Z'),
      snapshots: [],
      traces: [
        {
          node: 'edge1',
          script: 'tracepoint:xdp:xdp_exception { @aborts = count(); }',
          startedAt: Date.parse('2026-11-25T11:30:00Z'),
          state: 'done',
          results: {
            attachedProbes: 1,
            attachedAt: 900,
            lines: [],
            maps: [{ name: '@aborts', kind: 'map', keyed: false, entries: [{ key: null, value: 600 }] }],
            values: [],
            events: 0,
            droppedByRate: 0,
            droppedOldest: 0,
            lostByBpftrace: 0,
            helperErrors: 0,
            diagnostics: [],
          },
          outcome: { endedAt: Date.parse('2026-11-25T11:30:07.500Z'), reason: 'time limit', attachedMs: 6000 },
        },
      ],
      notes: '',
    });
    assert.match(md, /- `@aborts`: 600 in 6\.0 s \(100\.0\/s\)/);
  });
});
