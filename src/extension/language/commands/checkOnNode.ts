import * as path from 'node:path';
import * as vscode from 'vscode';
import { runCheck } from '../../../core/bpftrace/check';
import type { ScriptDiagnostic } from '../../../core/trace/diagnostics';
import type { LanguageController, NodeCheck } from '../languageController';

/** `ebpfLens.checkOnNode`'s arguments: the document (else the editor's) and the node (else the active one). */
export interface CheckArgs {
  readonly uri?: string;
  readonly node?: string;
}

/** a diagnostic's range in the document, within its lines (bpftrace's are 1-based, some without columns) */
function toRange(doc: vscode.TextDocument, d: ScriptDiagnostic): vscode.Range {
  const line = Math.max(0, Math.min(doc.lineCount - 1, (d.line ?? 1) - 1));
  const text = doc.lineAt(line).text;
  const col = d.col !== undefined ? Math.max(0, d.col - 1) : text.length - text.trimStart().length;
  const endLine = Math.max(line, Math.min(doc.lineCount - 1, (d.endLine ?? d.line ?? 1) - 1));
  const endText = doc.lineAt(endLine).text;
  const endCol = d.endCol !== undefined ? Math.max(endLine === line ? col + 1 : 0, d.endCol - 1) : endText.length;
  return new vscode.Range(line, col, endLine, Math.max(endLine === line ? col + 1 : 0, endCol));
}

/** compile the text with the node's bpftrace (compile only: a version that could attach is refused) */
function compileOnNode(c: LanguageController, doc: vscode.TextDocument, node: string): Thenable<NodeCheck> {
  const { fleet } = c.ctx.nodes;
  const text = doc.getText();
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Checking ${path.basename(doc.fileName)} on ${node} (compile only)…`,
      cancellable: true,
    },
    async (_p, token) => {
      const nc = await fleet.connect(node, token);
      const version = nc.info.bpftrace?.version;
      if (!nc.info.bpftrace) throw new Error(`bpftrace is not installed on ${node}`);
      if (!version) throw new Error(`bpftrace on ${node} did not say its version: the check is not run (it could attach)`);
      const r = await runCheck((cmd) => fleet.run(node, cmd, token), version, text);
      // what bpftrace said about the node itself is a fact of the node (its row), not a diagnostic here
      nc.noteEnvironment(r.environment);
      return { ...r, node, version };
    },
  );
}

/** `ebpfLens.checkOnNode`: compile a script on a node; its errors go to Problems, a message says how it went. */
export async function checkOnNode(c: LanguageController, args: CheckArgs = {}): Promise<NodeCheck> {
  const doc = args.uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(args.uri)) : vscode.window.activeTextEditor?.document;
  if (!doc) throw new Error('no script: open a .bt file first');
  const node = args.node ?? c.ctx.nodes.fleet.activeNode;
  if (!node) throw new Error('no node: set an active node (eBPF: Select Active Node…)');
  const result = await compileOnNode(c, doc, node);
  c.checks.set(doc.uri.toString(), result);
  c.nodeDiagnostics.set(
    doc.uri,
    result.diagnostics.map((d) => {
      const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      const diag = new vscode.Diagnostic(toRange(doc, d), d.message, severity);
      diag.source = `bpftrace ${result.version} on ${node}`;
      return diag;
    }),
  );
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  c.ctx.log.info(`check on ${node} (bpftrace ${result.version}, ${result.mode}): ${result.ok ? 'ok' : `${errors} error(s)`}`);
  if (result.ok)
    void vscode.window.showInformationMessage(
      `bpftrace ${result.version} on ${node} compiled the script without errors (compile only: nothing was attached).`,
    );
  else
    void vscode.window.showWarningMessage(
      `bpftrace ${result.version} on ${node}: ${errors} error${errors === 1 ? '' : 's'} (see Problems).`,
    );
  return result;
}
