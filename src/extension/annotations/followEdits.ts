import * as vscode from 'vscode';
import { reanchor } from '../../core/annotate/model';
import type { AnnotationsController } from './annotationsController';
import { functionsOf, probeKeys } from './sources';

/** how long typing pauses before annotations move to where their functions went */
const SETTLE_MS = 300;

/** Annotations follow edits: once typing pauses, each moves to its function's (or probe's) new line. */
export function followEdits(ctrl: AnnotationsController): vscode.Disposable {
  const pending = new Map<string, NodeJS.Timeout>();
  const sub = vscode.workspace.onDidChangeTextDocument((e) => {
    const uri = e.document.uri.toString();
    if (!ctrl.states.has(uri) || e.contentChanges.length === 0) return;
    clearTimeout(pending.get(uri));
    pending.set(
      uri,
      setTimeout(() => {
        pending.delete(uri);
        void reanchorDoc(ctrl, e.document);
      }, SETTLE_MS),
    );
  });
  return vscode.Disposable.from(sub, { dispose: () => pending.forEach((t) => clearTimeout(t)) });
}

async function reanchorDoc(ctrl: AnnotationsController, doc: vscode.TextDocument): Promise<void> {
  const uri = doc.uri.toString();
  const st = ctrl.states.get(uri);
  if (!st) return;
  let lines: Map<string, number>;
  if (st.file.kind === 'bpftrace') lines = probeKeys(doc.getText());
  else {
    try {
      const { fns } = await functionsOf(doc);
      lines = new Map(fns.map((f) => [f.qualified, doc.positionAt(f.nameStart).line]));
    } catch {
      return;
    }
  }
  const cur = ctrl.states.get(uri);
  if (!cur) return;
  cur.file = { ...cur.file, items: reanchor(cur.file.items, lines) };
  ctrl.renderAll(uri);
}
