import type { NodeConfig } from '../inventory/inventory';
import type { LoginFacts } from '../remote/bounds';
import type { NodeInfo } from '../remote/nodeInfo';
import type { EnvironmentNote } from '../trace/environment';
import type { ListedProgram, NodeListing } from './listing';
import { esc } from './markdown';
import { nodeContext, nodeDescription, nodeTooltip, stateIcon } from './nodeText';
import { detail, linkRow, mapRow, noteRow, programRow } from './objectRows';
import type { ProgramStats } from './stats';

/**
 * The Nodes tree as plain data: what each row says, its icon, context value and children.
 * The extension maps rows to TreeItems one to one; everything a row shows is decided here (a
 * node's own texts in nodeText.ts, its programs, maps and links in objectRows.ts), where plain
 * mocha can test it.
 */

export type NodeState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'failed' | 'closed';

export interface NodeErrorView {
  /** `ssh.unreachable`, `tool.needsRoot`, … (errorKind) */
  readonly kind: string;
  readonly message: string;
}

export interface NodeView {
  readonly config: NodeConfig;
  readonly state: NodeState;
  readonly info?: NodeInfo | undefined;
  /** what the node's login shell cost on the current connection */
  readonly login?: LoginFacts | undefined;
  readonly error?: NodeErrorView | undefined;
  readonly listing?: NodeListing | undefined;
  readonly stats?: ReadonlyMap<number, ProgramStats> | undefined;
  readonly statsOn: boolean;
  readonly active: boolean;
  /** ms since the epoch of the last listing */
  readonly refreshedAt?: number | undefined;
  /** ms until the next reconnect attempt, while waiting */
  readonly retryInMs?: number | undefined;
  /** stored deployment snapshots of this node, oldest first */
  readonly deployments?: readonly DeploymentEntry[] | undefined;
  /** traces running on this node now */
  readonly traces?: readonly TraceEntry[] | undefined;
  /** what bpftrace said about the node itself (not a script), one per kind */
  readonly environment?: readonly EnvironmentNote[] | undefined;
}

export interface TraceEntry {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  readonly startedAt: number;
  readonly events: number;
}

export interface DeploymentEntry {
  readonly path: string;
  readonly takenAt: string;
  readonly programs: number;
  readonly hash: string;
}

export type RowKind = 'group' | 'node' | 'folder' | 'programType' | 'program' | 'map' | 'link' | 'detail' | 'error' | 'snapshot' | 'trace';

export interface TreeRow {
  /** stable across refreshes (expansion state survives) */
  readonly id: string;
  readonly kind: RowKind;
  readonly label: string;
  readonly description?: string;
  /** Markdown */
  readonly tooltip?: string;
  /** codicon id, and a theme color id for it */
  readonly icon?: string;
  readonly iconColor?: string;
  readonly contextValue: string;
  readonly collapsible: 'none' | 'collapsed' | 'expanded';
  /** the node this row belongs to ('' for tag groups) */
  readonly node: string;
  readonly ref?: { readonly type: 'program' | 'map' | 'link'; readonly id: number };
  /** a snapshot row: its file */
  readonly snapshot?: string;
  /** a trace row: its id */
  readonly trace?: string;
  /** what a click does */
  readonly command?: { readonly id: string; readonly title: string };
  readonly children: readonly TreeRow[];
}

export interface TreeOptions {
  readonly groupByTag: boolean;
  /** case-insensitive text: node name, host, tag, program name/type/id, map and link names */
  readonly filter: string;
}

function matches(filter: string, ...fields: (string | number | undefined)[]): boolean {
  if (!filter) return true;
  return fields.some((f) => f !== undefined && String(f).toLowerCase().includes(filter));
}

