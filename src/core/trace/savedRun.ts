import type { Aggregation } from '../bpftrace/blocks';
import { mapAggregations } from '../bpftrace/blocks';
import { mapText } from './format';
import type { MergedMap } from './merge';
import { mergeResults } from './merge';
import type { MapSnapshot } from './output';
import type { ResultsSnapshot } from './results';

/**
 * A finished (or stopped) run as it is kept: the script, where and when it ran, and per node
 * what came back. One run may span several nodes (a fleet run); a single-node run has one.
 * Saved runs feed Compare Runs and the postmortem.
 */
export interface NodeRunResult {
  readonly node: string;
  /** starting | running | stopping | done | failed */
  readonly state: string;
  readonly reason?: string | undefined;
  readonly error?: { readonly kind: string; readonly message: string } | undefined;
  readonly startedAt: number;
  readonly endedAt?: number | undefined;
  /** how long the probes were attached (TraceOutcome.attachedMs) */
  readonly attachedMs?: number | undefined;
  readonly results: ResultsSnapshot;
}

export interface SavedRun {
  readonly version: 1;
  readonly id: string;
  readonly title: string;
  readonly script: string;
  readonly startedAt: number;
  readonly endedAt?: number | undefined;
  readonly nodes: readonly NodeRunResult[];
}

/** Lines kept per node in a saved run (the live view keeps more). */
export const SAVED_LINES = 5000;

export function runTitle(script: string): string {
  const first = script
    .split('\n')
    .map((l) => l.trim())
    .find(
      (l) => l !== '' && !l.startsWith('//') && !l.startsWith('#') && !l.startsWith('/*') && !l.startsWith('*') && !/^config\s*=/.test(l),
    );
  const t = (first ?? 'bpftrace').replace(/\s*\{.*$/, '').replace(/\s+/g, ' ');
  return t.length > 60 ? `${t.slice(0, 59)}…` : t || 'bpftrace';
}

export function forSaving(run: SavedRun): SavedRun {
  return { ...run, nodes: run.nodes.map((n) => ({ ...n, results: { ...n.results, lines: n.results.lines.slice(-SAVED_LINES) } })) };
}

export function parseSavedRun(text: string): SavedRun | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
  const r = v as Partial<SavedRun>;
  if (typeof v !== 'object' || v === null || r.version !== 1) return 'not a saved eBPF Lens run (version 1)';
  if (typeof r.id !== 'string' || typeof r.script !== 'string' || typeof r.startedAt !== 'number' || !Array.isArray(r.nodes))
    return 'a saved run needs id, script, startedAt and nodes';
  for (const n of r.nodes) {
    if (
      typeof n !== 'object' ||
      n === null ||
      typeof n.node !== 'string' ||
      typeof n.results !== 'object' ||
      n.results === null ||
      !Array.isArray(n.results.maps)
    )
      return 'a node result needs node and results.maps';
  }
  return v as SavedRun;
}

/** The maps of a run: a single node's as they are, several nodes' merged. */
export function runMaps(
  run: SavedRun,
  aggregations: ReadonlyMap<string, Aggregation> = mapAggregations(run.script),
): readonly (MapSnapshot | MergedMap)[] {
  const ok = run.nodes.filter((n) => n.results.maps.length > 0);
  if (ok.length === 1) return ok[0]?.results.maps ?? [];
  return mergeResults(
    ok.map((n) => ({ node: n.node, maps: n.results.maps })),
    aggregations,
  );
}

function when(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** Copy as Markdown: what ran, where, what came back. */
export function runMarkdown(run: SavedRun): string {
  const out: string[] = [`## Trace: ${run.title}`, ''];
  out.push(
    `- started ${when(run.startedAt)}${run.endedAt ? `, ended ${when(run.endedAt)} (${Math.round((run.endedAt - run.startedAt) / 1000)} s)` : ''}`,
  );
  for (const n of run.nodes) {
    const r = n.results;
    const drops = r.droppedByRate + r.droppedOldest;
    out.push(
      `- **${n.node}**: ${n.state}${n.reason ? ` (${n.reason})` : ''}${n.error ? ` — ${n.error.message}` : ''}; ${r.events.toLocaleString('en-US')} events${drops ? `, ${drops} dropped by eBPF Lens` : ''}${r.lostByBpftrace ? `, ${r.lostByBpftrace} lost by bpftrace` : ''}`,
    );
  }
  out.push('', '```bpftrace', run.script.trimEnd(), '```', '');
  const maps = runMaps(run);
  if (maps.length) {
    out.push(
      run.nodes.length > 1 ? `### Maps (merged over ${run.nodes.filter((n) => n.results.maps.length > 0).length} nodes)` : '### Maps',
      '',
      '```',
    );
    for (const m of maps) out.push(mapText(m).trimEnd(), ...('note' in m && m.note ? [`  (${m.note})`] : []));
    out.push('```', '');
  }
  const lines = run.nodes.flatMap((n) => n.results.lines.slice(-20).map((l) => (run.nodes.length > 1 ? `${n.node}: ${l.text}` : l.text)));
  if (lines.length) out.push('### Last output lines', '', '```', ...lines.map((l) => l.replace(/\n$/, '')), '```', '');
  return out.join('\n');
}
