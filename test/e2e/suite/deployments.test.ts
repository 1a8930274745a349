/** Deployments: snapshots on connect and on change, Compare with Previous, a postmortem. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { labSh, nodeConfig, waitFor } from '../../lab/labEnv';
import { activateExtension, all, withDeployedPrograms } from './host';

describe('eBPF Lens in the real extension host', () => {
  let api: EbpfLensApi;

  withDeployedPrograms();
  before(async () => {
    api = await activateExtension();
  });

  it('deployments: a snapshot on connect and on change; Compare with Previous shows exactly what changed; a postmortem', async () => {
    const cfg = vscode.workspace.getConfiguration('ebpfLens');
    const nodesBefore = cfg.get<unknown[]>('nodes', []);
    await cfg.update(
      'nodes',
      [...nodesBefore, { ...nodeConfig('edge1'), name: 'edge1s', scope: { pinPrefixes: ['/sys/fs/bpf/edge'] } }],
      vscode.ConfigurationTarget.Global,
    );
    try {
      labSh('deploy', 'edge1', 'counter_v1');
      await waitFor(() => api.nodes.fleet.names().includes('edge1s'), 5000, 'the scoped node');
      await vscode.commands.executeCommand('ebpfLens.connect', 'edge1s');
      await waitFor(async () => (await api.deployments.list('edge1s')).length >= 1, 10_000, 'the snapshot taken on connect');
      const n1 = (await api.deployments.list('edge1s')).length;
      labSh('deploy', 'edge1', 'counter_v2');
      await vscode.commands.executeCommand('ebpfLens.refresh', 'edge1s');
      await waitFor(async () => (await api.deployments.list('edge1s')).length === n1 + 1, 10_000, 'a snapshot of the new deployment');
      await vscode.commands.executeCommand('ebpfLens.refresh', 'edge1s');
      assert.equal((await api.deployments.list('edge1s')).length, n1 + 1, 'an unchanged deployment is not snapshotted again');
      api.nodes.tree.rebuildNow();
      const dep = all(api.nodes.tree.rows()).find((r) => r.node === 'edge1s' && r.label === 'Deployments');
      assert.equal(dep?.children.length, n1 + 1);
      await vscode.commands.executeCommand('ebpfLens.compareWithPrevious', 'edge1s');
      const d = api.deployments.lastDiff();
      assert.deepEqual(
        d?.programs.filter((p) => p.status !== 'unchanged').map((p) => [p.status, p.label]),
        [['changed', 'count_writes · tracepoint']],
      );
      assert.ok(d?.programs[0]?.reasons.some((r) => r.kind === 'mapDefinition' && r.map === 'write_counts' && r.field === 'valueSize'));
      const md = await vscode.commands.executeCommand<string>('ebpfLens.exportPostmortem', 'edge1s', {
        sinceMs: 3_600_000,
        notes: 'written by the e2e suite',
      });
      assert.match(md ?? '', /# Postmortem: edge1s/);
      assert.match(md ?? '', /written by the e2e suite/);
      assert.match(
        md ?? '',
        /- changed `count_writes · tracepoint`: tag [0-9a-f]+ → [0-9a-f]+; instructions \+\d+ −\d+; map write_counts: valueSize 8 → 16/,
      );
    } finally {
      labSh('deploy', 'edge1', 'counter_v1');
      await vscode.commands.executeCommand('ebpfLens.disconnect', 'edge1s');
      await cfg.update('nodes', nodesBefore, vscode.ConfigurationTarget.Global);
    }
  });
});
