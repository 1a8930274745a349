import type { AttachPoint, Expr, MacroParam, Probe, Program, Span, TopItem } from './ast';
import { splitAttachPoint } from './attachPoints';
import type { Feature } from './catalog';
import type { Token } from './lexer';
import { SyntaxAbort } from './parserBase';
import { StatementParser } from './statements';

/**
 * A recoverable recursive-descent parser for bpftrace (0.17 → 0.27 syntax). A syntax error
 * becomes a diagnostic on the offending token (an unterminated string or comment: its opening; a
 * missing '}': the end of the file) and parsing goes on after the statement or probe.
 * In layers: the tokens and diagnostics (parserBase.ts), expressions (expressions.ts),
 * statements (statements.ts), and here the top-level items: probes, macros, fns, config.
 */

export interface Diagnostic extends Span {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
}

export interface FeatureUse extends Span {
  readonly feature: Feature;
}

export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly features: readonly FeatureUse[];
}

export class Parser extends StatementParser {
  // ------------------------------------------------------------------------------ program
  parse(): ParseResult {
    const items: TopItem[] = [];
    while (this.tok.kind !== 'eof') {
      const before = this.tok;
      try {
        const item = this.topItem();
        if (item) items.push(item);
      } catch (e) {
        if (!(e instanceof SyntaxAbort)) throw e;
        this.recoverTop(before);
      }
      // no progress: step over the token so the loop ends
      if (this.tok === before) this.advance();
    }
    return {
      program: { items, comments: this.lex.comments.map((c) => ({ start: c.start, end: c.end })) },
      diagnostics: this.diagnostics.sort((a, b) => a.start - b.start),
      features: this.features,
    };
  }

  /** After a top-level error: skip to just after the '}' that closes the current item. */
  private recoverTop(from: Token): void {
    let depth = 0;
    let moved = false;
    while (this.tok.kind !== 'eof') {
      const t = this.advance();
      moved = true;
      if (t.kind === 'punct' && t.text === '{') depth++;
      else if (t.kind === 'punct' && t.text === '}') {
        depth--;
        if (depth <= 0) return;
      }
    }
    if (!moved && this.tok === from) this.advance();
  }

