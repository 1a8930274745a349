import type { TextEdit } from 'vscode-languageserver';
import { versionAtLeast } from '../../core/bpftrace/catalog';
import { formatScript } from '../../core/bpftrace/format';
import type { Doc } from '../document';
import type { Provider, ServerContext } from '../provider';
import { guardAsync } from '../provider';
import { request } from '../protocol';

/** Formatting: the active node's own `bpftrace --fmt` (0.25+) when it has one, else the built-in formatter. */
export const formattingProvider: Provider = {
  capabilities: { documentFormattingProvider: true },
  register(ctx) {
    ctx.connection.onDocumentFormatting((p) =>
      guardAsync(
        ctx,
        'format',
        async () => {
          const doc = ctx.cache.get(p.textDocument.uri);
          if (!doc) return null;
          const text =
            (await nodeFormat(ctx, doc)) ?? formatScript(doc.text, { tabSize: p.options.tabSize, insertSpaces: p.options.insertSpaces });
          if (text === doc.text) return [];
          return [
            { range: { start: { line: 0, character: 0 }, end: doc.lines.position(doc.text.length) }, newText: text },
          ] satisfies TextEdit[];
        },
        null,
      ),
    );
  },
};

/** The node's formatting, undefined when it has none or it failed (logged). */
async function nodeFormat(ctx: ServerContext, doc: Doc): Promise<string | undefined> {
  const target = ctx.cache.target;
  if (!target.fromNode || !target.node || !versionAtLeast(target.version, [0, 25])) return undefined;
  const r = await request(ctx.connection, 'ebpfLens/nodeFormat', { text: doc.text });
  if ('text' in r) return r.text;
  if ('error' in r) ctx.connection.console.warn(`bpftrace --fmt on ${target.node}: ${r.error}; using the built-in formatter`);
  return undefined;
}
