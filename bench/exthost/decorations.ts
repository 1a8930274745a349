import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../src/extension/extension';
import { annotations } from '../decorationsData';

/**
 * Runs inside the real extension host (bench/decorations.ts starts it): the time to show the
 * annotations of a 10,000-line file with 2,000 functions in an open editor (decoration plan +
 * setDecorations), against VS Code's own cost of drawing as many decorations (the baseline: the
 * same ranges and texts set through two plain decoration types). Prints "DECORATIONS {json}".
 */
export async function run(): Promise<void> {
  const api = await vscode.extensions.getExtension<EbpfLensApi>('ebpf-lens.ebpf-lens')?.activate();
  if (!api) throw new Error('eBPF Lens did not activate');
  const file = path.join(process.env['BENCH_FOLDER'] ?? '', 'big.c');
  const doc = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(doc);
  const uri = doc.uri.toString();
  const a = annotations(doc.getText());
  const runs: number[] = [];
  const idle: number[] = [];
  const ed = vscode.window.activeTextEditor;
  if (!ed) throw new Error('no editor');
  const bg = vscode.window.createTextEditorDecorationType({ isWholeLine: true, backgroundColor: '#ff000020' });
  const txt = vscode.window.createTextEditorDecorationType({ after: { margin: '0 0 0 2em' } });
  const lines = a.items.map((x) => x.line);
  for (let i = 0; i < 25; i++) {
    // new numbers each time, as a re-measure gives
    const next = { ...a, items: a.items.map((x) => ({ ...x, rate: (x.rate ?? 0) * (1 + (i % 5) / 10) })) };
    await vscode.commands.executeCommand('ebpfLens.clearAnnotations', { uri });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    api.annotations.show(uri, next);
    runs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
    const t1 = performance.now();
    ed.setDecorations(
      bg,
      lines.map((l) => new vscode.Range(l, 0, l, 0)),
    );
    ed.setDecorations(
      txt,
      lines.map((l) => ({ range: new vscode.Range(l, 1e6, l, 1e6), renderOptions: { after: { contentText: `${i} /s` } } })),
    );
    idle.push(performance.now() - t1);
    ed.setDecorations(bg, []);
    ed.setDecorations(txt, []);
  }
  console.log(`DECORATIONS ${JSON.stringify({ runs, idle, shown: api.annotations.decorations(uri)?.texts.length ?? 0 })}`);
}
