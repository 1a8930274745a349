import * as vscode from 'vscode';
import type { TreeRow } from '../../core/nodes/tree';
import type { Fleet } from '../../ssh/fleet';

/** What a node command is given: a tree row, a node's name, or nothing (then the user picks). */
export type NodeArg = TreeRow | string | undefined;

function nodeName(arg: NodeArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof arg.node === 'string' && arg.node) return arg.node;
  return undefined;
}

/** The node the argument names (it must be in the inventory), else the one the user picks among those `filterFn` keeps. */
export async function pickNode(
  fleet: Fleet,
  arg: NodeArg,
  placeHolder: string,
  filterFn: (n: string) => boolean = () => true,
): Promise<string> {
  const given = nodeName(arg);
  if (given) {
    if (!fleet.config(given)) throw new Error(`no node named "${given}" in the inventory`);
    return given;
  }
  const items = fleet
    .names()
    .filter(filterFn)
    .sort()
    .map((n) => {
      const v = fleet.view(n);
      return {
        label: n,
        description: v ? `${v.config.host}${v.config.port !== 22 ? `:${v.config.port}` : ''}` : '',
        detail: v?.state ?? '',
      };
    });
  if (items.length === 0) throw new Error('no nodes: add one with "eBPF: Add Node…"');
  const pick = await vscode.window.showQuickPick(items, { placeHolder });
  if (!pick) throw new vscode.CancellationError();
  return pick.label;
}
