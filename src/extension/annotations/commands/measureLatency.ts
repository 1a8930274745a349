import * as vscode from 'vscode';
import type { FileAnnotations } from '../../../core/annotate/model';
import type { AnnotateArgs } from '../target';
import { annotate } from '../annotate';
import { docFor } from '../target';
import type { AnnotationsController } from '../annotationsController';
import { functionsOf } from '../sources';

/** eBPF: Measure Latency — count the file again, timing one function too (the one at the cursor, or picked) */
export const measureLatencyCommand =
  (ctrl: AnnotationsController) =>
  async (a?: AnnotateArgs & { function?: string }): Promise<FileAnnotations | undefined> => {
    const doc = await docFor(a ?? {});
    const fn = a?.function || (await functionAtCursor(doc)) || (await pickFunction(doc));
    if (!fn) return undefined;
    const prev = ctrl.states.get(doc.uri.toString())?.args ?? {};
    return annotate(ctrl, { ...prev, ...a, uri: doc.uri.toString(), latency: [fn] });
  };

async function functionAtCursor(doc: vscode.TextDocument): Promise<string | undefined> {
  const ed = vscode.window.activeTextEditor;
  const { fns } = await functionsOf(doc);
  const at = ed && ed.document === doc ? doc.offsetAt(ed.selection.active) : -1;
  return fns.find((f) => at >= f.start && at <= f.end)?.qualified;
}

async function pickFunction(doc: vscode.TextDocument): Promise<string | undefined> {
  const { fns } = await functionsOf(doc);
  const pick = await vscode.window.showQuickPick(
    fns.map((f) => ({ label: f.qualified })),
    { title: 'Measure the latency of…' },
  );
  return pick?.label;
}