function folder(id: string, node: string, label: string, count: number, icon: string, children: TreeRow[], expanded = false): TreeRow {
  return {
    id,
    kind: 'folder',
    label,
    description: String(count),
    icon,
    contextValue: `folder:${label.toLowerCase()}`,
    collapsible: children.length === 0 ? 'none' : expanded ? 'expanded' : 'collapsed',
    node,
    children,
  };
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function deploymentsFolder(base: string, node: string, list: readonly DeploymentEntry[]): TreeRow {
  const id = `${base}/deployments`;
  // newest first; the first row is what runs now (as of its time)
  const rows = [...list].reverse().map((d, i): TreeRow => ({
    id: `${id}/${d.takenAt}`,
    kind: 'snapshot',
    label: localTime(d.takenAt),
    description: `${d.programs} program${d.programs === 1 ? '' : 's'} · ${d.hash.slice(0, 8)}${i === 0 ? ' · latest' : ''}`,
    tooltip: `Deployment snapshot of **${esc(node)}** at ${d.takenAt}\n\n${d.programs} programs, content ${d.hash}\n\n${esc(d.path)}`,
    icon: i === 0 ? 'history' : 'git-commit',
    contextValue: i < list.length - 1 ? 'snapshot:hasPrevious' : 'snapshot',
    collapsible: 'none',
    node,
    snapshot: d.path,
    command: { id: 'ebpfLens.compareWithPrevious', title: 'Compare with Previous' },
    children: [],
  }));
  return {
    id,
    kind: 'folder',
    label: 'Deployments',
    description: String(list.length),
    icon: 'history',
    contextValue: 'folder:deployments',
    collapsible: rows.length ? 'collapsed' : 'none',
    node,
    children: rows,
  };
}

function tracesFolder(base: string, node: string, list: readonly TraceEntry[], now: number): TreeRow {
  const id = `${base}/traces`;
  return {
    id,
    kind: 'folder',
    label: 'Traces',
    description: `${list.length} running`,
    icon: 'pulse',
    contextValue: 'folder:traces',
    collapsible: 'expanded',
    node,
    children: list.map((t): TreeRow => ({
      id: `${id}/${t.id}`,
      kind: 'trace',
      label: t.title,
      description: `${t.state} · ${Math.max(0, Math.round((now - t.startedAt) / 1000))} s · ${t.events.toLocaleString('en-US')} events`,
      tooltip: `Trace **${esc(t.id)}** on **${esc(node)}**: ${esc(t.state)}\n\nClick to open its results; Stop ends it (END probes run, maps print).`,
      icon: 'debug-start',
      iconColor: 'charts.green',
      contextValue: 'trace:running',
      collapsible: 'none',
      node,
      trace: t.id,
      command: { id: 'ebpfLens.showTraceResults', title: 'Show Results' },
      children: [],
    })),
  };
}

function nodeChildren(base: string, v: NodeView, filter: string, nodeMatched: boolean): TreeRow[] {
  const name = v.config.name;
  const rows: TreeRow[] = [];
  if (v.traces && v.traces.length > 0) rows.push(tracesFolder(base, name, v.traces, Date.now()));
  if (v.error) {
    rows.push({
      id: `${base}/error`,
      kind: 'error',
      label: v.error.message,
      tooltip: `${esc(v.error.message)}\n\nClick to open the log.`,
      icon: 'error',
      iconColor: 'list.errorForeground',
      contextValue: 'error',
      collapsible: 'none',
      node: name,
      command: { id: 'ebpfLens.showLog', title: 'Show Log' },
      children: [],
    });
  }
  const l = v.listing;
  // the history is local: shown whether or not the node is connected
  if (!l) return v.deployments && v.deployments.length > 0 ? [...rows, deploymentsFolder(base, name, v.deployments)] : rows;
  const f = nodeMatched ? '' : filter;
  const progs = l.programs.filter((lp) => matches(f, lp.program.name, lp.program.type, lp.program.id, lp.program.tag));
  const byType = new Map<string, ListedProgram[]>();
  for (const lp of progs) byType.set(lp.program.type, [...(byType.get(lp.program.type) ?? []), lp]);
  const typeRows = [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, list]): TreeRow => {
      const id = `${base}/programs/${type}`;
      return {
        id,
        kind: 'programType',
        label: type,
        description: String(list.length),
        icon: 'symbol-namespace',
        contextValue: 'programType',
        // small listings (a scoped node) open fully; big ones (a whole kernel) by type on demand
        collapsible: byType.size === 1 || filter || progs.length <= 30 ? 'expanded' : 'collapsed',
        node: name,
        children: list
          .sort((a, b) => (a.program.name || '~').localeCompare(b.program.name || '~') || a.program.id - b.program.id)
          .map((lp) => programRow(id, name, lp, v.stats?.get(lp.program.id))),
      };
    });
  const maps = l.maps.filter((m) => matches(f, m.name, m.type, m.id));
  const links = l.links.filter((k) => matches(f, k.type, k.target, k.id, k.progId));
  rows.push(
    folder(`${base}/programs`, name, 'Programs', progs.length, 'symbol-event', typeRows, true),
    folder(
      `${base}/maps`,
      name,
      'Maps',
      maps.length,
      'symbol-array',
      maps.sort((a, b) => a.id - b.id).map((m) => mapRow(`${base}/maps`, name, m)),
    ),
    folder(
      `${base}/links`,
      name,
      'Links',
      links.length,
      'link',
      links.sort((a, b) => a.id - b.id).map((k) => linkRow(`${base}/links`, name, k)),
    ),
  );
  for (const [i, w] of l.warnings.entries()) rows.push({ ...detail(base, name, `warning${i}`, w, 'warning', 'warning'), kind: 'detail' });
  for (const n of v.environment ?? []) rows.push(noteRow(base, name, n));
  if (v.deployments) rows.push(deploymentsFolder(base, name, v.deployments));
  return rows;
}

