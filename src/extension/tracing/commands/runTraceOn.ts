import * as path from 'node:path';
import * as vscode from 'vscode';
import { SNIPPETS, buildSnippet } from '../../../core/trace/library';
import { askParams, pickNodes } from '../pickers';
import type { ScriptToRun } from '../scripts';
import { documentScript, selectionScript } from '../scripts';
import type { RunResult, TracingController } from '../tracingController';

type Source = vscode.QuickPickItem & { src: 'file' | 'selection' | 'snippet'; id?: string };

/** `ebpfLens.runTraceOn`: what to run (the editor's script or selection, a one-liner), then on which nodes. */
export async function runTraceOn(c: TracingController): Promise<RunResult | undefined> {
  const ed = vscode.window.activeTextEditor;
  const items: Source[] = [];
  if (ed && ed.document.languageId === 'bpftrace') {
    items.push({ label: `$(file-code) ${path.basename(ed.document.fileName)}`, description: 'the script in the editor', src: 'file' });
    if (!ed.selection.isEmpty) items.push({ label: '$(selection) Selection', description: 'the selected lines', src: 'selection' });
  }
  items.push({ label: 'One-liners', kind: vscode.QuickPickItemKind.Separator, src: 'snippet' });
  for (const s of SNIPPETS) items.push({ label: s.title, detail: s.detail, src: 'snippet', id: s.id });
  const pick = await vscode.window.showQuickPick(items, { title: 'eBPF: Run Trace', placeHolder: 'What to run', matchOnDetail: true });
  if (!pick) return undefined;
  const what = await chosenScript(c, pick, ed);
  if (!what) return undefined;
  const ns = await pickNodes(c.ctx.nodes.fleet, `Run “${what.title ?? path.basename(ed?.document.fileName ?? 'script')}” on…`);
  if (!ns) return undefined;
  return c.run({ ...what, nodes: ns, maxSec: c.maxSec() });
}

async function chosenScript(c: TracingController, pick: Source, ed: vscode.TextEditor | undefined): Promise<ScriptToRun | undefined> {
  if (pick.src === 'snippet' && pick.id) {
    const params = await askParams(pick.id);
    if (!params) return undefined;
    const title = SNIPPETS.find((x) => x.id === pick.id)?.title;
    return { script: buildSnippet(pick.id, params), ...(title ? { title } : {}) };
  }
  if (ed && pick.src === 'selection') return selectionScript(c.ctx.config, ed);
  if (ed) return documentScript(c.ctx.config, ed.document);
  return undefined;
}
