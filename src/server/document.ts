import type { Range } from 'vscode-languageserver';
import type { Analysis } from '../core/bpftrace/analysis';
import { analyze } from '../core/bpftrace/analysis';
import type { Span } from '../core/bpftrace/ast';
import type { Token } from '../core/bpftrace/lexer';
import { Lexer, LineIndex } from '../core/bpftrace/lexer';
import type { Target } from './target';

/**
 * One analysed document version: text and target in, its analysis, lines and tokens made on
 * first use and reused by every feature until the text changes. The features take a `Doc` and
 * offsets and give LSP types, so unit tests and the fuzzer call them without a connection.
 */
export class Doc {
  private cache?: Analysis;
  private idx?: LineIndex;
  private toks?: Token[];
  constructor(
    readonly text: string,
    readonly target: Target,
  ) {}
  get analysis(): Analysis {
    return (this.cache ??= analyze(this.text, { target: this.target.version }));
  }
  get lines(): LineIndex {
    return (this.idx ??= new LineIndex(this.text));
  }
  /** the lexer's tokens over the whole text (attach points come out as loose tokens: only used for names) */
  get tokens(): readonly Token[] {
    if (!this.toks) {
      const lex = new Lexer(this.text);
      const out: Token[] = [];
      for (let n = 0; n < 1_000_000; n++) {
        const t = lex.next();
        if (t.kind === 'eof') break;
        out.push(t);
      }
      this.toks = out;
    }
    return this.toks;
  }
  range(s: Span): Range {
    return { start: this.lines.position(s.start), end: this.lines.position(Math.max(s.start, s.end)) };
  }
  offset(p: { line: number; character: number }): number {
    return Math.min(this.text.length, this.lines.offset(p.line, p.character));
  }
  tokenAt(offset: number): Token | undefined {
    const toks = this.tokens;
    let lo = 0;
    let hi = toks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = toks[mid] as Token;
      if (offset < t.start) hi = mid - 1;
      else if (offset > t.end || (offset === t.end && !(toks[mid + 1] === undefined || (toks[mid + 1] as Token).start > offset)))
        lo = mid + 1;
      else return t;
    }
    return undefined;
  }
  /** the top-level item (probe, macro, fn …) around an offset */
  itemAt(offset: number): Analysis['program']['items'][number] | undefined {
    return this.analysis.program.items.find((i) => i.start <= offset && offset <= i.end);
  }
  /** the `$names` of a span of the text, each with its tokens in order */
  varsIn(span: Span): Map<string, Token[]> {
    const out = new Map<string, Token[]>();
    for (const t of this.tokens) {
      if (t.start < span.start) continue;
      if (t.start >= span.end) break;
      if (t.kind !== 'var') continue;
      const list = out.get(t.text);
      if (list) list.push(t);
      else out.set(t.text, [t]);
    }
    return out;
  }
  /** the `$names` of the item around an offset (of the whole text outside any) */
  varsAround(offset: number): Map<string, Token[]> {
    return this.varsIn(this.itemAt(offset) ?? { start: 0, end: this.text.length });
  }
}
