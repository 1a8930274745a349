import * as vscode from 'vscode';

/**
 * Commands are callable by any installed extension, a walkthrough or a `command:` link, with any
 * arguments. Where the arguments choose what runs on a node (a script, a one-liner, the nodes), a
 * person confirms it in a modal naming the nodes, the script and the time limit — unless the
 * extension runs under its own tests (`ExtensionMode.Test`), where the e2e suite drives them.
 */
export class Consent {
  constructor(private readonly mode: vscode.ExtensionMode) {}

  /** true when the caller's arguments may run without asking */
  get trusted(): boolean {
    return this.mode === vscode.ExtensionMode.Test;
  }

  async confirmTrace(o: {
    readonly nodes: readonly string[];
    readonly script: string;
    readonly durationSec: number;
    readonly title?: string | undefined;
  }): Promise<boolean> {
    if (this.trusted) return true;
    const where =
      o.nodes.length === 1
        ? (o.nodes[0] ?? '')
        : `${o.nodes.length} nodes (${o.nodes.slice(0, 6).join(', ')}${o.nodes.length > 6 ? ', …' : ''})`;
    const lines = o.script.split('\n');
    const shown = lines.slice(0, 14).join('\n') + (lines.length > 14 ? `\n… (${lines.length - 14} more lines)` : '');
    const pick = await vscode.window.showWarningMessage(
      `Run ${o.title ? `“${o.title}”` : 'a bpftrace script'} as root on ${where} for up to ${o.durationSec} s?`,
      {
        modal: true,
        detail: `A command call asked for this trace (another extension, a walkthrough or a link), not a click in eBPF Lens. bpftrace runs with root's privileges on the node. The script:\n\n${shown}`,
      },
      'Run',
    );
    return pick === 'Run';
  }
}
