import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseLinkShow, parseMapShow, parseNet, parsePerf, parseProgShow } from '../../src/core/bpftool/parse';
import type { NodeConfig } from '../../src/core/inventory/inventory';
import { parseNodes } from '../../src/core/inventory/inventory';
import { mergeListing } from '../../src/core/nodes/listing';
import type { NodeInfo } from '../../src/core/remote/nodeInfo';
import type { NodeView, TreeRow } from '../../src/core/nodes/tree';
import { errorLabel } from '../../src/core/nodes/nodeText';
import { buildTree, findRow } from '../../src/core/nodes/tree';
import { fixture } from './paths';

const read = (f: string): string => fs.readFileSync(fixture('bpftool', '7.5', f), 'utf8');
const listing = mergeListing({
  programs: parseProgShow(read('prog_show.json')).value,
  maps: parseMapShow(read('map_show.json')).value,
  links: parseLinkShow(read('link_show.json')).value,
  net: parseNet(read('net.json')).value,
  perf: parsePerf(read('perf.json')).value,
});
const info: NodeInfo = {
  hostname: 'edge1',
  kernel: '6.18.44-fc-v669',
  arch: 'x86_64',
  os: 'Debian',
  btf: true,
  bootId: 'b',
  uid: 0,
  user: 'root',
  bpftool: { path: '/usr/sbin/bpftool', version: '7.5.0' },
  bpftrace: { path: '/usr/bin/bpftrace', version: '0.23.2' },
  sudo: { present: true, bpftool: false, bpftrace: false },
};
const configs = parseNodes(
  [
    { name: 'edge1', host: '10.0.0.1', tags: ['paris', 'prod'] },
    { name: 'edge2', host: '10.0.0.2', port: 2222, tags: ['berlin'] },
    { name: 'edge3', host: '10.0.0.3' },
  ],
  'settings',
).value;
const cfg = (n: string): NodeConfig => configs.find((c) => c.name === n) as NodeConfig;

const views = (): NodeView[] => [
  { config: cfg('edge1'), state: 'connected', info, listing, statsOn: false, active: true, refreshedAt: Date.UTC(2026, 10, 25) },
  {
    config: cfg('edge2'),
    state: 'failed',
    error: { kind: 'ssh.hostKeyMismatch', message: 'HOST KEY CHANGED for edge2' },
    statsOn: false,
    active: false,
  },
  { config: cfg('edge3'), state: 'idle', statsOn: false, active: false },
];

function all(rows: readonly TreeRow[]): TreeRow[] {
  return rows.flatMap((r) => [r, ...all(r.children)]);
}

