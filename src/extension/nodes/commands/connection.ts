import * as vscode from 'vscode';
import type { NodeArg } from '../pickNode';
import { pickNode } from '../pickNode';
import type { NodesController } from '../nodesController';

/** `ebpfLens.connect`: the first node connected becomes the active one; answers its state. */
export async function connect(c: NodesController, arg: NodeArg): Promise<string | undefined> {
  const node = await pickNode(c.fleet, arg, 'Node to connect');
  await c.connectWithProgress(node);
  if (!c.fleet.activeNode) c.fleet.setActive(node);
  return c.fleet.view(node)?.state;
}

export async function disconnect(c: NodesController, arg: NodeArg): Promise<void> {
  const node = await pickNode(c.fleet, arg, 'Node to disconnect', (n) => c.fleet.view(n)?.state !== 'idle');
  await c.fleet.disconnect(node);
}

/** `ebpfLens.refresh`: list a node's programs, maps and links again. */
export async function refresh(c: NodesController, arg: NodeArg): Promise<void> {
  const node = await pickNode(c.fleet, arg, 'Node to refresh');
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `eBPF: listing ${node}` }, () =>
    c.fleet.refresh(node),
  );
}

/** `ebpfLens.refreshAll`: read the inventory again and list every connected node. */
export async function refreshAll(c: NodesController): Promise<void> {
  c.loadInventory();
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'eBPF: refreshing nodes' }, () =>
    c.fleet.refreshAll(),
  );
}
