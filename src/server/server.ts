import type { ServerCapabilities } from 'vscode-languageserver/node';
import { ProposedFeatures, TextDocumentSyncKind, TextDocuments, createConnection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DocumentCache } from './documentCache';
import { clientProbes } from './nodeProbes';
import type { ServerContext } from './provider';
import { completionProvider } from './providers/completion';
import { diagnosticsProvider } from './providers/diagnostics';
import { documentSymbolProvider } from './providers/documentSymbols';
import { foldingRangeProvider } from './providers/foldingRanges';
import { formattingProvider } from './providers/formatting';
import { hoverProvider } from './providers/hover';
import { referencesProvider } from './providers/references';
import { signatureHelpProvider } from './providers/signatureHelp';

/**
 * The bpftrace language server: runs in its own process (IPC), needs no root and no kernel.
 * Everything that needs a node goes back to the extension as a request (protocol.ts), and only
 * when the user asks (completion of attach points, hover over a wildcard, formatting with the
 * node's own `bpftrace --fmt`).
 */
const connection = createConnection(ProposedFeatures.all);
const cache = new DocumentCache(new TextDocuments(TextDocument));
const ctx: ServerContext = { connection, cache, probes: clientProbes(connection, cache) };
const providers = [
  diagnosticsProvider,
  completionProvider,
  hoverProvider,
  signatureHelpProvider,
  documentSymbolProvider,
  foldingRangeProvider,
  referencesProvider,
  formattingProvider,
];

connection.onInitialize(() => ({
  capabilities: providers.reduce<ServerCapabilities>((c, p) => ({ ...c, ...p.capabilities }), {
    textDocumentSync: TextDocumentSyncKind.Incremental,
  }),
  serverInfo: { name: 'eBPF Lens bpftrace', version: '1' },
}));
for (const p of providers) p.register(ctx);
cache.documents.listen(connection);
connection.listen();