describe('Nodes tree model', () => {
  it('one row per node, sorted, with state, tools and context tokens', () => {
    const rows = buildTree(views(), { groupByTag: false, filter: '' });
    assert.deepEqual(
      rows.map((r) => r.label),
      ['edge1', 'edge2', 'edge3'],
    );
    const [e1, e2, e3] = rows;
    assert.equal(e1?.description, 'active · 6.18.44 · bpftool 7.5.0 · bpftrace 0.23.2');
    assert.equal(e1?.contextValue, 'node:connected:root:active');
    assert.equal(e1?.icon, 'vm-running');
    assert.equal(e2?.description, 'HOST KEY CHANGED');
    assert.equal(e2?.contextValue, 'node:disconnected:error');
    assert.equal(e2?.icon, 'error');
    assert.equal(e2?.children[0]?.kind, 'error');
    assert.equal(e2?.children[0]?.command?.id, 'ebpfLens.showLog');
    assert.equal(e3?.description, '10.0.0.3');
    assert.equal(e3?.collapsible, 'collapsed', 'an idle node expands (to connect)');
    assert.ok(!all(rows).some((r) => /\n\s+at /.test(r.label + (r.tooltip ?? ''))), 'never a stack trace');
  });

  it('programs grouped by type; every program, map and link of the listing appears once', () => {
    const e1 = buildTree(views(), { groupByTag: false, filter: '' })[0] as TreeRow;
    assert.deepEqual(
      e1.children.map((r) => `${r.label} ${r.description}`),
      ['Programs 8', 'Maps 12', 'Links 4'],
    );
    const types = e1.children[0]?.children.map((r) => `${r.label} ${r.description}`);
    assert.deepEqual(types, ['kprobe 2', 'tracepoint 4', 'xdp 2']);
    const progRows = all(e1.children).filter((r) => r.kind === 'program');
    assert.deepEqual(
      progRows.map((r) => r.ref?.id).sort((a, b) => (a ?? 0) - (b ?? 0)),
      listing.programs.map((p) => p.program.id).sort((a, b) => a - b),
    );
    const pinned = progRows.find((r) => r.ref?.id === 114);
    assert.equal(pinned?.label, 'count_writes');
    assert.equal(pinned?.contextValue, 'program:pinned');
    assert.match(pinned?.description ?? '', /^#114 · 88d5a222547c06a0$/);
    assert.deepEqual(
      pinned?.children.map((c) => c.label),
      ['perf_event sys_enter_write', '/sys/fs/bpf/edge/counter/prog_count_writes', 'write_counts'],
    );
    assert.match(pinned?.tooltip ?? '', /\| tag \| 88d5a222547c06a0 \|/);
    const links = all(e1.children).filter((r) => r.kind === 'link');
    assert.ok(links.some((l) => l.label === 'perf_event → sys_enter_write'));
    const ids = all(buildTree(views(), { groupByTag: false, filter: '' })).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'row ids are unique');
  });

  it('stats appear on program rows when measured', () => {
    const v = views();
    const stats = new Map([[114, { eventsPerSec: 12400, avgNs: 230, cpuPercent: 0.29, runCnt: 1e6, runTimeNs: 2.3e8, windowSec: 2 }]]);
    v[0] = { ...(v[0] as NodeView), statsOn: true, stats };
    const rows = all(buildTree(v, { groupByTag: false, filter: '' }));
    assert.equal(rows.find((r) => r.ref?.id === 114)?.description, '12.4k ev/s · 230 ns · 0.29% CPU · #114 · 88d5a222547c06a0');
    assert.match(rows[0]?.contextValue ?? '', /:stats$/);
  });

  it('group by tag: a node with two tags is under both, untagged last', () => {
    const rows = buildTree(views(), { groupByTag: true, filter: '' });
    assert.deepEqual(
      rows.map((r) => `${r.label}:${r.children.map((c) => c.label).join(',')}`),
      ['berlin:edge2', 'paris:edge1', 'prod:edge1', '(untagged):edge3'],
    );
    const ids = all(rows).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('filter: by node name, tag or host shows whole nodes; by program name shows only matches', () => {
    assert.deepEqual(
      buildTree(views(), { groupByTag: false, filter: 'BERLIN' }).map((r) => r.label),
      ['edge2'],
    );
    const byProg = buildTree(views(), { groupByTag: false, filter: 'xdp_count' });
    assert.deepEqual(
      byProg.map((r) => r.label),
      ['edge1'],
    );
    const progs = all(byProg).filter((r) => r.kind === 'program');
    assert.deepEqual([...new Set(progs.map((r) => r.label))], ['xdp_count']);
    assert.deepEqual(buildTree(views(), { groupByTag: false, filter: 'nothing-matches' }), []);
  });

  it('findRow finds any row by id, also below tag groups', () => {
    const rows = buildTree(views(), { groupByTag: true, filter: '' });
    const prog = all(rows).find((r) => r.ref?.id === 120);
    assert.ok(prog);
    assert.equal(findRow(rows, prog.id), prog);
  });

  it('every error kind has a short label', () => {
    for (const k of ['ssh.unreachable', 'ssh.authFailed', 'ssh.hostKeyMismatch', 'ssh.hostKeyUnknown', 'tool.missing', 'tool.needsRoot']) {
      assert.notEqual(errorLabel(k), 'error', k);
    }
  });
});
