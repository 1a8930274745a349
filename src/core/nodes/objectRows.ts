import type { BpfLink, BpfMap } from '../bpftool/types';
import type { EnvironmentNote } from '../trace/environment';
import type { ListedProgram } from './listing';
import { esc, mdTable } from './markdown';
import type { ProgramStats } from './stats';
import { compact, duration, statsText } from './stats';
import type { TreeRow } from './tree';

/** The rows of a node's BPF objects in the Nodes tree: programs (with their details), maps and links. */

/** A leaf under `parent`: one fact about it. */
export function detail(parent: string, node: string, key: string, label: string, description?: string, icon?: string): TreeRow {
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

/** What bpftrace said about the node itself: a fact with its meaning (core/trace/environment.ts). */
export function noteRow(parent: string, node: string, n: EnvironmentNote): TreeRow {
  return {
    ...detail(parent, node, `note-${n.id}`, n.title, 'node fact', 'info'),
    tooltip: `**${esc(n.title)}** on ${esc(node)}\n\nbpftrace says: _${esc(n.message)}_\n\n${esc(n.meaning)}`,
  };
}

export function programRow(base: string, node: string, lp: ListedProgram, stats: ProgramStats | undefined): TreeRow {
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

export function mapRow(base: string, node: string, m: BpfMap): TreeRow {
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

export function linkRow(base: string, node: string, l: BpfLink): TreeRow {
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
