import type { SignatureHelp } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import { FUNCTION_BY_NAME } from '../../core/bpftrace/functions';
import { functionDoc } from '../catalogDocs';
import { cursorContext, wordBefore } from '../context';
import type { Doc } from '../document';
import type { Provider } from '../provider';
import { docAt, guard } from '../provider';

/** Signature help: the catalog function whose call is around the cursor, and which argument it is at. */
export function signatureHelp(doc: Doc, offset: number): SignatureHelp | null {
  const call = openCall(doc.text, offset);
  if (!call) return null;
  const ctx = cursorContext(doc.text, offset);
  if (ctx.kind !== 'expr') return null;
  const w = wordBefore(doc.text, call.paren);
  const f = FUNCTION_BY_NAME.get(w.word);
  if (!f || w.sigil !== '') return null;
  const inner = /\((.*)\)/.exec(f.signature.split(' | ')[0] ?? '')?.[1] ?? '';
  const label = f.signature.split(' | ')[0] ?? f.signature;
  const params: { label: [number, number] }[] = [];
  let from = label.indexOf('(') + 1;
  for (const raw of inner.split(',')) {
    const p = raw.replace(/[[\]]/g, '').trim();
    if (!p) continue;
    const at = label.indexOf(p, from);
    if (at < 0) continue;
    params.push({ label: [at, at + p.length] });
    from = at + p.length;
  }
  return {
    signatures: [{ label, documentation: { kind: MarkupKind.Markdown, value: functionDoc(f, doc.target) }, parameters: params }],
    activeSignature: 0,
    activeParameter: Math.min(call.commas, Math.max(0, params.length - 1)),
  };
}

/** The innermost unclosed '(' in the current statement before the cursor, and the commas after it. */
function openCall(text: string, offset: number): { paren: number; commas: number } | undefined {
  let depth = 0;
  let commas = 0;
  const stop = Math.max(0, offset - 2000);
  for (let i = offset - 1; i >= stop; i--) {
    const c = text.charAt(i);
    if (c === ')' || c === ']') depth++;
    else if (c === '[') depth = Math.max(0, depth - 1);
    else if (c === '(') {
      if (depth === 0) return { paren: i, commas };
      depth--;
    } else if (c === ',' && depth === 0) commas++;
    else if ((c === ';' || c === '{' || c === '}') && depth === 0) return undefined;
  }
  return undefined;
}

export const signatureHelpProvider: Provider = {
  capabilities: { signatureHelpProvider: { triggerCharacters: ['(', ','] } },
  register(ctx) {
    ctx.connection.onSignatureHelp((p) =>
      guard(
        ctx,
        'signatureHelp',
        () => {
          const at = docAt(ctx, p);
          return at ? signatureHelp(at.doc, at.offset) : null;
        },
        null,
      ),
    );
  },
};
