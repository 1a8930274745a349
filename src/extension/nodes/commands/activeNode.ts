import * as vscode from 'vscode';
import { errorMessage } from '../../../core/base/errors';
import type { TreeRow } from '../../../core/nodes/tree';
import type { NodeArg } from '../pickNode';
import { pickNode } from '../pickNode';
import type { NodesController } from '../nodesController';

/** `ebpfLens.setActiveNode`: the node that runs, completes and annotates for this workspace. */
export async function setActiveNode(c: NodesController, arg: NodeArg): Promise<string> {
  const node = await pickNode(c.fleet, arg, 'Active node (target of runs, completions and annotations)');
  await c.setActive(node);
  return node;
}

/** `ebpfLens.selectActiveNode` (the status bar's): the same, always with the picker. */
export async function selectActiveNode(): Promise<unknown> {
  return vscode.commands.executeCommand('ebpfLens.setActiveNode');
}

/** `ebpfLens.revealNode`: connect a node and show it, its programs expanded, in the Nodes view. */
export async function revealNode(c: NodesController, arg: NodeArg): Promise<boolean> {
  const { tree, view } = c;
  const node = await pickNode(c.fleet, arg, 'Node to show in the Nodes view');
  await vscode.commands.executeCommand('ebpfLens.nodes.focus');
  // its error shows on its row when it cannot connect
  await c.fleet.connect(node).catch((e: unknown) => c.ctx.log.warn(`${node}: ${errorMessage(e)}`));
  tree.rebuildNow();
  const all = (rows: readonly TreeRow[]): TreeRow[] => rows.flatMap((r) => [r, ...all(r.children)]);
  const row = all(tree.rows()).find((r) => r.kind === 'node' && r.node === node);
  if (!row) return false;
  await view.reveal(row, { select: true, focus: false, expand: true });
  const programs = row.children.find((r) => r.label === 'Programs');
  if (programs) await view.reveal(programs, { select: false, focus: false, expand: 2 });
  return true;
}
