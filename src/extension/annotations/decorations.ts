import * as vscode from 'vscode';
import type { DecorationPlan } from '../../core/annotate/model';
import { HEAT_BUCKETS } from '../../core/annotate/model';

/**
 * The decoration types of call-frequency annotations, created once: per heat bucket a line
 * background and an overview-ruler mark (theme colours `ebpfLens.heatN.background` /
 * `ebpfLens.heatN.ruler` from contributes.colors) and, optionally, a gutter bar (a generated SVG:
 * gutter images cannot use theme colours); and one type for the end-of-line text.
 */
export class HeatDecorations implements vscode.Disposable {
  private readonly heat: vscode.TextEditorDecorationType[] = [];
  private readonly heatNoGutter: vscode.TextEditorDecorationType[] = [];
  private readonly text: vscode.TextEditorDecorationType;

  constructor() {
    for (let b = 1; b <= HEAT_BUCKETS; b++) {
      const base: vscode.DecorationRenderOptions = {
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor(`ebpfLens.heat${b}.background`),
        overviewRulerColor: new vscode.ThemeColor(`ebpfLens.heat${b}.ruler`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      };
      this.heat.push(vscode.window.createTextEditorDecorationType({ ...base, gutterIconPath: gutterIcon(b), gutterIconSize: 'contain' }));
      this.heatNoGutter.push(vscode.window.createTextEditorDecorationType(base));
    }
    this.text = vscode.window.createTextEditorDecorationType({
      after: { color: new vscode.ThemeColor('ebpfLens.annotation.foreground'), margin: '0 0 0 2.5em', fontStyle: 'normal' },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
  }

  /** Show a file's annotations in an editor (replacing what it showed). */
  apply(editor: vscode.TextEditor, plan: DecorationPlan, gutter: boolean): void {
    const lines = editor.document.lineCount;
    const lineRange = (l: number): vscode.Range => new vscode.Range(l, 0, l, 0);
    for (let b = 1; b <= HEAT_BUCKETS; b++) {
      const ranges = (plan.buckets[b] ?? []).filter((l) => l < lines).map(lineRange);
      editor.setDecorations(this.heat[b - 1] as vscode.TextEditorDecorationType, gutter ? ranges : []);
      editor.setDecorations(this.heatNoGutter[b - 1] as vscode.TextEditorDecorationType, gutter ? [] : ranges);
    }
    const texts: vscode.DecorationOptions[] = [];
    for (const t of plan.texts) {
      if (t.line >= lines) continue;
      const end = editor.document.lineAt(t.line).range.end;
      texts.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: t.text } } });
    }
    editor.setDecorations(this.text, texts);
  }

  clear(editor: vscode.TextEditor): void {
    for (const t of [...this.heat, ...this.heatNoGutter, this.text]) editor.setDecorations(t, []);
  }

  dispose(): void {
    for (const t of [...this.heat, ...this.heatNoGutter, this.text]) t.dispose();
  }
}

/** A gutter bar for bucket b: taller and warmer for hotter lines. */
function gutterIcon(b: number): vscode.Uri {
  const colours = ['#4f86c6', '#5fb3b3', '#c9b037', '#e8913a', '#e2553d', '#d12e2e'];
  const h = Math.round((b / HEAT_BUCKETS) * 16);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><rect x="5" y="${16 - h}" width="4" height="${h}" rx="1" fill="${colours[b - 1] ?? '#d12e2e'}"/></svg>`;
  return vscode.Uri.parse(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
}