function nodeRow(idPrefix: string, v: NodeView, filter: string): TreeRow | undefined {
  const c = v.config;
  const nodeMatched = matches(filter, c.name, c.host, ...c.tags);
  const base = `${idPrefix}node/${c.name}`;
  const children = nodeChildren(base, v, filter, nodeMatched);
  if (filter && !nodeMatched) {
    const any = children.some((r) => r.kind === 'folder' && r.children.length > 0);
    if (!any) return undefined;
  }
  const { icon, color } = stateIcon(v);
  // a node that is not connected expands to connect (its children are then listed)
  const collapsible =
    v.state === 'connected' || children.length > 0 || v.state === 'idle' || v.state === 'closed'
      ? filter
        ? 'expanded'
        : 'collapsed'
      : 'none';
  return {
    id: base,
    kind: 'node',
    label: c.name,
    description: nodeDescription(v),
    tooltip: nodeTooltip(v),
    icon,
    ...(color ? { iconColor: color } : {}),
    contextValue: nodeContext(v),
    collapsible,
    node: c.name,
    children,
  };
}

export function buildTree(views: readonly NodeView[], opts: TreeOptions): TreeRow[] {
  const filter = opts.filter.trim().toLowerCase();
  const sorted = [...views].sort((a, b) => a.config.name.localeCompare(b.config.name));
  if (!opts.groupByTag) return sorted.map((v) => nodeRow('', v, filter)).filter((r): r is TreeRow => r !== undefined);
  const tags = [...new Set(sorted.flatMap((v) => v.config.tags))].sort((a, b) => a.localeCompare(b));
  const groups: TreeRow[] = [];
  for (const tag of [...tags, '']) {
    const members = sorted.filter((v) => (tag === '' ? v.config.tags.length === 0 : v.config.tags.includes(tag)));
    const rows = members.map((v) => nodeRow(`tag/${tag}/`, v, filter)).filter((r): r is TreeRow => r !== undefined);
    if (rows.length === 0) continue;
    groups.push({
      id: `tag/${tag}`,
      kind: 'group',
      label: tag || '(untagged)',
      description: String(rows.length),
      icon: 'tag',
      contextValue: 'group',
      collapsible: 'expanded',
      node: '',
      children: rows,
    });
  }
  return groups;
}

/** Find a row by id (commands receive rows; the model may have been rebuilt since). */
export function findRow(rows: readonly TreeRow[], id: string): TreeRow | undefined {
  for (const r of rows) {
    if (r.id === id) return r;
    if (id.startsWith(`${r.id}/`)) {
      const hit = findRow(r.children, id);
      if (hit) return hit;
    }
  }
  return undefined;
}
