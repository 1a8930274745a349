import * as vscode from 'vscode';
import type { Snapshot } from '../../../core/snapshot/model';
import { postmortemMarkdown } from '../../../core/snapshot/postmortem';
import type { DeploymentsController } from '../deploymentsController';
import { pickNode } from '../pickers';

/** `ebpfLens.exportPostmortem`'s options (tests pass them instead of answering the prompts). */
export interface PostmortemOptions {
  readonly sinceMs?: number;
  readonly notes?: string;
}

const RANGES = [
  { label: 'Last hour', ms: 3600e3 },
  { label: 'Last 24 hours', ms: 86400e3 },
  { label: 'Last 7 days', ms: 7 * 86400e3 },
  { label: 'Everything', ms: Number.MAX_SAFE_INTEGER },
];

/** `ebpfLens.exportPostmortem`: a node's snapshots and traces of a time range, with notes, as Markdown. */
export async function exportPostmortem(c: DeploymentsController, arg?: unknown, opts?: PostmortemOptions): Promise<string> {
  const node = await pickNode(c, arg, 'Postmortem for');
  let since = opts?.sinceMs;
  if (since === undefined) {
    const pick = await vscode.window.showQuickPick(RANGES, { title: `Postmortem for ${node}: time range`, ignoreFocusOut: true });
    if (!pick) throw new vscode.CancellationError();
    since = pick.ms;
  }
  const notes =
    opts?.notes ??
    (await vscode.window.showInputBox({ title: `Postmortem for ${node}`, prompt: 'Your notes (optional)', ignoreFocusOut: true })) ??
    '';
  const from = Date.now() - since;
  const problems: string[] = [];
  const snaps: Snapshot[] = [];
  for (const e of await c.store().list(node)) {
    if (Date.parse(e.takenAt) < from) continue;
    const r = await c.store().load(e.path);
    if ('snapshot' in r) snaps.push(r.snapshot);
    else problems.push(r.error);
  }
  const traces = c.ctx.tracing
    .list()
    .filter((t) => t.node === node && t.startedAt >= from)
    .map((t) => ({
      node: t.node,
      title: t.title,
      script: t.script,
      startedAt: t.startedAt,
      state: t.state,
      results: t.results,
      ...(t.outcome ? { outcome: t.outcome } : {}),
    }));
  const md = postmortemMarkdown({
    node,
    from: new Date(Math.max(0, from)),
    to: new Date(),
    snapshots: snaps,
    traces,
    notes,
    problems,
    xlated: c.store().source,
  });
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: md });
  await vscode.window.showTextDocument(doc);
  return md;
}
