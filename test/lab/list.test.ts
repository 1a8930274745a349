import * as assert from 'node:assert/strict';
import { bpftoolOn, cli, labSh, nodeConfig, tempXdg, writeConfig } from './labEnv';

interface JsonProg {
  id: number;
  name: string;
  tag: string;
  type: string;
  mapIds: number[];
  pinned: string[];
  attach: { via: string; kind: string; target?: string }[];
}
interface JsonNode {
  node: string;
  ok: boolean;
  programs: JsonProg[];
  maps: { id: number; name: string }[];
  info: { bpftool: { version: string }; bpftrace: { version: string }; uid: number };
  error?: { kind: string; message: string };
}

const PIN = '/sys/fs/bpf/edge/counter/prog_count_writes';

async function listJson(
  nodes: string[],
  over: Record<string, unknown> = {},
): Promise<{ code: number | null; nodes: JsonNode[]; stderr: string }> {
  const cfg = writeConfig(nodes.map((n) => nodeConfig(n, over)));
  const r = await cli(['list', '--config', cfg, '--node', nodes.join(','), '--json'], { XDG_CONFIG_HOME: tempXdg() });
  return { code: r.code, nodes: (JSON.parse(r.stdout || '{"nodes":[]}') as { nodes: JsonNode[] }).nodes, stderr: r.stderr };
}

const key = (p: { id: number; name: string; tag: string; mapIds?: number[]; map_ids?: number[] }): string =>
  `${p.id} ${p.name} ${p.tag} [${(p.mapIds ?? p.map_ids ?? []).join(',')}]`;

describe('ebpf-lens list against real nodes', () => {
  before(() => {
    for (const n of ['edge1', 'edge2', 'trixie1', 'forky1']) labSh('undeploy', n);
    labSh('deploy', 'edge1', 'counter_v1');
    labSh('deploy', 'edge1', 'xdp');
    labSh('deploy', 'trixie1', 'counter_v1');
    labSh('deploy', 'forky1', 'counter_v1');
  });
  after(() => {
    for (const n of ['edge1', 'trixie1', 'forky1']) labSh('undeploy', n);
  });

  for (const [node, bpftool, bpftrace] of [
    ['edge1', '7.1.0', '0.17.0'],
    ['trixie1', '7.5.0', '0.23.2'],
    ['forky1', '7.8.0', '0.27.0'],
  ] as const) {
    it(`${node} (bpftool ${bpftool}): equals bpftool run on the node — ids, names, tags, map ids`, async () => {
      const { code, nodes, stderr } = await listJson([node]);
      assert.equal(code, 0, stderr);
      const n = nodes[0];
      assert.ok(n?.ok);
      assert.equal(n.info.bpftool.version, bpftool);
      assert.equal(n.info.bpftrace.version, bpftrace);
      const truth = bpftoolOn(node, 'prog', 'show') as { id: number; name: string; tag: string; map_ids?: number[] }[];
      assert.deepEqual(n.programs.map(key).sort(), truth.map(key).sort());
      const truthMaps = bpftoolOn(node, 'map', 'show') as { id: number }[];
      assert.deepEqual(n.maps.map((m) => m.id).sort(), truthMaps.map((m) => m.id).sort());
    });
  }

  it('pinned paths prove node identity: a program deployed on A shows its pin on A only', async () => {
    const { code, nodes } = await listJson(['edge1', 'edge2', 'trixie1', 'forky1']);
    assert.equal(code, 0);
    const [a, b, t, f] = nodes;
    assert.ok(a && b && t && f);
    const onA = a.programs.filter((p) => p.pinned.includes(PIN));
    const onT = t.programs.filter((p) => p.pinned.includes(PIN));
    const onF = f.programs.filter((p) => p.pinned.includes(PIN));
    assert.equal(onA.length, 1);
    assert.equal(onT.length, 1);
    assert.equal(onF.length, 1);
    // each pin once (bpftool 7.8 prints a pinned path twice)
    for (const p of [...onA, ...onT, ...onF]) assert.deepEqual(p.pinned, [PIN]);
    assert.equal(new Set([onA[0]?.id, onT[0]?.id, onF[0]?.id]).size, 3, 'edge1, trixie1 and forky1 each have their own deployment');
    // the same kernel lists both programs everywhere, but only the owner's bpffs pins them
    const aId = onA[0]?.id;
    assert.ok(
      b.programs.some((p) => p.id === aId),
      'edge2 sees the program (one kernel)',
    );
    assert.deepEqual(b.programs.find((p) => p.id === aId)?.pinned, []);
    assert.deepEqual(t.programs.find((p) => p.id === aId)?.pinned, []);
    assert.deepEqual(f.programs.find((p) => p.id === aId)?.pinned, []);
    assert.ok(!b.programs.some((p) => p.pinned.length > 0), 'edge2 deployed nothing');
  });

  it('attach points are merged from link, net and perf', async () => {
    const { nodes } = await listJson(['edge1']);
    const xdp = nodes[0]?.programs.find((p) => p.name === 'xdp_count' && p.pinned.length > 0);
    assert.ok(xdp);
    assert.ok(xdp.attach.some((a) => a.via === 'link' && a.kind === 'xdp'));
    assert.ok(xdp.attach.some((a) => a.via === 'net' && a.target === 'eth0 driver'));
  });

  it('a node scope keeps only its own deployment', async () => {
    const { nodes } = await listJson(['edge1'], { scope: { pinPrefixes: ['/sys/fs/bpf/edge'] } });
    assert.deepEqual(nodes[0]?.programs.map((p) => p.name).sort(), ['count_writes', 'xdp_count']);
  });

  for (const node of ['edge2', 'trixie1', 'forky1']) {
    it(`${node}: deploy during the test appears, undeploy is gone`, async () => {
      const cfgNodes = [nodeConfig(node, { scope: { pinPrefixes: ['/sys/fs/bpf/edge'] } })];
      const run = async (): Promise<JsonNode> => {
        const r = await cli(['list', '--config', writeConfig(cfgNodes), '--node', node, '--json'], { XDG_CONFIG_HOME: tempXdg() });
        assert.equal(r.code, 0, r.stderr);
        return (JSON.parse(r.stdout) as { nodes: JsonNode[] }).nodes[0] as JsonNode;
      };
      labSh('undeploy', node);
      assert.equal((await run()).programs.length, 0);
      labSh('deploy', node, 'counter_v2');
      const deployed = (await run()).programs;
      assert.equal(deployed.length, 1);
      assert.equal(deployed[0]?.name, 'count_writes');
      assert.deepEqual(deployed[0]?.pinned, [PIN]);
      const id = deployed[0]?.id;
      labSh('undeploy', node);
      const after = await listJson([node]);
      assert.ok(!after.nodes[0]?.programs.some((p) => p.id === id), 'the undeployed program is gone from the kernel');
    });
  }

  it('human output shows the node header and the program table', async () => {
    const cfg = writeConfig([nodeConfig('edge1', { scope: { pinPrefixes: ['/sys/fs/bpf/edge'] } })]);
    const r = await cli(['list', '--config', cfg, '--node', 'edge1'], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^edge1 {2}root@10\.200\.0\.11:22 .* bpftool 7\.1\.0 {2}bpftrace 0\.17\.0 {2}\(root\)/);
    assert.match(r.stdout, /Programs \(2\)/);
    assert.match(r.stdout, /count_writes +88d5a222547c06a0|count_writes +[0-9a-f]{16}/);
    assert.match(r.stdout, new RegExp(PIN));
  });
});
