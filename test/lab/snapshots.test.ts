import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SnapshotDiff } from '../../src/core/snapshot/diff';
import { diffSnapshots } from '../../src/core/snapshot/diff';
import type { Snapshot, SnapshotProgram } from '../../src/core/snapshot/model';
import { SnapshotStore } from '../../src/core/snapshot/store';
import { takeSnapshot } from '../../src/core/snapshot/take';
import type { NodeClient } from '../../src/ssh/nodeClient';
import { TraceRun } from '../../src/ssh/trace';
import { diffText, hunks } from '../../src/cli/snapshot';
import { cli, labSh, nodeConfig, openNode, tempDir, tempXdg, writeConfig } from './labEnv';

const SCOPE = { scope: { pinPrefixes: ['/sys/fs/bpf/edge'] } };

async function snap(c: NodeClient): Promise<Snapshot> {
  return takeSnapshot((cmd) => c.run(cmd), c.node, c.info);
}

function byStatus(d: SnapshotDiff): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of d.programs) (out[p.status] ??= []).push(p.label);
  return out;
}

/** the nodes whose bpftool (7.5, 7.8) names a perf_event link's tracepoint */
const NAMING = ['trixie1', 'forky1'] as const;
const ALL = ['edge1', ...NAMING] as const;

describe('deployment snapshots and diffs on real nodes', () => {
  let a: NodeClient;
  const named = new Map<string, NodeClient>();
  let store: SnapshotStore;
  before(async () => {
    a = await openNode('edge1', SCOPE);
    for (const n of NAMING) named.set(n, await openNode(n, SCOPE));
  });
  after(() => {
    a.close();
    for (const c of named.values()) c.close();
    for (const n of ALL) labSh('undeploy', n);
  });
  const each = async <T>(f: (name: string, c: NodeClient) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    for (const [n, c] of named) out.push(await f(n, c));
    return out;
  };
  beforeEach(() => {
    store = new SnapshotStore(tempDir('ebpf-lens-snaps-'));
    for (const n of ALL) {
      labSh('undeploy', n);
      labSh('deploy', n, 'counter_v1');
      labSh('deploy', n, 'xdp');
    }
  });

  it('v1 → v2 on edge1: exactly that program changed — tag, instructions, the map definition — without id or address noise', async () => {
    const s1 = await snap(a);
    assert.equal(s1.programs.length, 2);
    labSh('deploy', 'edge1', 'counter_v2');
    const s2 = await snap(a);
    const d = diffSnapshots(s1, s2);
    assert.deepEqual(byStatus(d), { changed: ['count_writes · tracepoint'], unchanged: ['xdp_count · xdp'] });
    const ch = d.programs[0];
    assert.ok(ch);
    const kinds = ch.reasons.map((r) => r.kind).sort();
    // bpftool 7.1 names no tracepoint for the pinned perf_event link: the reload may also have moved it
    assert.deepEqual(kinds, ['attachUnknown', 'instructions', 'mapDefinition', 'tag']);
    assert.deepEqual(
      ch.reasons.find((r) => r.kind === 'mapDefinition'),
      { kind: 'mapDefinition', map: 'write_counts', field: 'valueSize', before: 8, after: 16 },
    );
    const h = hunks(ch).join('\n');
    assert.match(h, /^\+\(25\) if r1 > 0x2 goto pc\+\d+$/m, 'the new stdout/stderr check is shown');
    assert.doesNotMatch(h, /map\[id:\d+\]|call [\w.]+#\d+|^[ +-]\s*\d+: \(/m, 'no map ids, helper addresses or instruction offsets');
    // the other nodes saw no change
    await each(async (n, c) => assert.ok(diffSnapshots(await snap(c), await snap(c)).same, n));
  });

  it('v1 redeployed unchanged: "no change" on trixie1 (7.5) and forky1 (7.8) although every id changed, one snapshot stored; on edge1 (7.1) the reloaded tracepoint program is "attach point unknown" and recorded', async () => {
    const s1 = { a: await snap(a), t: await each((_n, c) => snap(c)) };
    for (const n of ALL) {
      labSh('deploy', n, 'counter_v1');
      labSh('deploy', n, 'xdp');
    }
    const s2 = { a: await snap(a), t: await each((_n, c) => snap(c)) };
    for (const [i, n] of NAMING.entries()) {
      const [x, y] = [s1.t[i], s2.t[i]];
      assert.ok(x && y);
      assert.notDeepEqual(
        x.programs.map((p) => p.id),
        y.programs.map((p) => p.id),
        `${n}: new ids`,
      );
      const d = diffSnapshots(x, y);
      assert.ok(d.same, `${n}: ${JSON.stringify(d.programs.map((p) => [p.label, p.reasons]))}`);
      assert.equal(x.contentHash, y.contentHash, n);
      assert.equal((await store.save(x)).saved, true, n);
      assert.equal((await store.save(y)).saved, false, n);
      assert.equal((await store.list(n)).length, 1, n);
    }
    // edge1: bpftool net names xdp_count's device; nothing names count_writes's tracepoint
    const da = diffSnapshots(s1.a, s2.a);
    assert.deepEqual(byStatus(da), { changed: ['count_writes · tracepoint'], unchanged: ['xdp_count · xdp'] });
    const [before, after] = [s1.a, s2.a].map((s) => s.programs.find((p) => p.name === 'count_writes')?.id);
    assert.deepEqual(da.programs[0]?.reasons, [
      { kind: 'attachUnknown', bpftool: a.info.bpftool?.version, beforeId: before, afterId: after },
    ]);
    assert.equal((await store.save(s1.a)).saved, true);
    assert.equal((await store.save(s2.a)).saved, true, 'the redeploy is recorded');
  });

  it('a program moved to another tracepoint under the same pins: trixie1 (bpftool 7.5) and forky1 (7.8) name both tracepoints; edge1 (7.1) records the redeploy and says its attach point is unknown', async () => {
    assert.match(a.info.bpftool?.version ?? '', /^7\.1\./);
    const moved = (s: Snapshot): SnapshotProgram | undefined => s.programs.find((p) => p.name === 'moved');
    for (const n of ALL) labSh('deploy', n, 'moved_getpgid');
    const s1 = { a: await snap(a), t: await each((_n, c) => snap(c)) };
    for (const x of s1.t)
      assert.equal(moved(x)?.attach.find((k) => k.kind === 'link:perf_event')?.target, 'sys_enter_getpgid', `bpftool ${x.node} names it`);
    assert.equal((await store.save(s1.a)).saved, true);
    for (const x of s1.t) assert.equal((await store.save(x)).saved, true);
    for (const n of ALL) labSh('deploy', n, 'moved_getsid');
    const s2 = { a: await snap(a), t: await each((_n, c) => snap(c)) };
    for (const [x, y] of [[s1.a, s2.a] as const, ...s1.t.map((x, i) => [x, s2.t[i] as Snapshot] as const)]) {
      assert.equal(moved(y)?.tag, moved(x)?.tag, 'the same code');
      assert.equal(moved(y)?.xlatedHash, moved(x)?.xlatedHash, 'the same instructions');
      assert.deepEqual(moved(y)?.pinned, moved(x)?.pinned, 'pinned under the same path');
      assert.notEqual(moved(y)?.id, moved(x)?.id, 'reloaded');
    }
    for (const [i, n] of NAMING.entries()) {
      const dt = diffSnapshots(s1.t[i] as Snapshot, s2.t[i] as Snapshot);
      assert.deepEqual(byStatus(dt), { changed: ['moved · tracepoint'], unchanged: ['count_writes · tracepoint', 'xdp_count · xdp'] }, n);
      assert.deepEqual(
        dt.programs[0]?.reasons,
        [{ kind: 'attach', attachKind: 'link:perf_event', before: 'sys_enter_getpgid', after: 'sys_enter_getsid' }],
        n,
      );
      assert.match(diffText(dt, false), /^ {11}attach point sys_enter_getpgid → sys_enter_getsid$/m);
      assert.equal((await store.save(s2.t[i] as Snapshot)).saved, true, `${n}: the move is recorded`);
    }
    const da = diffSnapshots(s1.a, s2.a);
    assert.deepEqual(byStatus(da), { changed: ['moved · tracepoint'], unchanged: ['count_writes · tracepoint', 'xdp_count · xdp'] });
    assert.deepEqual(da.programs[0]?.reasons, [
      { kind: 'attachUnknown', bpftool: a.info.bpftool?.version, beforeId: moved(s1.a)?.id, afterId: moved(s2.a)?.id },
    ]);
    const text = diffText(da, false);
    assert.match(text, /^ {11}attach point unknown on this node \(bpftool 7\.1\.\d+\): reloaded \(#\d+ → #\d+\), it may have moved$/m);
    assert.doesNotMatch(text, /no change/);
    assert.equal((await store.save(s2.a)).saved, true, 'edge1: the redeploy is recorded');
  });

  it('ebpf-lens snapshot on edge1 (bpftool 7.1) records a moved program, and ebpf-lens diff says its attach point is unknown', async () => {
    const out = tempDir('ebpf-lens-cli-moved-');
    const cfg = writeConfig([nodeConfig('edge1', SCOPE)]);
    const xdg = tempXdg();
    const snapshot = async (): Promise<{ path: string; saved: boolean }> => {
      const r = await cli(['snapshot', '--config', cfg, '--node', 'edge1', '--out', out, '--json'], { XDG_CONFIG_HOME: xdg });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { path: string; saved: boolean };
    };
    labSh('deploy', 'edge1', 'moved_getpgid');
    const p1 = await snapshot();
    labSh('deploy', 'edge1', 'moved_getsid');
    const p2 = await snapshot();
    assert.equal(p2.saved, true, 'the redeploy is recorded');
    assert.notEqual(p2.path, p1.path);
    const d = await cli(['diff', p1.path, p2.path]);
    assert.equal(d.code, 1, d.stdout);
    assert.match(d.stdout, /1 changed, 0 added, 0 removed, 2 unchanged/);
    assert.match(
      d.stdout,
      /^ {2}changed {2}moved · tracepoint #\d+\n {11}attach point unknown on this node \(bpftool 7\.1\.\d+\): reloaded/m,
    );
  });

  it('removed and added programs are reported as such', async () => {
    const s1 = await snap(a);
    labSh('undeploy', 'edge1', 'xdp');
    const s2 = await snap(a);
    assert.deepEqual(byStatus(diffSnapshots(s1, s2)), { removed: ['xdp_count · xdp'], unchanged: ['count_writes · tracepoint'] });
    assert.deepEqual(byStatus(diffSnapshots(s2, s1)), { added: ['xdp_count · xdp'], unchanged: ['count_writes · tracepoint'] });
  });

  for (const n of NAMING)
    it(`bpftool 7.1 (edge1) and ${n}'s running the same objects: "same"; v2 on one only: "changed" there, no change in the other’s history`, async () => {
      const t = named.get(n) as NodeClient;
      assert.notEqual(a.info.bpftool?.version, t.info.bpftool?.version);
      const e = await snap(a);
      const x = await snap(t);
      assert.ok(diffSnapshots(e, x).same, JSON.stringify(diffSnapshots(e, x).programs.map((p) => [p.label, p.reasons])));
      await store.save(e);
      labSh('deploy', n, 'counter_v2');
      const x2 = await snap(t);
      assert.deepEqual(byStatus(diffSnapshots(e, x2)).changed, ['count_writes · tracepoint']);
      assert.equal((await store.save(await snap(a))).saved, false, 'edge1 did not change');
    });

  it('a bpftrace running during a snapshot is not recorded as a deployment (every flavour, whole kernel)', async () => {
    for (const node of ['edge2', 'trixie1', 'forky1']) {
      const c = await openNode(node); // no scope: the whole kernel
      try {
        const tr = await TraceRun.start(c, { script: 'tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }' });
        await tr.attached;
        const s = await snap(c);
        tr.stop();
        await tr.finished;
        assert.ok(s.transient >= 1, `${node}: ${s.transient} transient`);
        assert.ok(!s.programs.some((p) => p.owners.some((o) => o.comm === 'bpftrace')), node);
        assert.ok(
          s.programs.some((p) => p.name === 'count_writes'),
          'the deployments are there',
        );
      } finally {
        c.close();
      }
    }
  });

  it('corrupt and truncated snapshot files are reported and skipped; the others are intact', async () => {
    const good = await snap(a);
    const { entry } = await store.save(good);
    const dir = path.dirname(entry.path);
    const text = fs.readFileSync(entry.path, 'utf8');
    fs.writeFileSync(path.join(dir, '2099-01-01T00-00-00.000Z_aaaaaaaaaaaa_2.json'), text.slice(0, text.length / 2));
    fs.writeFileSync(path.join(dir, '2099-01-02T00-00-00.000Z_bbbbbbbbbbbb_2.json'), '{"version": 1, "node": "edge1"}');
    const problems: string[] = [];
    const latest = await store.latest('edge1', problems);
    assert.equal(latest?.contentHash, good.contentHash);
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /not valid JSON/);
    assert.match(problems.join('\n'), /missing node, takenAt or programs/);
    const r = await cli(['diff', entry.path, path.join(dir, '2099-01-01T00-00-00.000Z_aaaaaaaaaaaa_2.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not valid JSON/);
  });

  it('ebpf-lens snapshot and diff (the CLI a deploy job would run)', async () => {
    const out = tempDir('ebpf-lens-cli-snaps-');
    const cfg = writeConfig([nodeConfig('edge1', SCOPE)]);
    const xdg = tempXdg();
    const r1 = await cli(['snapshot', '--config', cfg, '--node', 'edge1', '--out', out, '--json'], { XDG_CONFIG_HOME: xdg });
    assert.equal(r1.code, 0, r1.stderr);
    labSh('deploy', 'edge1', 'counter_v2');
    const r2 = await cli(['snapshot', '--config', cfg, '--node', 'edge1', '--out', out, '--json'], { XDG_CONFIG_HOME: xdg });
    const r3 = await cli(['snapshot', '--config', cfg, '--node', 'edge1', '--out', out, '--json'], { XDG_CONFIG_HOME: xdg });
    const [p1, p2, p3] = [r1, r2, r3].map((r) => JSON.parse(r.stdout) as { path: string; saved: boolean });
    assert.equal(p2?.saved, true);
    assert.equal(p3?.saved, false, 'unchanged: not written again');
    const d = await cli(['diff', p1?.path ?? '', p2?.path ?? '']);
    assert.equal(d.code, 1);
    assert.match(d.stdout, /1 changed, 0 added, 0 removed, 1 unchanged/);
    assert.match(d.stdout, /map write_counts: valueSize 8 → 16/);
    const same = await cli(['diff', p2?.path ?? '', p3?.path ?? '']);
    assert.equal(same.code, 0);
    assert.match(same.stdout, /no change/);
  });
});
