import type { FoldingRange } from 'vscode-languageserver';
import { FoldingRangeKind } from 'vscode-languageserver';
import { Lexer } from '../../core/bpftrace/lexer';
import type { Doc } from '../document';
import type { Provider } from '../provider';
import { guard } from '../provider';

/** Folding: blocks (an unclosed one to the end), block comments, runs of line comments, `// region` markers. */
export function foldingRanges(doc: Doc): FoldingRange[] {
  return [...blockRanges(doc), ...commentRanges(doc)];
}

function blockRanges(doc: Doc): FoldingRange[] {
  const out: FoldingRange[] = [];
  const stack: number[] = [];
  for (const t of doc.tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '{') stack.push(t.start);
    else if (t.text === '}') {
      const open = stack.pop();
      if (open === undefined) continue;
      const a = doc.lines.position(open).line;
      const b = doc.lines.position(t.start).line;
      if (b - 1 > a) out.push({ startLine: a, endLine: b - 1 });
    }
  }
  // an unclosed block folds to the end
  for (const open of stack) {
    const a = doc.lines.position(open).line;
    const b = doc.lines.lineCount - 1;
    if (b > a) out.push({ startLine: a, endLine: b });
  }
  return out;
}

function commentRanges(doc: Doc): FoldingRange[] {
  const out: FoldingRange[] = [];
  const lex = new Lexer(doc.text);
  while (lex.next().kind !== 'eof');
  let run: { a: number; b: number } | undefined;
  const regions: number[] = [];
  const flush = (): void => {
    if (run && run.b > run.a) out.push({ startLine: run.a, endLine: run.b, kind: FoldingRangeKind.Comment });
    run = undefined;
  };
  for (const c of lex.comments) {
    const a = doc.lines.position(c.start).line;
    const b = doc.lines.position(c.end).line;
    if (c.block) {
      flush();
      if (b > a) out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Comment });
      continue;
    }
    const text = doc.text.slice(c.start, c.end);
    if (/^\/\/\s*#?region\b/.test(text)) {
      flush();
      regions.push(a);
      continue;
    }
    if (/^\/\/\s*#?endregion\b/.test(text)) {
      flush();
      const r = regions.pop();
      if (r !== undefined && a > r) out.push({ startLine: r, endLine: a, kind: FoldingRangeKind.Region });
      continue;
    }
    if (run && a === run.b + 1) run.b = a;
    else {
      flush();
      run = { a, b: a };
    }
  }
  flush();
  return out;
}

export const foldingRangeProvider: Provider = {
  capabilities: { foldingRangeProvider: true },
  register(ctx) {
    ctx.connection.onFoldingRanges((p) =>
      guard(
        ctx,
        'folding',
        () => {
          const doc = ctx.cache.get(p.textDocument.uri);
          return doc ? foldingRanges(doc) : null;
        },
        null,
      ),
    );
  },
};
