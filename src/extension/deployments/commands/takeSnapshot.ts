import * as vscode from 'vscode';
import type { DeploymentsController } from '../deploymentsController';
import { pickNode } from '../pickers';

/** `ebpfLens.takeSnapshot`: snapshot a node's deployment now; answers where it is stored and whether it was new. */
export async function takeSnapshot(c: DeploymentsController, arg?: unknown): Promise<{ path: string; saved: boolean }> {
  const node = await pickNode(c, arg, 'Snapshot the deployment of');
  const client = await c.ctx.nodes.fleet.connect(node);
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `eBPF Lens: snapshot of ${node}…` },
    () => c.snapshotWith(client),
  );
  void vscode.window.showInformationMessage(
    r.saved ? `Snapshot of ${node}: ${r.snapshot.programs.length} programs.` : `${node}: no change since the last snapshot.`,
  );
  return { path: r.path, saved: r.saved };
}
