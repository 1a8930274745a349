import type { TextDocumentPositionParams, TextEdit } from 'vscode-languageserver';
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { Span } from '../../core/bpftrace/ast';
import type { Doc } from '../document';
import type { Provider, ServerContext } from '../provider';
import { docAt, guard } from '../provider';

/** Definition, references and rename of maps, variables (within their item) and macros. */

interface SymbolAt {
  readonly name: string;
  readonly kind: 'map' | 'var' | 'macro';
  readonly defs: readonly Span[];
  readonly refs: readonly Span[];
  readonly at: Span;
}

export function symbolAt(doc: Doc, offset: number): SymbolAt | undefined {
  const t = doc.tokenAt(offset);
  if (!t) return undefined;
  if (t.kind === 'map' && t.text !== '@') {
    const m = doc.analysis.symbols.maps.get(t.text);
    if (!m) return undefined;
    return { name: m.name, kind: 'map', defs: m.defs.length ? m.defs : m.refs.slice(0, 1), refs: m.refs, at: t };
  }
  if (t.kind === 'var') {
    const toks = doc.varsAround(offset).get(t.text) ?? [];
    return { name: t.text, kind: 'var', defs: toks.slice(0, 1), refs: toks, at: t };
  }
  if (t.kind === 'ident') {
    const m = doc.analysis.symbols.macros.get(t.text);
    if (m)
      return {
        name: t.text,
        kind: 'macro',
        defs: [m.def],
        refs: m.refs.map((r) => ({ start: r.start, end: r.start + t.text.length })),
        at: t,
      };
  }
  return undefined;
}

export function renameEdits(doc: Doc, offset: number, newName: string): TextEdit[] | string {
  const s = symbolAt(doc, offset);
  if (!s) return 'only maps, variables and macros can be renamed';
  const ok =
    s.kind === 'map'
      ? /^@[A-Za-z_]\w*$/.test(newName)
      : s.kind === 'var'
        ? /^\$[A-Za-z_]\w*$/.test(newName)
        : /^[A-Za-z_]\w*$/.test(newName);
  if (!ok) return `"${newName}" is not a valid ${s.kind} name (${s.kind === 'map' ? '@name' : s.kind === 'var' ? '$name' : 'name'})`;
  const seen = new Set<number>();
  const edits: TextEdit[] = [];
  for (const r of s.refs) {
    if (seen.has(r.start)) continue;
    seen.add(r.start);
    edits.push({ range: doc.range({ start: r.start, end: r.start + s.name.length }), newText: newName });
  }
  return edits;
}

export const referencesProvider: Provider = {
  capabilities: { definitionProvider: true, referencesProvider: true, renameProvider: { prepareProvider: true } },
  register(ctx) {
    const { connection } = ctx;
    connection.onDefinition((p) =>
      withSymbol(ctx, 'definition', p, (doc, s) => s.defs.map((d) => ({ uri: p.textDocument.uri, range: doc.range(d) }))),
    );
    connection.onReferences((p) =>
      withSymbol(ctx, 'references', p, (doc, s) => {
        const defs = new Set(s.defs.map((d) => d.start));
        return s.refs
          .filter((r) => p.context.includeDeclaration || !defs.has(r.start))
          .map((r) => ({ uri: p.textDocument.uri, range: doc.range({ start: r.start, end: r.start + s.name.length }) }));
      }),
    );
    connection.onPrepareRename((p) => withSymbol(ctx, 'prepareRename', p, (doc, s) => ({ range: doc.range(s.at), placeholder: s.name })));
    connection.onRenameRequest((p) =>
      guard(
        ctx,
        'rename',
        () => {
          const at = docAt(ctx, p);
          if (!at) return null;
          const edits = renameEdits(at.doc, at.offset, p.newName);
          if (typeof edits === 'string') return new ResponseError(ErrorCodes.InvalidParams, edits);
          return { changes: { [p.textDocument.uri]: edits } };
        },
        null,
      ),
    );
  },
};

/** A request about the symbol under the cursor: null when there is none. */
function withSymbol<T>(ctx: ServerContext, what: string, p: TextDocumentPositionParams, f: (doc: Doc, s: SymbolAt) => T): T | null {
  return guard(
    ctx,
    what,
    () => {
      const at = docAt(ctx, p);
      const s = at ? symbolAt(at.doc, at.offset) : undefined;
      return at && s ? f(at.doc, s) : null;
    },
    null,
  );
}
