import * as vscode from 'vscode';
import type { NodeArg } from '../pickNode';
import { pickNode } from '../pickNode';
import type { NodesController } from '../nodesController';

const ENABLE_DETAIL =
  "This sets kernel.bpf_stats_enabled=1 on the node's kernel: every BPF program there then counts its runs and run time, at a small cost per run. " +
  'eBPF Lens restores the value it found when the last of its connections to that kernel turns stats off or disconnects (also after a crash, on the next connect). ' +
  'It needs root on the node (a root login, or sudo -n for sh).';

/** `ebpfLens.enableStats`: live program stats on a node, after a confirmation (unless turned off). */
export async function enableStats(c: NodesController, arg: NodeArg): Promise<boolean> {
  const node = await pickNode(c.fleet, arg, 'Node to show live program stats for');
  if (c.ctx.config.statsConfirm) {
    const ok = await vscode.window.showWarningMessage(
      `Enable live BPF program stats on ${node}?`,
      { modal: true, detail: ENABLE_DETAIL },
      'Enable',
    );
    if (ok !== 'Enable') return false;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `eBPF Lens: enabling stats on ${node}…`, cancellable: true },
    (_p, token) => c.fleet.enableStats(node, token),
  );
  return true;
}

export async function disableStats(c: NodesController, arg: NodeArg): Promise<void> {
  const node = await pickNode(c.fleet, arg, 'Node to stop live stats on', (n) => c.fleet.view(n)?.statsOn === true);
  await c.fleet.disableStats(node);
}
