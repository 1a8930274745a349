import * as vscode from 'vscode';
import type { NodeView, TreeOptions, TreeRow } from '../../core/nodes/tree';
import { buildTree, findRow } from '../../core/nodes/tree';
import type { Fleet } from '../../ssh/fleet';

/** The Nodes view: rows come from the core tree model; this only maps them to TreeItems. */
const idle = (r: TreeRow): boolean => r.kind === 'node' && /^node:disconnected/.test(r.contextValue) && !/:error/.test(r.contextValue);

export class NodesTreeProvider implements vscode.TreeDataProvider<TreeRow>, vscode.Disposable {
  private rowsCache: TreeRow[] = [];
  private readonly changed = new vscode.EventEmitter<TreeRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private decorate: (v: NodeView) => NodeView = (v) => v;
  private readonly autoConnected = new Set<string>();

  constructor(
    private readonly fleet: Fleet,
    private readonly options: () => TreeOptions,
    /** a node that is not connected was expanded: connect it */
    private readonly onExpandIdle: (node: string) => void,
  ) {
    this.rebuildNow();
  }

  /** Rebuild at most every 100 ms however many changes arrive. */
  rebuild(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rebuildNow();
    }, 100);
  }

  /** Other capabilities add to what a node shows (its deployment history, its traces). */
  setDecorator(fn: (v: NodeView) => NodeView): void {
    this.decorate = fn;
    this.rebuild();
  }

  rebuildNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.rowsCache = buildTree(this.fleet.views().map(this.decorate), this.options());
    this.changed.fire(undefined);
  }

  rows(): TreeRow[] {
    return this.rowsCache;
  }

  find(id: string): TreeRow | undefined {
    return findRow(this.rowsCache, id);
  }

  getTreeItem(row: TreeRow): vscode.TreeItem {
    const item = new vscode.TreeItem(
      row.label,
      row.collapsible === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : row.collapsible === 'expanded'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = row.id;
    if (row.description !== undefined) item.description = row.description;
    if (row.tooltip !== undefined) {
      const md = new vscode.MarkdownString(row.tooltip, true);
      md.isTrusted = false;
      item.tooltip = md;
    }
    if (row.icon) item.iconPath = new vscode.ThemeIcon(row.icon, row.iconColor ? new vscode.ThemeColor(row.iconColor) : undefined);
    item.contextValue = row.contextValue;
    if (row.command) item.command = { command: row.command.id, title: row.command.title, arguments: [row] };
    return item;
  }

  getChildren(row?: TreeRow): TreeRow[] {
    if (!row) return this.rowsCache;
    const cur = findRow(this.rowsCache, row.id) ?? row;
    // an idle node shown expanded (expanded now, or restored expanded after a reload, even with
    // its deployment history as children) connects once; after that only an explicit expand does
    // (a node the user disconnected, still expanded, must not connect again on each refresh)
    if (idle(cur) && !this.autoConnected.has(cur.node)) {
      this.autoConnected.add(cur.node);
      this.onExpandIdle(cur.node);
    }
    return [...cur.children];
  }

  /** The user expanded a row (TreeView.onDidExpandElement): an idle node connects. */
  expanded(row: TreeRow): void {
    const cur = findRow(this.rowsCache, row.id) ?? row;
    if (!idle(cur)) return;
    const state = this.fleet.view(cur.node)?.state;
    if (state === 'connecting' || state === 'connected' || state === 'waiting') return; // started just now (getChildren), or retrying
    this.autoConnected.add(cur.node);
    this.onExpandIdle(cur.node);
  }

  getParent(row: TreeRow): TreeRow | undefined {
    const parts = row.id.split('/');
    for (let n = parts.length - 1; n > 0; n--) {
      const p = findRow(this.rowsCache, parts.slice(0, n).join('/'));
      if (p) return p;
    }
    return undefined;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
