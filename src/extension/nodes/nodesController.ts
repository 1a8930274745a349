import * as vscode from 'vscode';
import type { TreeRow } from '../../core/nodes/tree';
import { Fleet } from '../../ssh/fleet';
import { TrustStore } from '../../ssh/trustStore';
import { Config } from '../config';
import type { Ctx } from '../ctx';
import { ActiveNodeStatus } from './activeNodeStatus';
import { connectContext } from './connectContext';
import { Credentials } from './credentials';
import { ObjectDocuments, SCHEME } from './documents';
import { readInventory } from './inventory';
import { StatsRefresh } from './statsRefresh';
import { NodesTreeProvider } from './treeProvider';

export interface NodesApi {
  readonly fleet: Fleet;
  readonly tree: NodesTreeProvider;
  readonly view: vscode.TreeView<TreeRow>;
  /** problems found in the inventory (bad entries are skipped and listed here) */
  inventoryProblems(): readonly string[];
}

const ACTIVE_NODE_KEY = 'ebpfLens.activeNode';

const setContext = (key: string, value: unknown): Thenable<unknown> => vscode.commands.executeCommand('setContext', key, value);

/**
 * The Nodes capability: inventory, connections, the tree, live stats, the active node. Owns the
 * fleet (its connections close when the controller is disposed), the Nodes view and its filter,
 * the inventory's problems, the status bar item and the stats timer; its commands are in
 * commands/ (nodesCommands.ts lists them).
 */
export class NodesController implements vscode.Disposable {
  readonly credentials: Credentials;
  readonly fleet: Fleet;
  readonly tree: NodesTreeProvider;
  readonly view: vscode.TreeView<TreeRow>;
  readonly api: NodesApi;
  private filterText = '';
  private problems: string[] = [];
  private readonly status: ActiveNodeStatus;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: Ctx) {
    const { context, log, config } = ctx;
    context.subscriptions.push(this);
    this.credentials = new Credentials(context.secrets);
    // the known_hosts files are read from the settings at every check
    const trust = new TrustStore(() => config.knownHostsFiles, TrustStore.defaultStoreFile());
    const fleet = new Fleet({
      ctx: connectContext(ctx, this.credentials, trust),
      concurrency: config.maxConcurrentNodes,
      log: (m) => log.info(m),
    });
    this.fleet = fleet;
    this.tree = new NodesTreeProvider(
      fleet,
      () => ({ groupByTag: config.groupByTag, filter: this.filterText }),
      (node) => void this.connectWithProgress(node).then(undefined, () => undefined),
    );
    this.view = vscode.window.createTreeView('ebpfLens.nodes', { treeDataProvider: this.tree, showCollapseAll: true });
    this.disposables.push(
      this.tree,
      this.view,
      this.view.onDidExpandElement((e) => this.tree.expanded(e.element)),
    );
    this.status = new ActiveNodeStatus(fleet);
    this.disposables.push(this.status);
    const fleetChanged = fleet.onDidChange((node) => this.fleetChanged(node));
    const stats = new StatsRefresh(fleet, () => config.statsIntervalMs);
    // stats are released and connections closed when the extension stops
    this.disposables.push(stats, fleetChanged, { dispose: () => void fleet.dispose() });
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, new ObjectDocuments(fleet)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Config.affectsInventory(e)) this.loadInventory();
        if (e.affectsConfiguration('ebpfLens.tree.groupByTag')) this.tree.rebuild();
        if (e.affectsConfiguration('ebpfLens.stats.refreshIntervalSeconds')) stats.restart();
      }),
    );
    this.loadInventory();
    this.tree.rebuildNow();
    this.status.update();
    log.info(`inventory: ${fleet.names().length} node(s)`);
    this.api = { fleet, tree: this.tree, view: this.view, inventoryProblems: () => this.problems };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** the Nodes view's filter ('' when none) */
  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text;
    this.updateMessage();
    this.tree.rebuildNow();
  }

  /** Read the inventory (settings, ssh config) again; the saved active node comes back when it is still there. */
  loadInventory(): void {
    const { context, log, config } = this.ctx;
    const inv = readInventory(config);
    this.problems = inv.problems;
    for (const p of this.problems) log.warn(p);
    this.fleet.setInventory(inv.nodes);
    void setContext('ebpfLens.nodeCount', inv.nodes.length);
    const saved = context.workspaceState.get<string>(ACTIVE_NODE_KEY);
    if (!this.fleet.activeNode && saved && inv.nodes.some((n) => n.name === saved)) this.fleet.setActive(saved);
    this.updateMessage();
  }

  /** Make a node the active one, for this workspace's next windows too. */
  setActive(node: string): Thenable<void> {
    this.fleet.setActive(node);
    return this.ctx.context.workspaceState.update(ACTIVE_NODE_KEY, node);
  }

  connectWithProgress(node: string): Thenable<unknown> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `eBPF Lens: connecting to ${node}…`, cancellable: true },
      (_p, token) => this.fleet.connect(node, token),
    );
  }

  /** Change the `ebpfLens.nodes` setting (its raw entries). */
  async setNodes(update: (nodes: unknown[]) => unknown[]): Promise<void> {
    const { config } = this.ctx;
    const cur = Array.isArray(config.nodesRaw) ? [...(config.nodesRaw as unknown[])] : [];
    await config.update('nodes', update(cur));
  }

  private updateMessage(): void {
    const { problems } = this;
    const parts: string[] = [];
    if (this.filterText) parts.push(`Filter: "${this.filterText}"`);
    if (problems.length > 0) parts.push(`${problems.length} node entr${problems.length === 1 ? 'y is' : 'ies are'} invalid (see the log)`);
    this.view.message = parts.join(' · ');
    void setContext('ebpfLens.filtered', this.filterText !== '');
  }

  private fleetChanged(node: string | undefined): void {
    this.tree.rebuild();
    this.status.update();
    if (!node) return;
    const v = this.fleet.view(node);
    // the first node connected becomes the active one until the user picks another
    if (v?.state === 'connected' && !this.fleet.activeNode) void this.setActive(node);
    if (v?.state === 'connected') void this.credentials.connected(node);
    else if (v?.state === 'failed') this.credentials.failed(node);
  }
}
