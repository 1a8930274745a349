import type { DocumentSymbol } from 'vscode-languageserver';
import { SymbolKind } from 'vscode-languageserver';
import type { Doc } from '../document';
import type { Provider } from '../provider';
import { guard } from '../provider';

/** The outline: probes, macros, functions, the config block, declared maps, and other maps where first assigned. */
export function documentSymbols(doc: Doc): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const item of doc.analysis.program.items) {
    const s = itemSymbol(doc, item);
    if (s) out.push(s);
  }
  // maps: where each is first assigned
  const declared = new Set(doc.analysis.program.items.flatMap((i) => (i.kind === 'mapDecl' ? [i.map] : [])));
  for (const m of doc.analysis.symbols.maps.values()) {
    const at = m.defs[0] ?? m.refs[0];
    if (!at || declared.has(m.name)) continue;
    out.push({
      name: m.name,
      detail: `map · ${m.refs.length} use${m.refs.length === 1 ? '' : 's'}`,
      kind: SymbolKind.Variable,
      range: doc.range(at),
      selectionRange: doc.range(at),
    });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

const shorten = (s: string): string => (s.length > 80 ? `${s.slice(0, 79)}…` : s) || '(empty)';

function itemSymbol(doc: Doc, item: Doc['analysis']['program']['items'][number]): DocumentSymbol | undefined {
  const range = doc.range(item);
  switch (item.kind) {
    case 'probe': {
      const first = item.attachPoints[0];
      return {
        name: shorten(item.attachPoints.map((a) => a.text).join(', ')),
        ...(item.predicate ? { detail: shorten(doc.text.slice(item.predicate.start, item.predicate.end).replace(/\s+/g, ' ')) } : {}),
        kind: SymbolKind.Event,
        range,
        selectionRange: first ? doc.range(first) : range,
      };
    }
    case 'macro':
      return { name: item.name, detail: 'macro', kind: SymbolKind.Function, range, selectionRange: doc.range(item.nameSpan) };
    case 'fn':
      return {
        name: item.name,
        detail: `fn (${item.params.map((p) => `${p.name}: ${p.type}`).join(', ')}): ${item.returnType}`,
        kind: SymbolKind.Function,
        range,
        selectionRange: doc.range(item.nameSpan),
      };
    case 'config':
      return {
        name: 'config',
        kind: SymbolKind.Namespace,
        range,
        selectionRange: range,
        children: item.entries.map((e) => ({
          name: e.key,
          detail: e.value,
          kind: SymbolKind.Property,
          range: doc.range(e),
          selectionRange: doc.range(e),
        })),
      };
    case 'mapDecl':
      return { name: item.map, detail: item.type, kind: SymbolKind.Variable, range, selectionRange: doc.range(item.mapSpan) };
    default:
      return undefined;
  }
}

export const documentSymbolProvider: Provider = {
  capabilities: { documentSymbolProvider: true },
  register(ctx) {
    ctx.connection.onDocumentSymbol((p) =>
      guard(
        ctx,
        'symbols',
        () => {
          const doc = ctx.cache.get(p.textDocument.uri);
          return doc ? documentSymbols(doc) : null;
        },
        null,
      ),
    );
  },
};
