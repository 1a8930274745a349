import * as path from 'node:path';
import * as vscode from 'vscode';
import { StorageError, errorMessage } from '../../core/base/errors';
import type { NodeListing } from '../../core/nodes/listing';
import type { DeploymentEntry } from '../../core/nodes/tree';
import type { SnapshotDiff } from '../../core/snapshot/diff';
import { diffSnapshots } from '../../core/snapshot/diff';
import { knownFromStore } from '../../core/snapshot/known';
import type { Snapshot } from '../../core/snapshot/model';
import { isTransient } from '../../core/snapshot/model';
import { SnapshotStore } from '../../core/snapshot/store';
import { takeSnapshot } from '../../core/snapshot/take';
import type { NodeClient } from '../../ssh/nodeClient';
import type { Ctx } from '../ctx';
import type { NodesApi } from '../nodes/nodesController';
import type { TracingApi } from '../tracing/tracingController';
import type { StoredSnapshot } from './showDiff';
import { presentDiff } from './showDiff';
import { SNAP_SCHEME, SnapshotDocuments, loadOrThrow } from './snapshotDocuments';

export interface DeploymentsApi {
  readonly store: () => SnapshotStore;
  list(node: string): Promise<DeploymentEntry[]>;
  /** take (and store, unless unchanged) a snapshot now */
  snapshot(node: string, note?: string): Promise<TakenSnapshot>;
  /** the last diff a Compare command showed (tests read it) */
  lastDiff(): SnapshotDiff | undefined;
}

interface TakenSnapshot {
  snapshot: Snapshot;
  saved: boolean;
  path: string;
}

type DeploymentsCtx = Ctx & { readonly nodes: NodesApi; readonly tracing: TracingApi };

/**
 * Deployments: snapshots on connect and on change, history in the tree, diffs, fleet matrix,
 * postmortem. Owns each node's snapshot history as the tree shows it, what each node had
 * deployed when it was last snapshotted, the last diff shown and its subscriptions to the fleet
 * (disposed with it); its commands are in commands/ (deploymentsCommands.ts lists them).
 */
export class DeploymentsController implements vscode.Disposable {
  readonly api: DeploymentsApi;
  /** each node's snapshots, as the Nodes tree shows them */
  private readonly cache = new Map<string, DeploymentEntry[]>();
  /** each node's deployed program ids when it was last snapshotted automatically */
  private readonly lastDeployed = new Map<string, string>();
  /** storage failures already told, per node and reason (not again at every refresh) */
  private readonly warned = new Set<string>();
  private last: SnapshotDiff | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: DeploymentsCtx) {
    const { context, nodes } = ctx;
    context.subscriptions.push(this);
    // on connect and whenever the set of deployed programs changed
    const listed = nodes.fleet.onDidList(({ node, listing, client }) => this.listed(node, listing, client));
    for (const n of nodes.fleet.names()) void this.reload(n);
    const changed = nodes.fleet.onDidChange((name) => {
      if (name && !this.cache.has(name)) void this.reload(name);
    });
    this.disposables.push(listed, changed);
    this.disposables.push(vscode.workspace.registerTextDocumentContentProvider(SNAP_SCHEME, new SnapshotDocuments(() => this.store())));
    this.api = {
      store: () => this.store(),
      list: (node) => this.reload(node),
      snapshot: async (node, note) => this.snapshotWith(await nodes.fleet.connect(node), undefined, note),
      lastDiff: () => this.last,
    };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** the store the settings say now (workspace or global storage, how many per node) */
  store(): SnapshotStore {
    const { context, config } = this.ctx;
    const where = config.get('snapshots.location');
    const ws = vscode.workspace.workspaceFolders?.[0];
    const root =
      where === 'workspace' && ws
        ? path.join(ws.uri.fsPath, '.ebpf-lens', 'snapshots')
        : path.join(context.globalStorageUri.fsPath, 'snapshots');
    return new SnapshotStore(root, config.get('snapshots.maxPerNode'));
  }

  /** a node's snapshots as last read (the tree's deployment rows) */
  entries(node: string): DeploymentEntry[] | undefined {
    return this.cache.get(node);
  }

  /** Read a node's snapshots again (the tree follows). */
  async reload(node: string): Promise<DeploymentEntry[]> {
    const list = await this.store().list(node);
    this.cache.set(node, list);
    this.ctx.nodes.tree.rebuild();
    return list;
  }

  /** Snapshot a connected node and store it (unless nothing changed). */
  async snapshotWith(client: NodeClient, listing?: NodeListing, note?: string): Promise<TakenSnapshot> {
    const st = this.store(); // what it holds (same tag, size and kernel) is not dumped again: a reconnect to an unchanged node dumps nothing
    const snapshot = await takeSnapshot((cmd) => client.run(cmd), client.node, client.info, {
      known: await knownFromStore(st, client.node.name, client.info.kernel),
      ...(listing ? { listing } : {}),
      ...(note ? { note } : {}),
    });
    const { entry, saved } = await st.save(snapshot);
    if (saved)
      this.ctx.log.info(`${client.node.name}: deployment snapshot ${path.basename(entry.path)} (${snapshot.programs.length} programs)`);
    await this.reload(client.node.name);
    return { snapshot, saved, path: entry.path };
  }

  load(file: string): Promise<Snapshot> {
    return loadOrThrow(this.store(), file);
  }

  /** Show two snapshots' differences (a the earlier); answers the diff. */
  async showDiff(a: StoredSnapshot, b: StoredSnapshot): Promise<SnapshotDiff> {
    const d = diffSnapshots(a[0], b[0], this.store().source);
    this.last = d;
    await presentDiff(this.ctx.log, d, a, b);
    return d;
  }

  private listed(name: string, listing: NodeListing, client: NodeClient): void {
    const { config, log } = this.ctx;
    if (!config.get('snapshots.auto')) return;
    const key = listing.programs
      .filter((p) => !isTransient(p.owners))
      .map((p) => p.program.id)
      .sort((a, b) => a - b)
      .join(',');
    if (this.lastDeployed.get(name) === key) return;
    this.lastDeployed.set(name, key);
    void this.snapshotWith(client, listing).catch((e: unknown) => {
      log.warn(`${name}: snapshot failed: ${errorMessage(e)}`);
      // the history would miss a deployment: say so (once per node and reason); the next refresh tries again
      const told = `${name}\u0000${StorageError.is(e) ? e.reason : 'other'}`;
      if (StorageError.is(e) && !this.warned.has(told)) {
        this.warned.add(told);
        void vscode.window.showWarningMessage(
          `eBPF Lens ${e.message}: the deployment history of ${name} misses this deployment until it can save again (it tries at every refresh).`,
        );
      }
    });
  }
}
