import * as vscode from 'vscode';
import type { PlacedDiagnostic } from '../../core/trace/origin';
import { placeDiagnostics } from '../../core/trace/origin';
import type { TraceSession } from '../../ssh/traceSession';

/**
 * What bpftrace said at a line and column of a script run from a document (a compile error or
 * warning, and while it runs, 0.24+'s runtime_error, errorf and warnf), shown on that document
 * where the user wrote it, with the nodes and versions that said it. The newest run of a document
 * owns its diagnostics; editing the document does not clear them (the run is what it was), the
 * next run of it does.
 */
export class RunDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ebpf-lens-run');
  /** document uri → the session whose diagnostics it shows */
  private readonly newest = new Map<string, string>();
  /** document uri → what it shows now (results change many times a second; the diagnostics rarely do) */
  private readonly shown = new Map<string, string>();

  dispose(): void {
    this.collection.dispose();
  }

  /** a session started: it owns its document's run diagnostics from now on */
  started(s: TraceSession): void {
    if (!s.origin) return;
    this.newest.set(s.origin.uri, s.id);
    this.shown.delete(s.origin.uri);
    this.collection.delete(vscode.Uri.parse(s.origin.uri));
  }

  /** the session's results changed: show what its nodes said so far */
  async update(s: TraceSession): Promise<void> {
    const origin = s.origin;
    if (!origin || this.newest.get(origin.uri) !== s.id) return;
    const said = [...s.parts.values()].map((p) => ({ node: p.node, diagnostics: s.resultsOf(p)?.diagnostics ?? [] }));
    const placed = placeDiagnostics(s.runScript, origin, said);
    const uri = vscode.Uri.parse(origin.uri);
    const key = JSON.stringify(placed);
    if (this.shown.get(origin.uri) === key) return;
    if (placed.length === 0) {
      this.shown.set(origin.uri, key);
      return void this.collection.delete(uri);
    }
    let doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === origin.uri);
    try {
      doc ??= await vscode.workspace.openTextDocument(uri);
    } catch {
      return; // the document is gone: nowhere to show them (the results view still has them)
    }
    if (this.newest.get(origin.uri) !== s.id) return;
    this.shown.set(origin.uri, key);
    this.collection.set(
      uri,
      placed.map((d) => this.toDiagnostic(doc, d, s)),
    );
  }

  private toDiagnostic(doc: vscode.TextDocument, d: PlacedDiagnostic, s: TraceSession): vscode.Diagnostic {
    const start = doc.positionAt(d.start);
    const end = d.end !== undefined ? doc.positionAt(d.end) : (doc.getWordRangeAtPosition(start)?.end ?? start.translate(0, 1));
    const sev = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
    const diag = new vscode.Diagnostic(new vscode.Range(start, end), d.message, sev);
    const versions = new Set(d.nodes.map((n) => s.parts.get(n)?.run?.client.info.bpftrace?.version ?? '?'));
    const v = versions.size === 1 ? ` ${[...versions][0] ?? ''}` : '';
    diag.source = `bpftrace${v} on ${d.nodes.join(', ')} (run)`;
    return diag;
  }
}
