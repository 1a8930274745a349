import * as vscode from 'vscode';
import type { TreeRow } from '../../core/nodes/tree';
import type { DeploymentsController } from './deploymentsController';

/** the tree row a command was invoked on (a node, or one of its snapshots) */
export const rowOf = (arg: unknown): TreeRow | undefined => (arg && typeof arg === 'object' && 'id' in arg ? (arg as TreeRow) : undefined);

/** The node an argument names (a name, a tree row), else the active node, else the one the user picks. */
export async function pickNode(c: DeploymentsController, arg: unknown, title: string): Promise<string> {
  const { fleet } = c.ctx.nodes;
  const row = rowOf(arg);
  if (typeof arg === 'string') return arg;
  if (row?.node) return row.node;
  const n = fleet.activeNode ?? (await vscode.window.showQuickPick(fleet.names().sort(), { title }));
  if (!n) throw new vscode.CancellationError();
  return n;
}

/** One of a node's stored snapshots (its path), newest first; `exclude` is the one picked before. */
export async function pickSnapshot(c: DeploymentsController, node: string, title: string, exclude?: string): Promise<string> {
  const list = (await c.reload(node)).filter((e) => e.path !== exclude).reverse();
  if (list.length === 0) throw new Error(`no deployment snapshots of ${node} yet`);
  const pick = await vscode.window.showQuickPick(
    list.map((e) => ({
      label: new Date(e.takenAt).toLocaleString(),
      description: `${e.programs} programs · ${e.hash.slice(0, 8)}`,
      path: e.path,
    })),
    { title, ignoreFocusOut: true },
  );
  if (!pick) throw new vscode.CancellationError();
  return pick.path;
}
