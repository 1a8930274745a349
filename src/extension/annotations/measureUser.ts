import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceFunction } from '../../core/annotate/functions';
import type { Measurement } from '../../core/annotate/measureState';
import type { CountOptions, CountPlan } from '../../core/annotate/measure';
import { countAnnotations, countScript, planCounts, readCounts } from '../../core/annotate/measure';
import type { FileAnnotations } from '../../core/annotate/model';
import { uprobeSymbols } from '../../core/annotate/symbols';
import type { BpftraceFeatures } from '../../core/bpftrace/nodeTools';
import { featuresCommand, listProbesCommand } from '../../core/bpftrace/nodeTools';
import { CancelledError, InputError, errorMessage } from '../../core/base/errors';
import { checkParam } from '../../core/trace/library';
import type { TraceSession } from '../../ssh/traceSession';
import type { AnnotateArgs } from './target';
import { nodeFor } from './target';
import type { AnnotationsController } from './annotationsController';
import { pickBinary, rememberBinary, rememberedBinary } from './binaryPicker';
import { fileLabel } from './sources';

/** A measurement of a user-space source file's call counts. */
export interface UserMeasure {
  readonly doc: vscode.TextDocument;
  readonly args: AnnotateArgs;
  readonly fns: readonly SourceFunction[];
  readonly lang: Parameters<typeof planCounts>[2];
  /** live mode's measurement of the file (else the user's, begun here) */
  readonly live?: Measurement<TraceSession>;
}

/** What counting a file on a node takes: the binary, the plan of probes and the script. */
interface Prepared {
  readonly node: string;
  readonly binary: string;
  readonly windowSec: number;
  readonly plan: CountPlan;
  readonly latency: readonly string[];
  readonly script: string;
  readonly maxSec: number;
}

/**
 * Counts the calls of a file's functions in the binary it is built into on the node, for a
 * window (a guarded trace with uprobes), and annotates the file with the rates. One measurement
 * of a file at a time (`MeasureState`): the user's second is refused, live mode's skips its turn.
 */
export async function measureUser(ctrl: AnnotationsController, req: UserMeasure): Promise<FileAnnotations | undefined> {
  const node = nodeFor(ctrl, req.args);
  const m = req.live ?? ctrl.measure.begin(req.doc.uri.toString(), fileLabel(req.doc));
  try {
    const prep = await prepare(ctrl, req, node);
    if (!prep) return undefined;
    const session = await count(ctrl, m, req, prep);
    return annotationsOf(ctrl, req, prep, session);
  } finally {
    m.end();
  }
}

async function prepare(ctrl: AnnotationsController, req: UserMeasure, node: string): Promise<Prepared | undefined> {
  const { doc, args: a } = req;
  const { fleet } = ctrl.ctx.nodes;
  const bpftrace = (await fleet.connect(node)).info.bpftrace?.version;
  const asked = a.binary || rememberedBinary(ctrl, node, doc) || (await pickBinary(ctrl, node, doc));
  if (!asked) return undefined;
  const binary = asked.trim();
  const why = checkParam('binary', binary);
  if (why) throw new InputError(`binary ${JSON.stringify(binary.slice(0, 120))} is not ${why}`);
  const windowSec = a.windowSec ?? ctrl.ctx.config.get('annotations.windowSeconds');
  const [listing, feat] = await Promise.all([fleet.run(node, listProbesCommand(`uprobe:${binary}:*`)), featuresOf(ctrl, node)]);
  const symbols = uprobeSymbols(listing.lines, binary);
  if (symbols.length === 0)
    throw new InputError(`${binary} on ${node} has no function symbols bpftrace can see (not a binary there, or stripped)`);
  await rememberBinary(ctrl, node, doc, binary);
  const plan: CountPlan = planCounts(byVisibility(doc, req.fns), symbols, req.lang, {
    multi: feat.uprobeMulti,
    maxProbes: ctrl.ctx.config.get('annotations.maxProbes'),
  });
  if (plan.measured.length === 0)
    throw new InputError(`none of the ${req.fns.length} functions of ${fileLabel(doc)} is in ${binary} (${plan.notes.join('; ')})`);
  const latency = (a.latency ?? []).flatMap(
    (q) => plan.measured.find((x) => x.fn.qualified === q || x.fn.name === q)?.symbols.slice(0, 1) ?? [],
  );
  const opts: CountOptions = { binary, plan: plan.plan, windowSec, ...(a.pid !== undefined ? { pid: a.pid } : {}) };
  const script = countScript({ ...opts, ...(latency.length ? { latency } : {}), ...(bpftrace ? { bpftrace } : {}) });
  const probes = plan.plan.exact.length + plan.plan.patterns.length;
  ctrl.ctx.log.info(
    `annotate ${fileLabel(doc)} on ${node}: ${plan.measured.length} functions in ${binary}, ${probes} probe(s)${feat.uprobeMulti ? ' (uprobe_multi)' : ''}, ${windowSec} s`,
  );
  // attaching and detaching many single uprobes takes time (~0.1 s each on bpftrace 0.17)
  return { node, binary, windowSec, plan, latency, script, maxSec: windowSec + 30 + Math.ceil(probes * 0.25) };
}