  private topItem(): TopItem | undefined {
    const t = this.tok;
    if (t.kind === 'preproc') {
      this.advance();
      return { kind: 'preproc', text: t.text, start: t.start, end: t.end };
    }
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'struct':
        case 'union':
        case 'enum':
          if (this.la(1).kind === 'ident' && (this.is('{', 2) || this.la(2).kind === 'ident')) return this.cdef();
          // an anonymous enum (0.18): `enum { A = 1, B };`
          if (this.is('{', 1)) return this.cdef();
          break;
        case 'typedef':
          return this.cdef();
        case 'config':
          if (this.is('=', 1)) return this.config();
          break;
        case 'import':
          if (this.la(1).kind === 'string') {
            this.advance();
            const p = this.advance();
            const semi = this.accept(';');
            this.feature('import', t);
            return { kind: 'import', path: p.value ?? '', start: t.start, end: (semi ?? p).end };
          }
          break;
        case 'macro':
          if (this.la(1).kind === 'ident') return this.macro();
          break;
        case 'fn':
          if (this.la(1).kind === 'ident') return this.fn();
          break;
        case 'let':
          if (this.la(1).kind === 'map') return this.mapDecl();
          break;
        default:
          break;
      }
    }
    if (t.kind === 'punct' && t.text === '}') {
      this.advance();
      throw this.fail(t, "unexpected '}'");
    }
    return this.probe();
  }

  private cdef(): TopItem {
    const start = this.tok.start;
    let depth = 0;
    let end = start;
    while (this.tok.kind !== 'eof') {
      const t = this.advance();
      end = t.end;
      if (t.kind === 'punct' && t.text === '{') depth++;
      else if (t.kind === 'punct' && t.text === '}') {
        depth--;
        if (depth === 0) {
          // optional trailing attributes and ';'
          while (this.is('__attribute__')) {
            this.advance();
            this.skipParens();
          }
          const semi = this.accept(';');
          if (semi) end = semi.end;
          break;
        }
      } else if (depth === 0 && t.kind === 'punct' && t.text === ';') break;
    }
    if (depth > 0) throw this.fail(this.tok, "expected '}' to close the C definition");
    return { kind: 'cdef', text: this.src.slice(start, end), start, end };
  }

  private skipParens(): void {
    if (!this.is('(')) return;
    let depth = 0;
    while (this.tok.kind !== 'eof') {
      const t = this.advance();
      if (t.text === '(') depth++;
      else if (t.text === ')' && --depth === 0) return;
    }
  }

  private config(): TopItem {
    const start = this.advance().start;
    this.feature('config', { start, end: start + 6 });
    this.expect('=');
    this.expect('{');
    const entries: (Span & { key: string; value: string })[] = [];
    while (!this.is('}') && this.tok.kind !== 'eof') {
      const k = this.tok;
      if (k.kind !== 'ident') throw this.fail(k, `expected a config key${this.describe(k)}`);
      this.advance();
      this.expect('=');
      const v = this.advance();
      if (!['int', 'string', 'ident'].includes(v.kind)) throw this.fail(v, `expected a config value${this.describe(v)}`);
      entries.push({ key: k.text, value: v.kind === 'string' ? (v.value ?? '') : v.text, start: k.start, end: v.end });
      if (!this.accept(';') && !this.is('}')) throw this.fail(this.tok, `expected ';'${this.describe(this.tok)}`);
    }
    const end = this.expect('}').end;
    return { kind: 'config', entries, start, end };
  }

  private macro(): TopItem {
    const start = this.advance().start;
    const name = this.advance();
    this.feature('macro', { start, end: name.end });
    const params: MacroParam[] = [];
    this.expect('(');
    while (!this.is(')') && this.tok.kind !== 'eof') {
      const p = this.advance();
      if (p.kind === 'var') params.push({ kind: 'var', name: p.text });
      else if (p.kind === 'map') params.push({ kind: 'map', name: p.text });
      else if (p.kind === 'ident') params.push({ kind: 'ident', name: p.text });
      else throw this.fail(p, `expected a macro parameter ($var, @map or a name)${this.describe(p)}`);
      if (!this.accept(',')) break;
    }
    this.expect(')');
    const body = this.block();
    return { kind: 'macro', name: name.text, nameSpan: { start: name.start, end: name.end }, params, body, start, end: body.end };
  }

  private fn(): TopItem {
    const start = this.advance().start;
    const name = this.advance();
    this.feature('fn', { start, end: name.end });
    this.expect('(');
    const params: { name: string; type: string }[] = [];
    while (!this.is(')') && this.tok.kind !== 'eof') {
      const v = this.advance();
      if (v.kind !== 'var') throw this.fail(v, `expected a parameter ($name : type)${this.describe(v)}`);
      this.expect(':');
      params.push({ name: v.text, type: this.typeText() });
      if (!this.accept(',')) break;
    }
    this.expect(')');
    let returnType = 'void';
    if (this.accept(':')) returnType = this.typeText();
    const body = this.block();
    return { kind: 'fn', name: name.text, nameSpan: { start: name.start, end: name.end }, params, returnType, body, start, end: body.end };
  }

  private mapDecl(): TopItem {
    const start = this.advance().start;
    const map = this.advance();
    this.feature('mapDecl', { start, end: map.end });
    this.expect('=');
    const type = this.advance();
    if (type.kind !== 'ident')
      throw this.fail(type, `expected a map type (hash, lruhash, percpuhash, percpulruhash)${this.describe(type)}`);
    this.expect('(');
    const args = this.is(')') ? [] : this.exprList(')');
    let end = this.expect(')').end;
    const semi = this.accept(';');
    if (semi) end = semi.end;
    return { kind: 'mapDecl', map: map.text, mapSpan: { start: map.start, end: map.end }, type: type.text, args, start, end };
  }

  private probe(): Probe {
    const first = this.tok;
    this.rewindTo(first);
    const attachPoints: AttachPoint[] = [];
    for (;;) {
      const raw = this.lex.scanAttachPoint();
      if (!raw) throw this.fail(this.tok, 'expected a probe (e.g. tracepoint:syscalls:sys_enter_openat)');
      // "name=ap" names a probe (0.25)
      const named = /^[A-Za-z_]\w*=(.*)$/.exec(raw.text);
      const text = named ? (named[1] ?? '') : raw.text;
      if (named) this.feature('probeName', raw);
      attachPoints.push(splitAttachPoint(text, named ? raw.end - text.length : raw.start));
      this.buf = [];
      if (!this.accept(',')) break;
      this.rewindTo(this.tok);
      // a trailing comma before the predicate or block (0.25)
      this.lex.skipTrivia();
      const c = this.src.charAt(this.lex.pos);
      if (c === '{' || c === '/') break;
    }
    let predicate: Expr | undefined;
    if (this.is('/')) {
      this.advance();
      this.inPredicate = true;
      try {
        predicate = this.expr();
      } finally {
        this.inPredicate = false;
      }
      if (!this.is('/')) throw this.fail(this.tok, `expected '/' to close the predicate${this.describe(this.tok)}`);
      this.advance();
    }
    if (!this.is('{')) throw this.fail(this.tok, `expected '{' to open the probe's block${this.describe(this.tok)}`);
    const body = this.block();
    return { kind: 'probe', attachPoints, ...(predicate ? { predicate } : {}), body, start: first.start, end: body.end };
  }
}

export function parse(src: string): ParseResult {
  return new Parser(src).parse();
}
