import * as vscode from 'vscode';
import type { FileAnnotations } from '../../core/annotate/model';
import { compact } from '../../core/nodes/stats';

/** What the status item shows for the active document. */
export interface StatusFacts {
  /** its counting window */
  readonly counting?: { readonly nodes: readonly string[]; readonly title: string } | undefined;
  readonly file?: FileAnnotations | undefined;
  readonly visible: boolean;
  readonly live: boolean;
}

/** The status bar item of the active document's annotations: counting, or what is drawn; a click hides or shows them. */
export class AnnotationsStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ebpfLens.annotations', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'eBPF call-frequency annotations';
    this.item.command = 'ebpfLens.toggleAnnotations';
  }

  /** `undefined` or `''`: no active document */
  update(facts: StatusFacts | undefined | ''): void {
    const { item } = this;
    if (facts && facts.counting) {
      item.text = `$(sync~spin) counting calls on ${facts.counting.nodes[0] ?? ''}…`;
      item.tooltip = `${facts.counting.title}: a window of call counting is running. Stop it from the Traces in the Nodes view or eBPF: Stop Trace….`;
      item.show();
    } else if (facts && facts.file) {
      const { file, visible } = facts;
      const n = file.items.filter((i) => i.rate !== undefined).length;
      const top = [...file.items].sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0))[0];
      item.text = `$(flame) ${n} ${file.kind === 'bpftrace' ? 'probes' : 'functions'}${visible ? '' : ' (hidden)'}${facts.live ? ' · live' : ''}`;
      item.tooltip = new vscode.MarkdownString(
        `**Call-frequency annotations** on \`${file.node}\`${top?.rate !== undefined ? `\n\nhottest: \`${top.label}\` at ${compact(top.rate)}/s` : ''}${(file.notes ?? []).map((x) => `\n\n- ${x}`).join('')}\n\nClick to ${visible ? 'hide' : 'show'} them.`,
      );
      item.show();
    } else item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
