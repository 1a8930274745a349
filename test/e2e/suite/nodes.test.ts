/** The Nodes view: the nodes of the settings, their programs, maps and links as the CLI lists them, live stats. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { cli, labSh, nodeConfig, sleep, tempXdg, waitFor, writeConfig } from '../../lab/labEnv';
import { activateExtension, all, withDeployedPrograms } from './host';

const sysctl = (): string => labSh('nodeexec', 'edge1', 'cat', '/proc/sys/kernel/bpf_stats_enabled').trim();

interface CliNode {
  programs: { id: number; name: string }[];
  maps: { id: number }[];
  links: { id: number }[];
}

async function cliList(node: string): Promise<CliNode> {
  const r = await cli(['list', '--config', writeConfig([nodeConfig(node)]), '--node', node, '--json'], { XDG_CONFIG_HOME: tempXdg() });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { nodes: CliNode[] }).nodes[0] as CliNode;
}

describe('eBPF Lens in the real extension host', () => {
  let api: EbpfLensApi;

  withDeployedPrograms();
  before(async () => {
    api = await activateExtension();
  });

  it('the Nodes view shows the nodes of the ebpfLens.nodes setting', async () => {
    // remote settings may reach the extension host just after activation
    await waitFor(() => api.nodes.tree.rows().length >= 4, 10_000, 'the nodes from the settings');
    const names = api.nodes.tree.rows().map((r) => r.label);
    for (const n of ['edge1', 'edge2', 'trixie1', 'forky1']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    assert.deepEqual(api.nodes.inventoryProblems(), []);
  });

  for (const node of ['edge1', 'trixie1', 'forky1']) {
    it(`the Nodes tree for ${node} equals ebpf-lens list for it`, async () => {
      await vscode.commands.executeCommand('ebpfLens.connect', node);
      api.nodes.tree.rebuildNow();
      const nodeRow = api.nodes.tree.rows().find((r) => r.label === node);
      assert.ok(nodeRow);
      assert.match(nodeRow.contextValue, /^node:connected/, `${node}: ${api.nodes.fleet.view(node)?.error?.message ?? ''}`);
      const truth = await cliList(node);
      const rows = all(nodeRow.children);
      const ids = (kind: string): number[] =>
        rows
          .filter((r) => r.kind === kind)
          .map((r) => r.ref?.id ?? -1)
          .sort((a, b) => a - b);
      assert.deepEqual(
        ids('program'),
        truth.programs.map((p) => p.id).sort((a, b) => a - b),
      );
      assert.deepEqual(
        ids('map'),
        truth.maps.map((m) => m.id).sort((a, b) => a - b),
      );
      assert.deepEqual(
        ids('link'),
        truth.links.map((l) => l.id).sort((a, b) => a - b),
      );
      // the TreeItem VS Code renders for a program row
      const prog = rows.find((r) => r.kind === 'program' && r.label === 'count_writes' && r.contextValue === 'program:pinned');
      assert.ok(prog, 'the deployed program with its pin');
      const item = api.nodes.tree.getTreeItem(prog);
      assert.equal(item.label, 'count_writes');
      assert.equal(item.contextValue, 'program:pinned');
      assert.ok(item.tooltip instanceof vscode.MarkdownString && item.tooltip.value.includes('/sys/fs/bpf/edge/counter/prog_count_writes'));
    });
  }

  it('Show Program opens a read-only, normalised xlated dump; Show JSON opens the program as JSON', async () => {
    const prog = all(api.nodes.tree.rows()).find(
      (r) => r.node === 'edge1' && r.kind === 'program' && r.label === 'count_writes' && r.contextValue === 'program:pinned',
    );
    assert.ok(prog?.ref);
    const uri = (await vscode.commands.executeCommand<string>('ebpfLens.showProgram', prog)) ?? '';
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    assert.ok(doc, `document ${uri} is open`);
    const text = doc.getText();
    assert.match(text, /map\[write_counts\]/);
    assert.match(text, /call bpf_get_current_pid_tgid\n/);
    assert.doesNotMatch(text, /map\[id:\d+\]|call \w+#\d+/);
    assert.match(text, /; u32 pid = bpf_get_current_pid_tgid\(\) >> 32;/, 'source lines from BTF are kept');
    assert.equal(doc.uri.scheme, 'ebpf-lens');
    const jsonUri = (await vscode.commands.executeCommand<string>('ebpfLens.showJson', prog)) ?? '';
    const json = vscode.workspace.textDocuments.find((d) => d.uri.toString() === jsonUri);
    const obj = JSON.parse(json?.getText() ?? '{}') as { id: number; tag: string; pinned: string[] };
    assert.equal(obj.id, prog.ref.id);
    assert.deepEqual(obj.pinned, ['/sys/fs/bpf/edge/counter/prog_count_writes']);
    assert.equal(json?.languageId, 'json');
  });

  it('a settings change takes effect: a new node appears, grouping by tag regroups, removing it removes it', async () => {
    const cfg = vscode.workspace.getConfiguration('ebpfLens');
    const before = cfg.get<unknown[]>('nodes', []);
    try {
      await cfg.update('nodes', [...before, { ...nodeConfig('edge3'), tags: ['lab-e2e'] }], vscode.ConfigurationTarget.Global);
      await waitFor(() => api.nodes.tree.rows().some((r) => r.label === 'edge3'), 5000, 'edge3 in the tree');
      await cfg.update('tree.groupByTag', true, vscode.ConfigurationTarget.Global);
      await waitFor(() => api.nodes.tree.rows().some((r) => r.kind === 'group' && r.label === 'lab-e2e'), 5000, 'the tag group');
      const group = api.nodes.tree.rows().find((r) => r.label === 'lab-e2e');
      assert.deepEqual(
        group?.children.map((c) => c.label),
        ['edge3'],
      );
    } finally {
      await cfg.update('tree.groupByTag', undefined, vscode.ConfigurationTarget.Global);
      await cfg.update('nodes', before, vscode.ConfigurationTarget.Global);
    }
    await waitFor(
      () => !api.nodes.tree.rows().some((r) => r.label === 'edge3') && api.nodes.tree.rows().every((r) => r.kind === 'node'),
      5000,
      'edge3 gone',
    );
  });

  it('live stats through the extension: values grow; two nodes of one kernel share them; the value found before comes back', async () => {
    const fleet = api.nodes.fleet;
    assert.equal(sysctl(), '0');
    await vscode.commands.executeCommand('ebpfLens.connect', 'edge2');
    assert.equal(await vscode.commands.executeCommand('ebpfLens.enableStats', 'edge1'), true);
    assert.equal(await vscode.commands.executeCommand('ebpfLens.enableStats', 'edge2'), true);
    assert.equal(sysctl(), '1');
    const id = fleet.listing('edge1')?.programs.find((p) => p.program.name === 'count_writes' && p.program.pinned.length > 0)?.program.id;
    assert.ok(id);
    labSh('nodeexec', 'edge1', 'sh', '-c', 'for i in $(seq 1 3000); do echo x; done > /dev/null');
    await sleep(1100);
    await fleet.refresh('edge1');
    const s1 = fleet.view('edge1')?.stats?.get(id);
    labSh('nodeexec', 'edge1', 'sh', '-c', 'for i in $(seq 1 3000); do echo x; done > /dev/null');
    await sleep(1100);
    await fleet.refresh('edge1');
    const s2 = fleet.view('edge1')?.stats?.get(id);
    assert.ok(s1 && s2 && s2.runCnt >= s1.runCnt + 3000, `runs grew: ${s1?.runCnt} → ${s2?.runCnt}`);
    api.nodes.tree.rebuildNow();
    const row = all(api.nodes.tree.rows()).find((r) => r.node === 'edge1' && r.ref?.id === id);
    assert.match(row?.description ?? '', /ev\/s/);
    await vscode.commands.executeCommand('ebpfLens.disconnect', 'edge1');
    assert.equal(sysctl(), '1', 'edge2 still holds them');
    await vscode.commands.executeCommand('ebpfLens.disconnect', 'edge2');
    assert.equal(sysctl(), '0');
  });
});