/** starts the counting trace (if the file is still free and live mode still wants it) and waits for its window */
async function count(ctrl: AnnotationsController, m: Measurement<TraceSession>, req: UserMeasure, prep: Prepared): Promise<TraceSession> {
  m.beginStart();
  const session = await ctrl.ctx.tracing.start({
    script: prep.script,
    nodes: [prep.node],
    title: `Call counts: ${fileLabel(req.doc)} in ${path.basename(prep.binary)}`,
    maxSec: prep.maxSec,
    show: false,
  });
  m.started(session);
  try {
    if (req.args.quiet) await waitWindow(session, prep.windowSec);
    else {
      const n = prep.plan.measured.length;
      const title = `Counting calls of ${n} function${n === 1 ? '' : 's'} of ${fileLabel(req.doc)} on ${prep.node} for ${prep.windowSec} s`;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
        waitWindow(session, prep.windowSec, token, progress),
      );
    }
  } finally {
    m.end();
  }
  return session;
}

async function waitWindow(
  session: TraceSession,
  windowSec: number,
  token?: vscode.CancellationToken,
  progress?: vscode.Progress<{ message?: string; increment?: number }>,
): Promise<void> {
  token?.onCancellationRequested(() => session.stop('cancel'));
  const t0 = Date.now();
  const tick = setInterval(() => {
    const left = Math.max(0, windowSec - Math.round((Date.now() - t0) / 1000));
    progress?.report({ message: left > 0 ? `${left} s left` : 'detaching…', increment: 100 / (windowSec + 2) });
  }, 1000);
  try {
    await session.finished;
  } finally {
    clearInterval(tick);
  }
}

/** the counts of the window as annotations of the file's functions */
function annotationsOf(ctrl: AnnotationsController, req: UserMeasure, prep: Prepared, session: TraceSession): FileAnnotations {
  const { node, binary, plan, latency } = prep;
  const part = session.parts.get(node);
  const outcome = part?.outcome;
  if (outcome?.reason === 'cancel') throw new CancelledError();
  if (part?.error && !outcome) throw new Error(part.error.message);
  if (!outcome || outcome.state === 'failed')
    throw new Error(`counting on ${node} failed: ${outcome?.error?.message ?? part?.error?.message ?? 'no result'}`);
  const r = readCounts(outcome.results.maps, { binary, plan: plan.plan, ...(latency.length ? { latency } : {}) });
  const notes = [...plan.notes];
  if (r.windowNs === undefined) notes.push('the window was cut short: rates are over the time the trace ran');
  const secs =
    r.windowNs !== undefined
      ? r.windowNs / 1e9
      : Math.max(0.001, (outcome.attachedMs ?? outcome.endedAt - outcome.startedAt - (outcome.results.attachedAt ?? 0)) / 1000);
  const { doc } = req;
  const items = countAnnotations(plan, r, (f) => doc.positionAt(f.nameStart).line, secs);
  const file: FileAnnotations = { kind: 'uprobe', node, windowSec: secs, at: outcome.endedAt, binary, items, session: session.id, notes };
  ctrl.setState(doc.uri.toString(), file, { ...req.args, node, binary });
  return file;
}

/** what the node's bpftrace supports, once per boot */
async function featuresOf(ctrl: AnnotationsController, node: string): Promise<BpftraceFeatures> {
  const { fleet } = ctrl.ctx.nodes;
  const key = `${node}\u0000${fleet.client(node)?.info.bootId ?? ''}`;
  const hit = ctrl.features.get(key);
  if (hit) return hit;
  const f = await fleet.run(node, featuresCommand()).catch((e: unknown) => {
    ctrl.ctx.log.warn(`${node}: bpftrace --info: ${errorMessage(e)} (counting without multi-attach)`);
    return { uprobeMulti: false, kprobeMulti: false };
  });
  ctrl.features.set(key, f);
  return f;
}

/** functions on screen first: they are the ones a probe limit should keep */
function byVisibility(doc: vscode.TextDocument, fns: readonly SourceFunction[]): SourceFunction[] {
  const ed = vscode.window.visibleTextEditors.find((e) => e.document === doc);
  const ranges = ed?.visibleRanges ?? [];
  const shown = (f: SourceFunction): boolean => ranges.some((r) => r.contains(doc.positionAt(f.nameStart)));
  return [...fns.filter(shown), ...fns.filter((f) => !shown(f))];
}
