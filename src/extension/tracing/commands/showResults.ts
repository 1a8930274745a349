import type { TraceInfo, TracingController } from '../tracingController';
import { pickSaved, pickSession } from '../pickers';
import { ResultsPanel } from '../resultsPanel';
import { TraceSession } from '../../../ssh/traceSession';

/** `ebpfLens.getTrace`: one trace as plain data, or every trace of this window. */
export function getTrace(c: TracingController, id?: string): TraceInfo | (TraceInfo | undefined)[] | undefined {
  return id ? c.info(id) : [...c.traces.keys()].map((k) => c.info(k));
}

/** `ebpfLens.showTraceResults`: a session's results view; answers the session id. */
export async function showTraceResults(c: TracingController, arg?: unknown): Promise<string> {
  const s = await pickSession(c, arg, false, 'Results of');
  ResultsPanel.forSession(c.ctx.context.extensionUri, s, c.actions).reveal();
  return s.id;
}

/** `ebpfLens.showSavedRuns`: a saved run, opened again as a session of this window. */
export async function showSavedRuns(c: TracingController): Promise<string | undefined> {
  const r = await pickSaved(c.store, 'Saved runs');
  if (!r) return undefined;
  const s = c.sessions.get(r.id) ?? TraceSession.fromSaved(r);
  c.sessions.set(s.id, s);
  ResultsPanel.forSession(c.ctx.context.extensionUri, s, c.actions).reveal();
  return s.id;
}
