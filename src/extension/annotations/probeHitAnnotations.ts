import * as vscode from 'vscode';
import type { FunctionAnnotation } from '../../core/annotate/model';
import { withShares } from '../../core/annotate/model';
import { HITS_MAP, probeHits, probeWindowSec } from '../../core/annotate/probeHits';
import type { TraceSession } from '../../ssh/traceSession';
import type { AnnotationsController } from './annotationsController';
import { probeKeys } from './sources';

/** at most one redraw of a run's probe hits per this long */
const THROTTLE_MS = 500;

/** bpftrace scripts: each probe block shows how often it fired in the runs started from the editor, as they print. */
export function followProbeHits(ctrl: AnnotationsController): vscode.Disposable {
  const { tracing } = ctrl.ctx;
  const throttle = new Map<string, NodeJS.Timeout>();
  const sub = tracing.onDidChange((id) => {
    const s = tracing.session(id);
    if (!s?.source || throttle.has(id)) return;
    throttle.set(
      id,
      setTimeout(() => {
        throttle.delete(id);
        probeHitAnnotations(ctrl, s);
      }, THROTTLE_MS),
    );
  });
  return vscode.Disposable.from(sub, { dispose: () => throttle.forEach((t) => clearTimeout(t)) });
}

/** The probe hits of a run (all its nodes) on the script it came from. */
export function probeHitAnnotations(ctrl: AnnotationsController, s: TraceSession): void {
  const src = s.source;
  if (!src) return;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === src.uri);
  const keyAt = new Map<number, string>();
  if (doc) for (const [k, l] of probeKeys(doc.getText())) keyAt.set(l, k);
  const { hits, windowMs } = hitsOf(s);
  if (hits.size === 0 && s.running) return;
  const secs = windowMs / 1000;
  const items = src.probes.map((p): FunctionAnnotation => ({
    key: keyAt.get(p.line) ?? `${p.label}#0`,
    label: p.label,
    line: p.line,
    count: hits.get(p.index) ?? 0,
    ...(secs > 0 ? { rate: (hits.get(p.index) ?? 0) / secs } : {}),
    filtered: p.filtered,
  }));
  const node = s.nodes.length === 1 ? (s.nodes[0] ?? '') : `${s.nodes.length} nodes`;
  ctrl.setState(
    src.uri,
    { kind: 'bpftrace', node, windowSec: secs, at: s.endedAt ?? Date.now(), items: withShares(items), session: s.id },
    {},
  );
}

/** per probe block: how often it fired on all nodes; and the longest window a node counted over */
function hitsOf(s: TraceSession): { hits: Map<number, number>; windowMs: number } {
  const hits = new Map<number, number>();
  let windowMs = 0;
  const now = Date.now();
  for (const p of s.parts.values()) {
    const r = s.resultsOf(p);
    if (!r) continue;
    for (const [i, n] of probeHits(r.hidden?.find((m) => m.name === HITS_MAP))) hits.set(i, (hits.get(i) ?? 0) + n);
    if (r.attachedAt === undefined) continue;
    // the window the counts were printed with (kernel clock) when the script measured it; else
    // this host's view of the run, which is late by the stop's round trip and bpftrace's exit
    const seen = p.outcome?.attachedMs ?? (p.outcome?.endedAt ?? (s.running ? now : (s.endedAt ?? now))) - (p.startedAt + r.attachedAt);
    const kernel = probeWindowSec(r.hidden);
    windowMs = Math.max(windowMs, kernel !== undefined && kernel * 1000 <= seen + 2000 ? kernel * 1000 : seen);
  }
  return { hits, windowMs };
}
