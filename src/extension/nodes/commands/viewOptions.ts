import * as vscode from 'vscode';
import type { NodesController } from '../nodesController';

/** `ebpfLens.filterNodes`: answers the filter now in effect. */
export async function filterNodes(c: NodesController): Promise<string> {
  const v = await vscode.window.showInputBox({
    title: 'Filter eBPF Nodes',
    prompt: 'Node name, host or tag; program, map or link name, type or id',
    value: c.filter,
  });
  if (v === undefined) return c.filter;
  c.setFilter(v.trim());
  return c.filter;
}

export function clearFilter(c: NodesController): void {
  c.setFilter('');
}

/** `ebpfLens.toggleGroupByTag`: answers whether the view groups by tag now. */
export async function toggleGroupByTag(c: NodesController): Promise<boolean> {
  const { config } = c.ctx;
  await config.update('tree.groupByTag', !config.groupByTag);
  c.tree.rebuildNow();
  return config.groupByTag;
}

export function openSettings(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'ebpfLens');
}
