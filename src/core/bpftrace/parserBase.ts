import type { Span } from './ast';
import type { Feature } from './catalog';
import type { Token } from './lexer';
import { Lexer } from './lexer';
import type { Diagnostic, FeatureUse } from './parser';

/**
 * The footing of the bpftrace parser (parser.ts): tokens with lookahead, and the diagnostics and
 * language features it collects on the way.
 */

/** Thrown once a syntax error is reported: unwinds to the statement or item that recovers. */
export class SyntaxAbort extends Error {}

export class ParserBase {
  protected readonly lex: Lexer;
  protected buf: Token[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly features: FeatureUse[] = [];

  constructor(protected readonly src: string) {
    this.lex = new Lexer(src);
  }

  // ------------------------------------------------------------------------------ tokens
  protected fill(n: number): void {
    while (this.buf.length <= n) {
      const t = this.lex.next();
      for (const e of this.lex.errors.splice(0)) this.error(e, e.error ?? 'syntax error', 'lex');
      if (t.kind === 'error') {
        this.error(t, t.error ?? 'syntax error', 'lex');
        continue;
      }
      if (t.kind === 'int' && t.duration) this.feature('durationLiteral', t);
      this.buf.push(t);
    }
  }
  protected la(n = 0): Token {
    this.fill(n);
    return this.buf[n] as Token;
  }
  protected get tok(): Token {
    return this.la(0);
  }
  protected advance(): Token {
    const t = this.la(0);
    this.buf.shift();
    return t;
  }
  protected is(text: string, n = 0): boolean {
    const t = this.la(n);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  protected accept(text: string): Token | undefined {
    return this.is(text) ? this.advance() : undefined;
  }
  protected expect(text: string): Token {
    if (this.is(text)) return this.advance();
    throw this.fail(this.tok, `expected '${text}'${this.describe(this.tok)}`);
  }
  protected describe(t: Token): string {
    if (t.kind === 'eof') return ' before the end of the file';
    return `, found ${t.kind === 'string' ? 'a string' : `'${t.text.length > 20 ? `${t.text.slice(0, 20)}…` : t.text}'`}`;
  }
  /** Drop lexed-ahead tokens and rewind the lexer to a token (raw attach point scanning). */
  protected rewindTo(t: Token): void {
    this.buf = [];
    this.lex.pos = t.start;
  }

  // ------------------------------------------------------------------------------ diagnostics
  protected error(span: Span, message: string, code = 'syntax'): void {
    // one diagnostic per place: a cascade at the same token says nothing new
    if (this.diagnostics.some((d) => d.start === span.start && d.code === code)) return;
    const len = this.src.length;
    const start = Math.min(span.start, len);
    this.diagnostics.push({ start, end: Math.min(Math.max(span.end, start), len), severity: 'error', code, message });
  }
  protected fail(t: Token, message: string): SyntaxAbort {
    this.error(t.kind === 'eof' ? { start: this.src.length, end: this.src.length } : t, message);
    return new SyntaxAbort(message);
  }
  protected feature(feature: Feature, span: Span): void {
    this.features.push({ feature, start: span.start, end: span.end });
  }
}
