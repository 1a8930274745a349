import type { Connection, TextDocumentChangeEvent } from 'vscode-languageserver/node';
import {
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { NEWEST, parseVersion, versionAtLeast } from '../core/bpftrace/catalog';
import { formatScript } from '../core/bpftrace/format';
import { onNotification, request } from './protocol';
import type { NodeProbes, Target } from './features';
import {
  DEFAULT_TARGET,
  Doc,
  completion,
  diagnostics,
  documentSymbols,
  foldingRanges,
  hover,
  renameEdits,
  signatureHelp,
  symbolAt,
} from './features';

/**
 * The bpftrace language server: runs in its own process (IPC), needs no root and no kernel.
 * Everything that needs a node goes back to the extension as a request, and only when the user
 * asks (completion of attach points, hover over a wildcard, formatting with the node's own
 * `bpftrace --fmt`).
 */
const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let target: Target = DEFAULT_TARGET;
const docs = new Map<string, { version: number; target: Target; doc: Doc }>();
const timers = new Map<string, NodeJS.Timeout>();
const DEBOUNCE_MS = 150;

function docOf(uri: string): Doc | undefined {
  const td = documents.get(uri);
  if (!td) return undefined;
  const c = docs.get(uri);
  if (c && c.version === td.version && c.target === target) return c.doc;
  const doc = new Doc(td.getText(), target);
  docs.set(uri, { version: td.version, target, doc });
  return doc;
}

function validate(uri: string): void {
  const doc = docOf(uri);
  if (!doc) return;
  const version = documents.get(uri)?.version;
  void connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics: diagnostics(doc) });
}

function schedule(e: TextDocumentChangeEvent<TextDocument>): void {
  const uri = e.document.uri;
  clearTimeout(timers.get(uri));
  timers.set(
    uri,
    setTimeout(() => {
      timers.delete(uri);
      guard('diagnostics', () => validate(uri), undefined);
    }, DEBOUNCE_MS),
  );
}

/** A failing feature logs and answers nothing: it never takes the server down. */
function guard<T>(what: string, f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    connection.console.error(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}
async function guardAsync<T>(what: string, f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    connection.console.error(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}

const probes: NodeProbes = {
  async list(pattern, verbose) {
    if (!target.node) return undefined;
    return request(connection, 'ebpfLens/listProbes', { pattern, ...(verbose ? { verbose } : {}) });
  },
};

connection.onInitialize(() => ({
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    completionProvider: { triggerCharacters: ['@', '$', ':', '.', '>'], resolveProvider: false },
    hoverProvider: true,
    signatureHelpProvider: { triggerCharacters: ['(', ','] },
    documentSymbolProvider: true,
    foldingRangeProvider: true,
    definitionProvider: true,
    referencesProvider: true,
    renameProvider: { prepareProvider: true },
    documentFormattingProvider: true,
  },
  serverInfo: { name: 'eBPF Lens bpftrace', version: '1' },
}));

onNotification(connection, 'ebpfLens/target', (p) => {
  const v = p.bpftraceVersion ? parseVersion(p.bpftraceVersion) : undefined;
  target = v ? { node: p.node, version: v, fromNode: true } : { node: p.node, version: NEWEST, fromNode: false };
  for (const d of documents.all()) guard('diagnostics', () => validate(d.uri), undefined);
});

documents.onDidOpen((e) => guard('diagnostics', () => validate(e.document.uri), undefined));
documents.onDidChangeContent(schedule);
documents.onDidClose((e) => {
  clearTimeout(timers.get(e.document.uri));
  docs.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onCompletion((p) =>
  guardAsync(
    'completion',
    async () => {
      const doc = docOf(p.textDocument.uri);
      return doc ? completion(doc, doc.offset(p.position), probes) : null;
    },
    null,
  ),
);
connection.onHover((p) =>
  guardAsync(
    'hover',
    async () => {
      const doc = docOf(p.textDocument.uri);
      return doc ? hover(doc, doc.offset(p.position), probes) : null;
    },
    null,
  ),
);
connection.onSignatureHelp((p) =>
  guard(
    'signatureHelp',
    () => {
      const doc = docOf(p.textDocument.uri);
      return doc ? signatureHelp(doc, doc.offset(p.position)) : null;
    },
    null,
  ),
);
connection.onDocumentSymbol((p) =>
  guard(
    'symbols',
    () => {
      const doc = docOf(p.textDocument.uri);
      return doc ? documentSymbols(doc) : null;
    },
    null,
  ),
);
connection.onFoldingRanges((p) =>
  guard(
    'folding',
    () => {
      const doc = docOf(p.textDocument.uri);
      return doc ? foldingRanges(doc) : null;
    },
    null,
  ),
);
connection.onDefinition((p) =>
  guard(
    'definition',
    () => {
      const doc = docOf(p.textDocument.uri);
      const s = doc ? symbolAt(doc, doc.offset(p.position)) : undefined;
      return doc && s ? s.defs.map((d) => ({ uri: p.textDocument.uri, range: doc.range(d) })) : null;
    },
    null,
  ),
);
connection.onReferences((p) =>
  guard(
    'references',
    () => {
      const doc = docOf(p.textDocument.uri);
      const s = doc ? symbolAt(doc, doc.offset(p.position)) : undefined;
      if (!doc || !s) return null;
      const defs = new Set(s.defs.map((d) => d.start));
      return s.refs
        .filter((r) => p.context.includeDeclaration || !defs.has(r.start))
        .map((r) => ({ uri: p.textDocument.uri, range: doc.range({ start: r.start, end: r.start + s.name.length }) }));
    },
    null,
  ),
);
connection.onPrepareRename((p) =>
  guard(
    'prepareRename',
    () => {
      const doc = docOf(p.textDocument.uri);
      const s = doc ? symbolAt(doc, doc.offset(p.position)) : undefined;
      return doc && s ? { range: doc.range(s.at), placeholder: s.name } : null;
    },
    null,
  ),
);
connection.onRenameRequest((p) =>
  guard(
    'rename',
    () => {
      const doc = docOf(p.textDocument.uri);
      if (!doc) return null;
      const edits = renameEdits(doc, doc.offset(p.position), p.newName);
      if (typeof edits === 'string') return new ResponseError(ErrorCodes.InvalidParams, edits);
      return { changes: { [p.textDocument.uri]: edits } };
    },
    null,
  ),
);
connection.onDocumentFormatting((p) =>
  guardAsync(
    'format',
    async () => {
      const doc = docOf(p.textDocument.uri);
      if (!doc) return null;
      let text: string | undefined;
      if (target.fromNode && target.node && versionAtLeast(target.version, [0, 25])) {
        const r = await request(connection, 'ebpfLens/nodeFormat', { text: doc.text });
        if ('text' in r) text = r.text;
        else if ('error' in r) connection.console.warn(`bpftrace --fmt on ${target.node}: ${r.error}; using the built-in formatter`);
      }
      text ??= formatScript(doc.text, { tabSize: p.options.tabSize, insertSpaces: p.options.insertSpaces });
      if (text === doc.text) return [];
      return [{ range: { start: { line: 0, character: 0 }, end: doc.lines.position(doc.text.length) }, newText: text }];
    },
    null,
  ),
);

documents.listen(connection);
connection.listen();
