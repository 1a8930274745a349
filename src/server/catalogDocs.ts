import type { Version } from '../core/bpftrace/catalog';
import type { FunctionInfo } from '../core/bpftrace/functions';
import type { ProbeType } from '../core/bpftrace/probeTypes';
import { versionAtLeast, versionText } from '../core/bpftrace/catalog';
import type { Target } from './target';

/** The Markdown the catalog's entries show in completion, hover and signature help. */

/** Whether the target is too old for an entry (or too new: removed), and the note saying so. */
export function sinceNote(since: Version, target: Target, until?: Version): { note: string; later: boolean; removed: boolean } {
  const removed = !!until && versionAtLeast(target.version, until);
  const later = !versionAtLeast(target.version, since);
  const where =
    target.fromNode && target.node ? `${target.node} runs ${versionText(target.version)}` : `target ${versionText(target.version)}`;
  return {
    note: removed
      ? ` — removed in ${versionText(until ?? since)} (${where})`
      : later
        ? ` — needs bpftrace ${versionText(since)} (${where})`
        : '',
    later,
    removed,
  };
}

export function functionDoc(f: FunctionInfo, target: Target): string {
  const lines = ['```bpftrace', f.signature, '```', f.doc, ''];
  const tags: string[] = [];
  if (f.aggregate) tags.push('aggregation: assign it to a map (`@x = ' + f.name + '(…)`)');
  if (f.unsafe) tags.push('needs `--unsafe`');
  tags.push(`since bpftrace ${versionText(f.since)}${f.until ? `, removed in ${versionText(f.until)}` : ''}`);
  lines.push(tags.join(' · '));
  const n = sinceNote(f.since, target, f.until);
  if (n.note) lines.push('', `⚠️${n.note}`);
  return lines.join('\n');
}

/** `written`: the name as the script has it (lowercase `begin`/`end` came in 0.24) */
export function probeTypeDoc(t: ProbeType, target: Target, written = t.name): string {
  const lower = (t.name === 'BEGIN' || t.name === 'END') && written !== t.name;
  const since: Version = lower ? [0, 24] : t.since;
  const lines = [
    '```bpftrace',
    t.syntax,
    '```',
    t.doc,
    '',
    lower
      ? `\`${written}\` since bpftrace 0.24 (\`${t.name}\` since ${versionText(t.since)})`
      : `since bpftrace ${versionText(t.since)}${t.aliases.length ? ` · alias${t.aliases.length > 1 ? 'es' : ''}: ${t.aliases.map((a) => `\`${a}\``).join(', ')}` : ''}`,
  ];
  const n = sinceNote(since, target, t.until);
  if (n.note) lines.push('', `⚠️${n.note}`);
  return lines.join('\n');
}
