import * as vscode from 'vscode';
import type { SnapshotDiff } from '../../../core/snapshot/diff';
import type { DeploymentsController } from '../deploymentsController';
import { pickNode, pickSnapshot, rowOf } from '../pickers';
import type { StoredSnapshot } from '../showDiff';

/** `ebpfLens.compareWithPrevious`: a snapshot (the row's, else the latest) against the one before it. */
export async function compareWithPrevious(c: DeploymentsController, arg?: unknown): Promise<SnapshotDiff> {
  const row = rowOf(arg);
  const node = await pickNode(c, arg, 'Compare the deployments of');
  const list = await c.reload(node);
  const at = row?.snapshot ? list.findIndex((e) => e.path === row.snapshot) : list.length - 1;
  const cur = list[at];
  const prev = list[at - 1];
  if (!cur || !prev) throw new Error(`${node} has no earlier snapshot to compare with`);
  return c.showDiff([await c.load(prev.path), prev.path], [await c.load(cur.path), cur.path]);
}

/** `ebpfLens.compareSnapshots`: two snapshots of a node the user picks, the earlier on the left. */
export async function compareSnapshots(c: DeploymentsController, arg?: unknown): Promise<SnapshotDiff> {
  const node = await pickNode(c, arg, 'Compare the deployments of');
  const a = await pickSnapshot(c, node, `${node}: the earlier snapshot`);
  const b = await pickSnapshot(c, node, `${node}: compare with`, a);
  const [sa, sb] = [await c.load(a), await c.load(b)];
  return sa.takenAt <= sb.takenAt ? c.showDiff([sa, a], [sb, b]) : c.showDiff([sb, b], [sa, a]);
}

/** `ebpfLens.compareWithNode`: a node's deployment against another's, both snapshotted now. */
export async function compareWithNode(c: DeploymentsController, arg?: unknown, other?: string): Promise<SnapshotDiff> {
  const { fleet } = c.ctx.nodes;
  const node = await pickNode(c, arg, 'Compare the deployment of');
  const peer =
    other ??
    (await vscode.window.showQuickPick(
      fleet
        .names()
        .filter((n) => n !== node)
        .sort(),
      { title: `Compare ${node} with` },
    ));
  if (!peer) throw new vscode.CancellationError();
  const take = async (n: string): Promise<StoredSnapshot> => {
    const r = await c.snapshotWith(await fleet.connect(n));
    return [r.snapshot, r.path];
  };
  const [x, y] = [await take(node), await take(peer)];
  return c.showDiff(x, y);
}
