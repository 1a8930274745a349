import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ToolError } from '../../src/core/base/errors';
import type { TreeRow } from '../../src/core/nodes/tree';
import { buildTree } from '../../src/core/nodes/tree';
import { Fleet, MIN_STATS_WINDOW_MS } from '../../src/ssh/fleet';
import { cli, context, FLAVOUR_NODES, inventory, lab, labSh, nodeConfig, sleep, tempXdg, waitFor, writeConfig } from './labEnv';

const sysctl = (): string => labSh('nodeexec', 'edge1', 'cat', '/proc/sys/kernel/bpf_stats_enabled').trim();
const all = (rows: readonly TreeRow[]): TreeRow[] => rows.flatMap((r) => [r, ...all(r.children)]);

/**
 * The Nodes capability below VS Code: the same Fleet and tree model the extension shows, on
 * real nodes (the e2e tier checks the same through the extension's exported API).
 */
describe('Nodes: fleet and tree on real nodes', () => {
  let fleet: Fleet;
  before(() => {
    labSh('deploy', 'edge1', 'counter_v1');
    labSh('deploy', 'edge1', 'xdp');
    labSh('deploy', 'trixie1', 'counter_v1');
    labSh('deploy', 'forky1', 'counter_v1');
  });
  after(() => {
    for (const n of ['edge1', 'trixie1', 'forky1']) labSh('undeploy', n);
  });
  beforeEach(() => {
    fleet = new Fleet({ ctx: context(), recoverStatsOnConnect: true });
  });
  afterEach(async () => fleet.dispose());

  for (const node of FLAVOUR_NODES) {
    it(`${node}: the tree shows exactly what ebpf-lens list shows`, async () => {
      fleet.setInventory(inventory([nodeConfig(node)]));
      await fleet.connect(node);
      const r = await cli(['list', '--config', writeConfig([nodeConfig(node)]), '--node', node, '--json'], { XDG_CONFIG_HOME: tempXdg() });
      assert.equal(r.code, 0, r.stderr);
      const cliNode = (
        JSON.parse(r.stdout) as { nodes: { programs: { id: number; name: string }[]; maps: { id: number }[]; links: { id: number }[] }[] }
      ).nodes[0];
      assert.ok(cliNode);
      const rows = all(buildTree(fleet.views(), { groupByTag: false, filter: '' }));
      const ids = (kind: string): number[] =>
        rows
          .filter((x) => x.kind === kind)
          .map((x) => x.ref?.id ?? -1)
          .sort((a, b) => a - b);
      assert.deepEqual(
        ids('program'),
        cliNode.programs.map((p) => p.id).sort((a, b) => a - b),
      );
      assert.deepEqual(
        ids('map'),
        cliNode.maps.map((m) => m.id).sort((a, b) => a - b),
      );
      assert.deepEqual(
        ids('link'),
        cliNode.links.map((l) => l.id).sort((a, b) => a - b),
      );
      for (const p of cliNode.programs)
        assert.equal(rows.find((x) => x.ref?.type === 'program' && x.ref.id === p.id)?.label, p.name || '(no name)');
    });
  }

  it('an unreachable node and a node without sudo show their errors on their rows', async () => {
    labSh('cut', 'edge5');
    try {
      await fleet.dispose();
      const ctxFast = context({ connectTimeoutMs: 1500 });
      fleet = new Fleet({ ctx: ctxFast, backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } });
      fleet.setInventory(inventory([nodeConfig('edge5'), nodeConfig('edge6', { user: lab().noSudoUser })]));
      await assert.rejects(fleet.connect('edge5'));
      await assert.rejects(fleet.connect('edge6'), (e) => ToolError.is(e, 'needsRoot'));
      const rows = buildTree(fleet.views(), { groupByTag: false, filter: '' });
      assert.match(rows[0]?.description ?? '', /unreachable|timed out/);
      assert.equal(rows[0]?.children[0]?.kind, 'error');
      assert.match(rows[1]?.description ?? '', /needs root or sudo/);
    } finally {
      labSh('uncut', 'edge5');
    }
  });

  it('live stats: values for the deployed program grow while it fires', async () => {
    fleet.setInventory(inventory([nodeConfig('edge1', { scope: { pinPrefixes: ['/sys/fs/bpf/edge'] } })]));
    await fleet.connect('edge1');
    await fleet.enableStats('edge1');
    const counter = (): number | undefined => fleet.listing('edge1')?.programs.find((p) => p.program.name === 'count_writes')?.program.id;
    const id = counter();
    assert.ok(id);
    // the program counts write(2): make the node write
    // rates need a window of MIN_STATS_WINDOW_MS between samples (shorter ones are noise)
    labSh('nodeexec', 'edge1', 'sh', '-c', 'for i in $(seq 1 2000); do echo x; done > /dev/null');
    await sleep(MIN_STATS_WINDOW_MS + 100);
    await fleet.refresh('edge1');
    const s1 = fleet.view('edge1')?.stats?.get(id);
    labSh('nodeexec', 'edge1', 'sh', '-c', 'for i in $(seq 1 2000); do echo x; done > /dev/null');
    await sleep(MIN_STATS_WINDOW_MS + 100);
    await fleet.refresh('edge1');
    const s2 = fleet.view('edge1')?.stats?.get(id);
    assert.ok(s1 && s2, 'stats measured');
    assert.ok(s2.runCnt >= s1.runCnt + 2000, `run count grew by the writes: ${s1.runCnt} → ${s2.runCnt}`);
    assert.ok(s2.eventsPerSec > 0 && (s2.avgNs ?? 0) > 0 && s2.cpuPercent > 0);
    const row = all(buildTree(fleet.views(), { groupByTag: false, filter: '' })).find((r) => r.ref?.id === id);
    assert.match(row?.description ?? '', /ev\/s · .* · .*% CPU/);
  });

  it('stats are reference-counted per kernel: two nodes of one kernel, then restored', async () => {
    const before = sysctl();
    assert.equal(before, '0');
    fleet.setInventory(inventory([nodeConfig('edge1'), nodeConfig('edge2')]));
    await fleet.connect('edge1');
    await fleet.connect('edge2');
    const a = await fleet.enableStats('edge1');
    const b = await fleet.enableStats('edge2');
    assert.equal(a.holders, 1);
    assert.equal(b.holders, 2);
    assert.equal(sysctl(), '1');
    await fleet.disconnect('edge1');
    assert.equal(sysctl(), '1', 'edge2 still holds the stats on');
    await fleet.disconnect('edge2');
    assert.equal(sysctl(), before, 'the value found before is back');
  });

  it('after a killed editor (kill -9) the next connect restores the value found before', async () => {
    assert.equal(sysctl(), '0');
    const script = path.join(__dirname, 'helpers', 'holdStats.js');
    const child = spawn(process.execPath, [script, 'edge1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('holding') || child.exitCode !== null, 20_000, 'the holder to enable stats');
    assert.match(out, /holding/);
    assert.equal(sysctl(), '1');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await sleep(500); // sshd notices the closed socket
    assert.equal(sysctl(), '1', 'nobody restored it yet');
    fleet.setInventory(inventory([nodeConfig('edge2')]));
    await fleet.connect('edge2');
    await waitFor(() => sysctl() === '0', 5000, 'the recovery on connect');
  });

  it('a sudo user without rights for the stats script gets a clear needs-root error', async () => {
    fleet.setInventory(inventory([nodeConfig('edge1', { user: lab().sudoUser })]));
    await fleet.connect('edge1');
    await assert.rejects(fleet.enableStats('edge1'), (e) => ToolError.is(e, 'needsRoot'));
    assert.equal(sysctl(), '0');
  });
});
