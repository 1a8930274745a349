import * as vscode from 'vscode';
import { hoverMarkdown } from '../../core/annotate/model';
import type { AnnotationsController } from './annotationsController';

const LINK_COMMANDS = ['ebpfLens.annotate', 'ebpfLens.measureLatency', 'ebpfLens.showTraceResults', 'ebpfLens.toggleAnnotations'];

/** The story of an annotated line in a hover, with links to measure again, time it, see the run, hide. */
export function hoverProvider(ctrl: AnnotationsController): vscode.Disposable {
  return vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
    provideHover(doc, pos) {
      if (!ctrl.visible) return undefined;
      const uri = doc.uri.toString();
      const st = ctrl.states.get(uri);
      const a = st?.file.items.find((i) => i.line === pos.line);
      if (!st || !a) return undefined;
      const cmd = (id: string, arg: unknown): string => `command:${id}?${encodeURIComponent(JSON.stringify([arg]))}`;
      const md = new vscode.MarkdownString(
        hoverMarkdown(a, st.file, {
          ...(st.file.kind !== 'bpftrace' ? { remeasure: cmd('ebpfLens.annotate', { uri }) } : {}),
          ...(st.file.kind === 'uprobe' ? { latency: cmd('ebpfLens.measureLatency', { uri, function: a.key }) } : {}),
          ...(st.file.session ? { results: cmd('ebpfLens.showTraceResults', st.file.session) } : {}),
          toggle: cmd('ebpfLens.toggleAnnotations', {}),
        }),
      );
      md.isTrusted = { enabledCommands: LINK_COMMANDS };
      return new vscode.Hover(md, doc.lineAt(pos.line).range);
    },
  });
}
