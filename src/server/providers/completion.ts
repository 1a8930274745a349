import type { CompletionList } from 'vscode-languageserver';
import { CompletionItemKind } from 'vscode-languageserver';
import { CONFIG_KEYS } from '../../core/bpftrace/catalog';
import { sinceNote } from '../catalogDocs';
import { cursorContext, memberBefore, wordBefore } from '../context';
import type { Doc } from '../document';
import type { NodeProbes } from '../nodeProbes';
import type { Provider } from '../provider';
import { docAt, guardAsync } from '../provider';
import { attachCompletions } from './attachCompletion';
import { expressionCompletions } from './expressionCompletion';
import { fieldCompletions } from './fieldCompletion';

/** Completion by where the cursor is: attach points in a header, expressions, tracepoint fields, config keys. */
export async function completion(doc: Doc, offset: number, probes?: NodeProbes): Promise<CompletionList> {
  const ctx = cursorContext(doc.text, offset);
  switch (ctx.kind) {
    case 'none':
      return { isIncomplete: false, items: [] };
    case 'config':
      return configCompletions(doc, offset);
    case 'attach':
      return attachCompletions(doc, ctx.word, ctx.wordStart, offset, probes);
    case 'expr': {
      const w = wordBefore(doc.text, offset);
      if (w.sigil === '') {
        const member = memberBefore(doc.text, w.start);
        if (member === 'args') return fieldCompletions(doc, offset, w.start, probes);
        if (member !== undefined) return { isIncomplete: false, items: [] };
      }
      return expressionCompletions(doc, offset);
    }
  }
}

function configCompletions(doc: Doc, offset: number): CompletionList {
  const w = wordBefore(doc.text, offset);
  const range = doc.range({ start: w.start, end: offset });
  return {
    isIncomplete: false,
    items: CONFIG_KEYS.map((k) => {
      const n = sinceNote(k.since, doc.target);
      return {
        label: k.name,
        kind: CompletionItemKind.Property,
        detail: `${k.values}${n.note}`,
        textEdit: { range, newText: `${k.name} = ` },
        sortText: `${n.later ? '9' : '1'}${k.name}`,
      };
    }),
  };
}

export const completionProvider: Provider = {
  capabilities: { completionProvider: { triggerCharacters: ['@', '$', ':', '.', '>'], resolveProvider: false } },
  register(ctx) {
    ctx.connection.onCompletion((p) =>
      guardAsync(
        ctx,
        'completion',
        async () => {
          const at = docAt(ctx, p);
          return at ? completion(at.doc, at.offset, ctx.probes) : null;
        },
        null,
      ),
    );
  },
};
