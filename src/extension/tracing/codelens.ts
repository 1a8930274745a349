import * as vscode from 'vscode';
import { probeBlocks } from '../../core/bpftrace/blocks';

/**
 * "▶ Run on NODE" / "Run on…" above each probe block and at the top of a .bt file (the whole
 * script), plus "Check on Node" at the top. Lenses follow the active node.
 */
export class TraceCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly activeNode: () => string | undefined) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    const node = this.activeNode();
    const blocks = probeBlocks(text);
    if (blocks.length === 0) return [];
    const uri = doc.uri.toString();
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses: vscode.CodeLens[] = [];
    if (blocks.length > 1) {
      lenses.push(
        new vscode.CodeLens(top, {
          title: node ? `▶ Run script on ${node}` : '▶ Run script…',
          tooltip: node ? `Run the whole script on ${node} (results open beside)` : 'Pick the node to run on',
          command: node ? 'ebpfLens.runFile' : 'ebpfLens.runFileOn',
          arguments: [{ uri }],
        }),
        new vscode.CodeLens(top, {
          title: 'Run script on…',
          tooltip: 'Run the whole script on one node, several, or a tag',
          command: 'ebpfLens.runFileOn',
          arguments: [{ uri }],
        }),
      );
    }
    lenses.push(
      new vscode.CodeLens(top, {
        title: 'Check on Node',
        tooltip: 'Compile with the node’s bpftrace without attaching anything',
        command: 'ebpfLens.checkOnNode',
        arguments: [{ uri }],
      }),
    );
    for (const b of blocks) {
      const range = new vscode.Range(b.line, 0, b.line, 0);
      // a script of one probe runs whole (its includes and config come along either way)
      const only = blocks.length === 1;
      lenses.push(
        new vscode.CodeLens(range, {
          title: node ? `▶ Run on ${node}` : '▶ Run…',
          tooltip: only
            ? `Run the script on ${node ?? 'a node'}`
            : `Run only this probe (${b.label}) with the script's includes, config and macros`,
          command: node ? (only ? 'ebpfLens.runFile' : 'ebpfLens.runProbe') : only ? 'ebpfLens.runFileOn' : 'ebpfLens.runProbeOn',
          arguments: [only ? { uri } : { uri, index: b.index }],
        }),
        new vscode.CodeLens(range, {
          title: 'Run on…',
          tooltip: 'Pick one node, several, or a tag',
          command: only ? 'ebpfLens.runFileOn' : 'ebpfLens.runProbeOn',
          arguments: [only ? { uri } : { uri, index: b.index }],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
