import type { LoginFacts } from '../remote/bounds';
import { SLOW_LOGIN_MS, loginText } from '../remote/bounds';
import type { BpfMap, BpfLink } from '../bpftool/types';
import type { NodeConfig } from '../inventory/inventory';
import type { ListedProgram, NodeListing } from './listing';
import type { NodeInfo } from '../remote/nodeInfo';
import type { ProgramStats } from './stats';
import { compact, duration, statsText } from './stats';

/**
 * The Nodes tree as plain data: what each row says, its icon, context value and children.
 * The extension maps rows to TreeItems one to one; everything a row shows is decided here,
 * where plain mocha can test it.
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

/** A short, human label for an error kind (the row's description). */
export function errorLabel(kind: string): string {
  switch (kind) {
    case 'ssh.unreachable':
      return 'unreachable';
    case 'ssh.timeout':
      return 'timed out';
    case 'ssh.loginTimeout':
      return 'login shell did not start';
    case 'ssh.authFailed':
      return 'authentication failed';
    case 'ssh.hostKeyMismatch':
      return 'HOST KEY CHANGED';
    case 'ssh.hostKeyUnknown':
      return 'host key not trusted';
    case 'ssh.hostKeyRevoked':
      return 'host key revoked';
    case 'ssh.proxyJump':
      return 'jump host failed';
    case 'ssh.config':
      return 'configuration error';
    case 'ssh.disconnected':
      return 'disconnected';
    case 'tool.missing':
      return 'bpftool missing';
    case 'tool.needsRoot':
      return 'needs root or sudo';
    case 'tool.badOutput':
      return 'unreadable bpftool output';
    case 'tool.timeout':
      return 'command timed out';
    case 'tool.failed':
      return 'bpftool failed';
    default:
      return 'error';
  }
}

const esc = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

