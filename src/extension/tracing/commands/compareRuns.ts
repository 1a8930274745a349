import { compareMaps, compareMarkdown } from '../../../core/trace/merge';
import type { SavedRun } from '../../../core/trace/savedRun';
import { runMaps } from '../../../core/trace/savedRun';
import { pickSaved } from '../pickers';
import { ResultsPanel } from '../resultsPanel';
import type { TracingController } from '../tracingController';

/** `ebpfLens.compareRuns`'s arguments: the ids of the two runs (live or saved). */
export interface CompareArgs {
  readonly a?: string;
  readonly b?: string;
}

const label = (r: SavedRun): string =>
  `${r.title} · ${r.nodes.length === 1 ? r.nodes[0]?.node : `${r.nodes.length} nodes`} · ${new Date(r.startedAt).toLocaleTimeString()}`;

/** `ebpfLens.compareRuns`: two runs' maps side by side, with the deltas, in a results view. */
export async function compareRuns(
  c: TracingController,
  a?: CompareArgs,
): Promise<{ id: string; deltas: ReturnType<typeof compareMaps> } | undefined> {
  const ra = a?.a ? await c.loadRun(a.a) : await pickSaved(c.store, 'Compare runs: the first (A, before)');
  if (!ra) return undefined;
  const rb = a?.b ? await c.loadRun(a.b) : await pickSaved(c.store, 'Compare runs: the second (B, after)', ra.id);
  if (!rb) return undefined;
  const deltas = compareMaps(runMaps(ra), runMaps(rb));
  const labels: [string, string] = ['A', 'B'];
  const markdown = `## Compare runs\n\n- **A**: ${label(ra)}\n- **B**: ${label(rb)}\n\n${compareMarkdown(deltas, labels)}`;
  const p = ResultsPanel.forCompare(c.ctx.context.extensionUri, { labels, deltas, a: label(ra), b: label(rb), markdown }, c.actions);
  c.lastCompare = { id: p.id, deltas };
  return { id: p.id, deltas };
}
