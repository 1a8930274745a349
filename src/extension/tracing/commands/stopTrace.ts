import type { SavedRun } from '../../../core/trace/savedRun';
import { pickSession } from '../pickers';
import type { TraceInfo, TracingController } from '../tracingController';

/** the trace id an argument names: a trace id, or a tree row's { trace } */
function traceIdOf(c: TracingController, arg: unknown): string | undefined {
  if (typeof arg === 'string') return c.traces.has(arg) ? arg : undefined;
  if (typeof arg === 'object' && arg !== null && 'trace' in arg && typeof (arg as { trace: unknown }).trace === 'string')
    return (arg as { trace: string }).trace;
  return undefined;
}

/** `ebpfLens.stopTrace`: one node's trace (an id, a tree row) or a whole session; answers how it ended. */
export async function stopTrace(c: TracingController, arg?: unknown): Promise<TraceInfo | SavedRun | undefined> {
  const s = await pickSession(c, arg, true, 'Trace to stop');
  const id = traceIdOf(c, arg);
  if (!id) {
    s.stop('stop');
    await s.finished;
    return s.toSaved();
  }
  c.traces.get(id)?.run.stop('stop');
  await c.traces.get(id)?.run.finished;
  // the session records the outcome just after
  await new Promise((r) => setImmediate(r));
  return c.info(id);
}

/** `ebpfLens.stopAllTraces`: answers how many sessions were running. */
export async function stopAllTraces(c: TracingController): Promise<number> {
  const live = c.liveSessions();
  live.forEach((s) => s.stop('stop'));
  await Promise.all(live.map((s) => s.finished));
  return live.length;
}