function mdTable(rows: readonly (readonly [string, string | undefined])[]): string {
  const present = rows.filter((r): r is readonly [string, string] => r[1] !== undefined && r[1] !== '');
  return ['| | |', '|---|---|', ...present.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|').replace(/\n/g, '<br>')} |`)].join('\n');
}

function stateIcon(v: NodeView): { icon: string; color?: string } {
  if (v.error && (v.state === 'failed' || v.state === 'waiting' || v.state === 'idle')) {
    return v.state === 'waiting'
      ? { icon: 'debug-disconnect', color: 'list.warningForeground' }
      : { icon: 'error', color: 'list.errorForeground' };
  }
  switch (v.state) {
    case 'connected':
      return { icon: 'vm-running', color: 'testing.iconPassed' };
    case 'connecting':
      return { icon: 'loading~spin' };
    case 'waiting':
      return { icon: 'debug-disconnect', color: 'list.warningForeground' };
    case 'failed':
      return { icon: 'error', color: 'list.errorForeground' };
    default:
      return { icon: 'vm-outline' };
  }
}

function toolsText(info: NodeInfo): string {
  return [
    // "6.18.44-fc-v669" → "6.18.44" (the whole release is in the tooltip)
    info.kernel.split('-')[0] ?? info.kernel,
    info.bpftool ? `bpftool ${info.bpftool.version || '?'}` : 'no bpftool',
    info.bpftrace ? `bpftrace ${info.bpftrace.version || '?'}` : 'no bpftrace',
  ].join(' · ');
}

function nodeDescription(v: NodeView): string {
  const parts: string[] = [];
  if (v.active) parts.push('active');
  switch (v.state) {
    case 'connected':
      if (v.info) parts.push(toolsText(v.info));
      if (v.login && v.login.ms > SLOW_LOGIN_MS) parts.push(`slow login ${(v.login.ms / 1000).toFixed(1)} s`);
      if (v.statsOn) parts.push('stats on');
      if (v.error) parts.push(`⚠ ${errorLabel(v.error.kind)}`);
      break;
    case 'connecting':
      parts.push('connecting…');
      break;
    case 'waiting':
      parts.push(
        `${v.error ? errorLabel(v.error.kind) : 'disconnected'} · retrying${v.retryInMs !== undefined ? ` in ${Math.max(1, Math.round(v.retryInMs / 1000))} s` : ''}`,
      );
      break;
    case 'failed':
      parts.push(v.error ? errorLabel(v.error.kind) : 'failed');
      break;
    default:
      parts.push(v.error ? errorLabel(v.error.kind) : `${v.config.host}${v.config.port !== 22 ? `:${v.config.port}` : ''}`);
  }
  return parts.join(' · ');
}

function nodeTooltip(v: NodeView): string {
  const c = v.config;
  const i = v.info;
  const head = `**${esc(c.name)}** — ${v.state}${v.active ? ' (active node)' : ''}`;
  const table = mdTable([
    ['host', `${c.user ? `${c.user}@` : ''}${c.host}:${c.port}`],
    ['via', c.proxyJump],
    ['hostname', i?.hostname],
    ['kernel', i ? `${i.kernel} ${i.arch}${i.btf ? ' (BTF)' : ' (no BTF)'}` : undefined],
    ['OS', i?.os],
    ['bpftool', i ? (i.bpftool ? `${i.bpftool.version} (${i.bpftool.path})` : 'not installed') : undefined],
    ['bpftrace', i ? (i.bpftrace ? `${i.bpftrace.version} (${i.bpftrace.path})` : 'not installed') : undefined],
    [
      'login',
      v.login && v.login.ms > SLOW_LOGIN_MS
        ? `${loginText(v.login)}: its startup files (/etc/bash.bashrc, ~/.bashrc) run for every SSH session eBPF Lens opens`
        : undefined,
    ],
    [
      'privileges',
      i
        ? i.uid === 0
          ? 'root'
          : `${i.user} (uid ${i.uid}), sudo -n: ${i.sudo.bpftool ? 'bpftool' : 'no bpftool'}, ${i.sudo.bpftrace ? 'bpftrace' : 'no bpftrace'}`
        : undefined,
    ],
    ['tags', c.tags.join(', ') || undefined],
    ['scope', c.scope ? [...(c.scope.pinPrefixes ?? []), ...(c.scope.namePatterns ?? [])].join(', ') : undefined],
    ['stats', v.statsOn ? 'on (kernel.bpf_stats_enabled)' : undefined],
    ['listed', v.refreshedAt ? new Date(v.refreshedAt).toISOString() : undefined],
    ['source', c.source === 'sshConfig' ? '~/.ssh/config' : c.source === 'settings' ? 'ebpfLens.nodes setting' : 'config file'],
  ]);
  const err = v.error ? `\n\n$(error) ${esc(v.error.message)}` : '';
  return `${head}\n\n${table}${err}`;
}

function nodeContext(v: NodeView): string {
  const t = ['node', v.state === 'connected' ? 'connected' : v.state === 'connecting' ? 'connecting' : 'disconnected'];
  if (v.info) t.push(v.info.uid === 0 ? 'root' : 'sudo');
  if (v.active) t.push('active');
  if (v.statsOn) t.push('stats');
  if (v.error) t.push('error');
  return t.join(':');
}

function matches(filter: string, ...fields: (string | number | undefined)[]): boolean {
  if (!filter) return true;
  return fields.some((f) => f !== undefined && String(f).toLowerCase().includes(filter));
}

function detail(parent: string, node: string, key: string, label: string, description?: string, icon?: string): TreeRow {
  return {
    id: `${parent}/${key}`,
    kind: 'detail',
    label,
    ...(description !== undefined ? { description } : {}),
    ...(icon ? { icon } : {}),
    contextValue: 'detail',
    collapsible: 'none',
    node,
    children: [],
  };
}

function programRow(base: string, node: string, lp: ListedProgram, stats: ProgramStats | undefined): TreeRow {
  const p = lp.program;
  const id = `${base}/${p.id}`;
  // live numbers first: a narrow side bar cuts the end of the line
  const desc = [stats ? statsText(stats) : undefined, `#${p.id}`, p.tag].filter(Boolean).join(' · ');
  const children: TreeRow[] = [
    ...lp.attach.map((a, i) =>
      detail(
        id,
        node,
        `attach${i}`,
        a.target ? `${a.kind} ${a.target}` : a.kind,
        a.via === 'link' ? `link #${a.linkId ?? '?'}` : a.via === 'perf' ? `perf event, pid ${a.pid ?? '?'}` : 'bpftool net',
        'plug',
      ),
    ),
    ...p.pinned.map((pin, i) => detail(id, node, `pin${i}`, pin, 'pinned', 'pin')),
    ...lp.owners.map((o) => detail(id, node, `pid${o.pid}`, o.comm ?? `pid ${o.pid}`, `pid ${o.pid}`, 'person')),
    ...p.mapIds.map((mid, i) => detail(id, node, `map${mid}`, lp.mapNames[i] ?? `map ${mid}`, `map #${mid}`, 'symbol-array')),
  ];
  const tooltip = [
    `**${esc(p.name || '(no name)')}** — ${p.type} program #${p.id}`,
    '',
    mdTable([
      ['tag', p.tag],
      ['loaded', p.loadedAt !== undefined ? new Date(p.loadedAt * 1000).toISOString() : undefined],
      ['uid', p.uid !== undefined ? String(p.uid) : undefined],
      [
        'size',
        p.bytesXlated !== undefined
          ? `${p.bytesXlated} B xlated, ${p.bytesJited ?? '?'} B jited${p.jited === false ? ' (not jited)' : ''}`
          : undefined,
      ],
      ['memlock', p.bytesMemlock !== undefined ? `${p.bytesMemlock} B` : undefined],
      ['maps', lp.mapNames.map((n, i) => `${n} #${p.mapIds[i] ?? '?'}`).join(', ') || undefined],
      ['btf id', p.btfId !== undefined ? String(p.btfId) : undefined],
      ['gpl', p.gplCompatible !== undefined ? String(p.gplCompatible) : undefined],
      ['attached', lp.attach.map((a) => `${a.kind}${a.target ? ` ${a.target}` : ''} (${a.via})`).join(', ') || undefined],
      ['pinned', p.pinned.join(', ') || undefined],
      ['owners', lp.owners.map((o) => `${o.comm ?? '?'} (${o.pid})`).join(', ') || undefined],
      ['runs', p.runCnt !== undefined ? `${p.runCnt} runs, ${duration(p.runTimeNs ?? 0)} total` : undefined],
      [
        'rate',
        stats
          ? `${compact(stats.eventsPerSec)}/s, ${stats.avgNs !== undefined ? duration(stats.avgNs) : '–'} avg, ${stats.cpuPercent.toFixed(2)}% CPU (over ${stats.windowSec.toFixed(1)} s)`
          : undefined,
      ],
      ...Object.entries(p.metadata).map(([k, val]) => [`metadata ${k}`, JSON.stringify(val)] as const),
    ]),
  ].join('\n');
  const ctx = ['program', p.pinned.length > 0 ? 'pinned' : '', lp.owners.length > 0 ? 'owned' : ''].filter(Boolean).join(':');
  return {
    id,
    kind: 'program',
    label: p.name || '(no name)',
    description: desc,
    tooltip,
    icon: 'symbol-event',
    contextValue: ctx,
    collapsible: children.length > 0 ? 'collapsed' : 'none',
    node,
    ref: { type: 'program', id: p.id },
    children,
  };
}

function mapRow(base: string, node: string, m: BpfMap): TreeRow {
  const shape = `${m.bytesKey ?? '?'}/${m.bytesValue ?? '?'} B × ${m.maxEntries ?? '?'}`;
  return {
    id: `${base}/${m.id}`,
    kind: 'map',
    label: m.name || '(no name)',
    description: `#${m.id} · ${m.type} · ${shape}`,
    tooltip: [
      `**${esc(m.name || '(no name)')}** — ${m.type} map #${m.id}`,
      '',
      mdTable([
        ['key / value', `${m.bytesKey ?? '?'} B / ${m.bytesValue ?? '?'} B`],
        ['max entries', m.maxEntries !== undefined ? String(m.maxEntries) : undefined],
        ['flags', m.flags !== undefined ? `0x${m.flags.toString(16)}` : undefined],
        ['memlock', m.bytesMemlock !== undefined ? `${m.bytesMemlock} B` : undefined],
        ['frozen', m.frozen !== undefined ? String(m.frozen) : undefined],
        ['btf id', m.btfId !== undefined ? String(m.btfId) : undefined],
        ['pinned', m.pinned.join(', ') || undefined],
        ['owners', m.pids.map((o) => `${o.comm ?? '?'} (${o.pid})`).join(', ') || undefined],
      ]),
    ].join('\n'),
    icon: 'symbol-array',
    contextValue: m.pinned.length > 0 ? 'map:pinned' : 'map',
    collapsible: 'none',
    node,
    ref: { type: 'map', id: m.id },
    children: [],
  };
}

function linkRow(base: string, node: string, l: BpfLink): TreeRow {
  return {
    id: `${base}/${l.id}`,
    kind: 'link',
    label: l.target ? `${l.type} → ${l.target}` : l.type,
    description: `#${l.id}${l.progId !== undefined ? ` · prog #${l.progId}` : ''}`,
    tooltip: [
      `**${l.type} link #${l.id}**`,
      '',
      mdTable([
        ['program', l.progId !== undefined ? `#${l.progId}` : undefined],
        ['attach point', l.target ?? 'not printed by this bpftool'],
        ['pinned', l.pinned.join(', ') || undefined],
        ['owners', l.pids.map((o) => `${o.comm ?? '?'} (${o.pid})`).join(', ') || undefined],
      ]),
    ].join('\n'),
    icon: 'link',
    contextValue: l.pinned.length > 0 ? 'link:pinned' : 'link',
    collapsible: 'none',
    node,
    ref: { type: 'link', id: l.id },
    children: [],
  };
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
