import type { Snapshot } from './model';
import { codeHash } from './model';
import type { XlatedSource } from './diff';
import { diffSnapshots, inlineXlated, reasonText } from './diff';
import { mapText } from '../trace/format';
import type { ResultsSnapshot } from '../trace/results';

export interface PostmortemTrace {
  readonly node: string;
  readonly title?: string;
  readonly script: string;
  readonly startedAt: number;
  readonly state: string;
  readonly results: ResultsSnapshot;
  readonly outcome?: {
    readonly endedAt: number;
    readonly reason: string;
    readonly error?: { readonly message: string };
    readonly attachedMs?: number;
  };
}

export interface PostmortemInput {
  readonly node: string;
  readonly from: Date;
  readonly to: Date;
  /** oldest first */
  readonly snapshots: readonly Snapshot[];
  readonly traces: readonly PostmortemTrace[];
  readonly notes: string;
  readonly problems?: readonly string[];
  /** where stored snapshots keep instruction texts */
  readonly xlated?: XlatedSource;
}

const t = (ms: number | string): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

/**
 * A Markdown timeline for a node and a time range: deployments and what changed between them,
 * the traces run and their key numbers, and the user's notes.
 */
export function postmortemMarkdown(i: PostmortemInput): string {
  type Event = { at: number; md: string };
  const events: Event[] = [];
  // a program whose attach point is unknown carries its load in the content hash; a rollback is
  // about the code, so it compares the code hash
  const code = i.snapshots.map((s) => codeHash(s.programs));
  i.snapshots.forEach((s, k) => {
    const prev = i.snapshots[k - 1];
    // the same code as a deployment before the previous one: a rollback (or a redeploy of it)
    const back = k >= 2 ? code.slice(0, k - 1).lastIndexOf(code[k]!) : -1;
    const earlier = back >= 0 && code[k] !== code[k - 1] ? i.snapshots[back] : undefined;
    const kind = earlier ? `**Rollback** to the deployment of ${t(Date.parse(earlier.takenAt))}` : '**Deployment**';
    const head = `${kind} — ${s.programs.length} program${s.programs.length === 1 ? '' : 's'} (content \`${s.contentHash.slice(0, 12)}\`)${s.note ? ` — ${s.note}` : ''}`;
    if (!prev) {
      events.push({
        at: Date.parse(s.takenAt),
        md: `${head}: ${s.programs.map((p) => `\`${p.name}\` (${p.type}, tag \`${p.tag.slice(0, 16)}\`)`).join(', ') || 'nothing'}`,
      });
      return;
    }
    const d = diffSnapshots(prev, s, i.xlated ?? inlineXlated);
    const lines = d.programs
      .filter((p) => p.status !== 'unchanged')
      .map((p) => `  - ${p.status} \`${p.label}\`${p.reasons.length ? `: ${p.reasons.map(reasonText).join('; ')}` : ''}`);
    events.push({
      at: Date.parse(s.takenAt),
      md: `${head}, ${d.summary.changed} changed, ${d.summary.added} added, ${d.summary.removed} removed\n${lines.join('\n')}`,
    });
  });
  for (const tr of i.traces) {
    const r = tr.results;
    const maps = r.maps
      .map((m) => mapText(m).trimEnd())
      .join('\n')
      .split('\n')
      .slice(0, 20)
      .join('\n');
    const end = tr.outcome ? `, ended ${t(tr.outcome.endedAt)} (${tr.outcome.reason})` : ` (${tr.state})`;
    const numbers = `${r.events} events${r.droppedByRate + r.droppedOldest ? `, ${r.droppedByRate + r.droppedOldest} dropped` : ''}${r.lostByBpftrace ? `, ${r.lostByBpftrace} lost by bpftrace` : ''}`;
    // the key numbers: each counting map's total, and per second over the time the probes were in
    const secs = tr.outcome ? (tr.outcome.attachedMs ?? tr.outcome.endedAt - tr.startedAt - (r.attachedAt ?? 0)) / 1000 : 0;
    const keyNumbers = r.maps
      .map((m) => {
        const vals = m.entries.map((e) => e.value);
        if (!vals.every((v) => typeof v === 'number')) return '';
        const sum = (vals as number[]).reduce((a, b) => a + b, 0);
        return `- \`${m.name}\`: ${sum.toLocaleString('en-US')}${m.keyed ? ` over ${m.entries.length} key${m.entries.length === 1 ? '' : 's'}` : ''}${secs > 0 ? ` in ${secs.toFixed(1)} s (${(sum / secs).toFixed(1)}/s)` : ''}`;
      })
      .filter(Boolean)
      .join('\n');
    events.push({
      at: tr.startedAt,
      md:
        `**Trace**${tr.title ? ` “${tr.title}”` : ''} on ${tr.node}${end}: ${numbers}${tr.outcome?.error ? ` — error: ${tr.outcome.error.message}` : ''}\n\n` +
        (keyNumbers ? `${keyNumbers}\n\n` : '') +
        `\`\`\`bpftrace\n${tr.script.trim()}\n\`\`\`\n` +
        (maps ? `\n\`\`\`\n${maps}\n\`\`\`\n` : ''),
    });
  }
  events.sort((a, b) => a.at - b.at);
  const out = [
    `# Postmortem: ${i.node}`,
    '',
    `From ${t(i.from.getTime())} to ${t(i.to.getTime())}. ${i.snapshots.length} deployment snapshot${i.snapshots.length === 1 ? '' : 's'}, ${i.traces.length} trace${i.traces.length === 1 ? '' : 's'}.`,
    '',
    '## Notes',
    '',
    i.notes.trim() || '_(none)_',
    '',
    '## Timeline',
    '',
    ...(events.length ? events.map((e) => `### ${t(e.at)}\n\n${e.md}\n`) : ['_Nothing recorded in this range._', '']),
  ];
  if (i.problems?.length) out.push('## Snapshots that could not be read', '', ...i.problems.map((p) => `- ${p}`), '');
  return `${out.join('\n')}\n`;
}
