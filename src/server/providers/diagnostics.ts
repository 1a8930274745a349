import type { Diagnostic } from 'vscode-languageserver';
import { DiagnosticSeverity } from 'vscode-languageserver';
import type { Doc } from '../document';
import type { Provider, ServerContext } from '../provider';
import { guard } from '../provider';
import { onNotification } from '../protocol';
import { targetOf } from '../target';

export function diagnostics(doc: Doc): Diagnostic[] {
  return doc.analysis.diagnostics.map((d) => ({
    range: doc.range(d),
    severity:
      d.severity === 'error'
        ? DiagnosticSeverity.Error
        : d.severity === 'warning'
          ? DiagnosticSeverity.Warning
          : DiagnosticSeverity.Information,
    code: d.code,
    source: 'bpftrace',
    message: d.message,
  }));
}

const DEBOUNCE_MS = 150;

/**
 * Diagnostics are pushed: on open, a moment after the typing stops, and for every open document
 * when the client names another target (the node's version decides what is a warning).
 */
export const diagnosticsProvider: Provider = {
  capabilities: {},
  register(ctx: ServerContext): void {
    const { connection, cache } = ctx;
    const timers = new Map<string, NodeJS.Timeout>();
    const validate = (uri: string): void => {
      const doc = cache.get(uri);
      if (!doc) return;
      const version = cache.version(uri);
      void connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics: diagnostics(doc) });
    };
    const guarded = (uri: string): void => guard(ctx, 'diagnostics', () => validate(uri), undefined);
    onNotification(connection, 'ebpfLens/target', (p) => {
      cache.target = targetOf(p);
      for (const d of cache.documents.all()) guarded(d.uri);
    });
    cache.documents.onDidOpen((e) => guarded(e.document.uri));
    cache.documents.onDidChangeContent((e) => {
      const uri = e.document.uri;
      clearTimeout(timers.get(uri));
      timers.set(
        uri,
        setTimeout(() => {
          timers.delete(uri);
          guarded(uri);
        }, DEBOUNCE_MS),
      );
    });
    cache.documents.onDidClose((e) => {
      clearTimeout(timers.get(e.document.uri));
      cache.forget(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
  },
};
