import type { AttachPoint, Block, Expr, MacroParam, Probe, Program, Span, Stmt, TopItem } from './ast';
import type { Feature } from './catalog';
import { BUILTIN_NAMES } from './catalog';
import type { Token } from './lexer';
import { Lexer } from './lexer';

/**
 * A recoverable recursive-descent parser for bpftrace (0.17 → 0.26 syntax). A syntax error
 * becomes a diagnostic on the offending token (an unterminated string or comment: its opening; a
 * missing '}': the end of the file) and parsing goes on after the statement or probe.
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

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);
const BINARY_PREC: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};
const TYPE_WORDS = new Set([
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'void',
  'string',
  'buffer',
  'inet',
  'str_t',
  'buf_t',
  'inet_t',
  'timestamp',
  'timestamp_t',
  'macaddr_t',
  'cgroup_path_t',
  'count_t',
  'sum_t',
  'usum_t',
  'avg_t',
  'stats_t',
  'min_t',
  'max_t',
  'umin_t',
  'umax_t',
  'char',
  'short',
  'int',
  'long',
  'unsigned',
  'signed',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
]);
const STATEMENT_KEYWORDS = new Set(['if', 'else', 'while', 'unroll', 'for', 'return', 'break', 'continue', 'let', 'import']);

class SyntaxError extends Error {}

export class Parser {
  private readonly lex: Lexer;
  private buf: Token[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly features: FeatureUse[] = [];
  private inPredicate = false;

  constructor(private readonly src: string) {
    this.lex = new Lexer(src);
  }

  // ------------------------------------------------------------------------------ tokens
  private fill(n: number): void {
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
  private la(n = 0): Token {
    this.fill(n);
    return this.buf[n] as Token;
  }
  private get tok(): Token {
    return this.la(0);
  }
  private advance(): Token {
    const t = this.la(0);
    this.buf.shift();
    return t;
  }
  private is(text: string, n = 0): boolean {
    const t = this.la(n);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private accept(text: string): Token | undefined {
    return this.is(text) ? this.advance() : undefined;
  }
  private expect(text: string): Token {
    if (this.is(text)) return this.advance();
    throw this.fail(this.tok, `expected '${text}'${this.describe(this.tok)}`);
  }
  private describe(t: Token): string {
    if (t.kind === 'eof') return ' before the end of the file';
    return `, found ${t.kind === 'string' ? 'a string' : `'${t.text.length > 20 ? `${t.text.slice(0, 20)}…` : t.text}'`}`;
  }
  /** Drop lexed-ahead tokens and rewind the lexer to a token (raw attach point scanning). */
  private rewindTo(t: Token): void {
    this.buf = [];
    this.lex.pos = t.start;
  }

  // ------------------------------------------------------------------------------ diagnostics
  private error(span: Span, message: string, code = 'syntax'): void {
    // one diagnostic per place: a cascade at the same token says nothing new
    if (this.diagnostics.some((d) => d.start === span.start && d.code === code)) return;
    const len = this.src.length;
    const start = Math.min(span.start, len);
    this.diagnostics.push({ start, end: Math.min(Math.max(span.end, start), len), severity: 'error', code, message });
  }
  private fail(t: Token, message: string): SyntaxError {
    this.error(t.kind === 'eof' ? { start: this.src.length, end: this.src.length } : t, message);
    return new SyntaxError(message);
  }
  private feature(feature: Feature, span: Span): void {
    this.features.push({ feature, start: span.start, end: span.end });
  }

  // ------------------------------------------------------------------------------ program
  parse(): ParseResult {
    const items: TopItem[] = [];
    while (this.tok.kind !== 'eof') {
      const before = this.tok;
      try {
        const item = this.topItem();
        if (item) items.push(item);
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
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

  private typeText(): string {
    const start = this.tok.start;
    if (['struct', 'union', 'enum'].includes(this.tok.text)) this.advance();
    const t = this.advance();
    if (t.kind !== 'ident') throw this.fail(t, `expected a type${this.describe(t)}`);
    let end = t.end;
    while (this.is('*') || this.is('[')) {
      const star = this.accept('*');
      if (star) end = star.end;
      else {
        this.advance();
        if (this.tok.kind === 'int') this.advance();
        end = this.expect(']').end;
      }
    }
    return this.src.slice(start, end);
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

  // ------------------------------------------------------------------------------ statements
  /** `{ stmt; stmt; [expr] }` — statements that fail to parse are skipped to the next ';' or '}'. */
  block(): Block {
    const open = this.expect('{');
    const statements: Stmt[] = [];
    for (;;) {
      if (this.is('}')) break;
      if (this.tok.kind === 'eof') {
        this.error(
          { start: this.src.length, end: this.src.length },
          `expected '}' to close the block opened on line ${lineOf(this.src, open.start)}`,
        );
        return { statements, start: open.start, end: this.src.length };
      }
      if (this.accept(';')) continue;
      const before = this.tok;
      try {
        const s = this.statement();
        statements.push(s);
        if (needsSemicolon(s)) {
          if (!this.accept(';') && !this.is('}')) throw this.fail(this.tok, `expected ';'${this.describe(this.tok)}`);
        }
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
        this.recoverStatement(before);
      }
    }
    const close = this.advance();
    return { statements, start: open.start, end: close.end };
  }

  private recoverStatement(before: Token): void {
    let depth = 0;
    if (this.tok === before && this.tok.kind !== 'eof' && !this.is('}')) this.advance();
    while (this.tok.kind !== 'eof') {
      if (depth === 0 && this.is('}')) return;
      const t = this.advance();
      if (t.text === '{' && t.kind === 'punct') depth++;
      else if (t.text === '}' && t.kind === 'punct') depth--;
      else if (depth === 0 && t.text === ';' && t.kind === 'punct') return;
    }
  }

  private statement(): Stmt {
    const t = this.tok;
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if':
          return this.ifStatement();
        case 'while': {
          this.advance();
          const { cond } = this.condition();
          const body = this.block();
          return { kind: 'while', cond, body, start: t.start, end: body.end };
        }
        case 'unroll': {
          this.advance();
          this.expect('(');
          const count = this.expr();
          this.expect(')');
          const body = this.block();
          return { kind: 'unroll', count, body, start: t.start, end: body.end };
        }
        case 'for':
          return this.forStatement();
        case 'return': {
          this.advance();
          if (this.is(';') || this.is('}')) return { kind: 'return', start: t.start, end: t.end };
          const value = this.expr();
          return { kind: 'return', value, start: t.start, end: value.end };
        }
        case 'break':
        case 'continue':
          this.advance();
          return { kind: t.text, start: t.start, end: t.end };
        case 'let':
          return this.letStatement();
        case 'import':
          if (this.la(1).kind === 'string') {
            this.advance();
            const p = this.advance();
            this.feature('import', t);
            return { kind: 'import', path: p.value ?? '', start: t.start, end: p.end };
          }
          break;
        case '_':
          if (this.is('=', 1)) {
            this.advance();
            this.advance();
            this.feature('discard', t);
            const value = this.expr();
            return { kind: 'discard', value, start: t.start, end: value.end };
          }
          break;
        default:
          break;
      }
    }
    if (this.is('{')) {
      this.feature('blockStatement', t);
      const block = this.block();
      return { kind: 'block', block, start: block.start, end: block.end };
    }
    const e = this.expr();
    const op = this.tok;
    if (op.kind === 'punct' && ASSIGN_OPS.has(op.text)) {
      if (e.kind !== 'var' && e.kind !== 'map') throw this.fail(op, `only a $variable or an @map can be assigned to`);
      this.advance();
      const value = this.expr();
      return { kind: 'assign', target: e, op: op.text, value, start: e.start, end: value.end };
    }
    return { kind: 'expr', expr: e, start: e.start, end: e.end };
  }

  /** `(expr)`, or (0.25) an expression without parentheses. */
  private condition(): { cond: Expr; parens: boolean } {
    if (this.is('(')) {
      const cond = this.expr();
      return { cond, parens: cond.kind !== 'tuple' && this.src.charAt(cond.start) === '(' };
    }
    const cond = this.unary();
    this.feature('noParenCondition', cond);
    return { cond, parens: false };
  }

  private ifStatement(): Stmt {
    const start = this.advance().start;
    const { cond, parens } = this.condition();
    const then = this.block();
    let otherwise: Block | Stmt | undefined;
    if (this.accept('else')) otherwise = this.is('if') ? this.ifStatement() : this.block();
    return { kind: 'if', cond, then, otherwise, parens, start, end: otherwise ? otherwise.end : then.end };
  }

  private forStatement(): Stmt {
    const start = this.advance().start;
    const paren = this.accept('(');
    const v = this.advance();
    if (v.kind !== 'var') throw this.fail(v, `expected a $variable${this.describe(v)}`);
    this.expect(':');
    let map: Expr | undefined;
    let range: [Expr, Expr] | undefined;
    if (this.tok.kind === 'map') {
      map = this.primary();
      this.feature('forMap', { start, end: map.end });
    } else {
      const lo = this.postfix();
      this.expect('..');
      const hi = this.postfix();
      range = [lo, hi];
      this.feature('forRange', { start, end: hi.end });
    }
    if (paren) this.expect(')');
    else this.feature('noParenCondition', { start, end: start + 3 });
    const body = this.block();
    return {
      kind: 'for',
      variable: v.text,
      varSpan: { start: v.start, end: v.end },
      ...(map ? { map } : {}),
      ...(range ? { range } : {}),
      body,
      start,
      end: body.end,
    };
  }

  private letStatement(): Stmt {
    const start = this.advance().start;
    this.feature('let', { start, end: start + 3 });
    const v = this.advance();
    if (v.kind !== 'var') throw this.fail(v, `expected a $variable after let${this.describe(v)}`);
    let type: string | undefined;
    if (this.accept(':')) type = this.typeText();
    let value: Expr | undefined;
    if (this.accept('=')) value = this.expr();
    return {
      kind: 'let',
      name: v.text,
      nameSpan: { start: v.start, end: v.end },
      ...(type ? { type } : {}),
      ...(value ? { value } : {}),
      start,
      end: value ? value.end : v.end,
    };
  }

  // ------------------------------------------------------------------------------ expressions
  expr(): Expr {
    return this.ternary();
  }

  private ternary(): Expr {
    const cond = this.binary(1);
    if (!this.is('?')) return cond;
    this.advance();
    if (this.accept(':')) {
      this.feature('elvis', cond);
      const otherwise = this.ternary();
      return { kind: 'ternary', cond, then: undefined, otherwise, start: cond.start, end: otherwise.end };
    }
    const then = this.expr();
    this.expect(':');
    const otherwise = this.ternary();
    return { kind: 'ternary', cond, then, otherwise, start: cond.start, end: otherwise.end };
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.tok;
      const prec = t.kind === 'punct' ? BINARY_PREC[t.text] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      // in a predicate, the '/' before the block closes it
      if (this.inPredicate && t.text === '/' && this.is('{', 1)) return left;
      this.advance();
      const right = this.binary(prec + 1);
      left = { kind: 'binary', op: t.text, left, right, start: left.start, end: right.end };
    }
  }

  private unary(): Expr {
    const t = this.tok;
    if (t.kind === 'punct' && ['-', '!', '~', '*', '&', '++', '--', '+'].includes(t.text)) {
      this.advance();
      if (t.text === '&') this.feature('addressOf', t);
      const operand = this.unary();
      return { kind: 'unary', op: t.text, operand, start: t.start, end: operand.end };
    }
    if (this.is('(') && this.looksLikeCast()) {
      const open = this.advance();
      const type = this.typeText();
      this.expect(')');
      const operand = this.unary();
      return { kind: 'cast', type, operand, start: open.start, end: operand.end };
    }
    if (this.is('comptime')) {
      this.advance();
      return this.unary();
    }
    return this.postfix();
  }

  /** `(struct x *)`, `(uint32)`, `(mytype *)`, `(mytype) $x` … */
  private looksLikeCast(): boolean {
    const a = this.la(1);
    if (a.kind !== 'ident') return false;
    if (['struct', 'union', 'enum'].includes(a.text)) return true;
    let i = 2;
    while (this.is('*', i) || this.is('[', i)) {
      if (this.is('[', i)) {
        i++;
        if (this.la(i).kind === 'int') i++;
        if (!this.is(']', i)) return false;
      }
      i++;
    }
    if (!this.is(')', i)) return false;
    if (TYPE_WORDS.has(a.text)) return true;
    if (i > 2) return true; // (name *)
    if (BUILTIN_NAMES.has(a.text)) return false;
    const n = this.la(i + 1);
    return (
      n.kind === 'int' ||
      n.kind === 'string' ||
      n.kind === 'var' ||
      n.kind === 'map' ||
      n.kind === 'param' ||
      n.kind === 'ident' ||
      (n.kind === 'punct' && n.text === '(')
    );
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'punct') return e;
      if (t.text === '.' || t.text === '->') {
        this.advance();
        const f = this.advance();
        if (f.kind !== 'ident' && f.kind !== 'int') throw this.fail(f, `expected a field name${this.describe(f)}`);
        e = { kind: 'field', object: e, field: f.text, arrow: t.text === '->', start: e.start, end: f.end };
      } else if (t.text === '[') {
        this.advance();
        const index = this.expr();
        const close = this.expect(']');
        e = { kind: 'index', object: e, index, start: e.start, end: close.end };
      } else if (t.text === '++' || t.text === '--') {
        this.advance();
        e = { kind: 'postfix', op: t.text, operand: e, start: e.start, end: t.end };
      } else return e;
    }
  }

  private exprList(close: string): Expr[] {
    const out: Expr[] = [this.expr()];
    while (this.accept(',')) {
      if (this.is(close)) break;
      out.push(this.expr());
    }
    return out;
  }

  /** Raw text inside the parentheses of sizeof/offsetof (types are not expressions). */
  private rawParens(): string {
    const open = this.expect('(');
    let depth = 1;
    let end = open.end;
    while (this.tok.kind !== 'eof') {
      const t = this.advance();
      if (t.text === '(' && t.kind === 'punct') depth++;
      else if (t.text === ')' && t.kind === 'punct' && --depth === 0) {
        end = t.start;
        break;
      }
    }
    if (depth > 0) throw this.fail(this.tok, "expected ')'");
    return this.src.slice(open.end, end).trim();
  }

  primary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
        this.advance();
        return { kind: 'int', text: t.text, duration: !!t.duration, start: t.start, end: t.end };
      case 'string':
        this.advance();
        return { kind: 'string', value: t.value ?? '', start: t.start, end: t.end };
      case 'var':
        this.advance();
        return { kind: 'var', name: t.text, start: t.start, end: t.end };
      case 'param':
        this.advance();
        return { kind: 'param', name: t.text, start: t.start, end: t.end };
      case 'map': {
        this.advance();
        if (this.is('[')) {
          this.advance();
          const keys = this.exprList(']');
          const close = this.expect(']');
          return { kind: 'map', name: t.text, keys, nameSpan: { start: t.start, end: t.end }, start: t.start, end: close.end };
        }
        return { kind: 'map', name: t.text, keys: undefined, nameSpan: { start: t.start, end: t.end }, start: t.start, end: t.end };
      }
      case 'ident':
        return this.identifier();
      case 'punct':
        if (t.text === '(') return this.parenthesised();
        if (t.text === '{') {
          this.feature('blockStatement', t);
          const block = this.block();
          return { kind: 'blockExpr', block, start: block.start, end: block.end };
        }
        break;
      default:
        break;
    }
    throw this.fail(t, t.kind === 'eof' ? 'unexpected end of file' : `unexpected '${t.text}'`);
  }

  private identifier(): Expr {
    const t = this.advance();
    if (t.text === 'true' || t.text === 'false') {
      this.feature('boolLiteral', t);
      return { kind: 'bool', value: t.text === 'true', start: t.start, end: t.end };
    }
    if (t.text === 'sizeof' || t.text === 'offsetof' || t.text === 'typeof' || t.text === 'typeinfo') {
      if (this.is('(')) {
        const arg = this.rawParens();
        const end = this.src.lastIndexOf(')', this.tok.start) + 1;
        if (t.text === 'offsetof') return { kind: 'offsetof', arg, start: t.start, end };
        return { kind: 'sizeof', arg, start: t.start, end };
      }
    }
    if (t.text === 'if') {
      this.feature('ifExpression', t);
      const { cond } = this.condition();
      const then = this.block();
      let otherwise: Block | Expr | undefined;
      if (this.accept('else')) otherwise = this.is('if') ? this.identifier() : this.block();
      return { kind: 'ifExpr', cond, then, otherwise, start: t.start, end: (otherwise ?? then).end };
    }
    if (STATEMENT_KEYWORDS.has(t.text)) throw this.fail(t, `'${t.text}' cannot be used here`);
    if (this.is('(')) {
      this.advance();
      const args = this.is(')') ? [] : this.exprList(')');
      const close = this.expect(')');
      return { kind: 'call', name: t.text, nameSpan: { start: t.start, end: t.end }, args, start: t.start, end: close.end };
    }
    return { kind: 'ident', name: t.text, start: t.start, end: t.end };
  }

  private parenthesised(): Expr {
    const open = this.advance();
    if (this.is(')')) {
      const close = this.advance();
      return { kind: 'tuple', elements: [], start: open.start, end: close.end };
    }
    // record literal (a = 1, b = 2)
    if (this.tok.kind === 'ident' && this.is('=', 1) && !this.is('==', 1)) {
      this.feature('record', open);
      const fields: { name: string; value: Expr }[] = [];
      do {
        if (this.is(')')) break;
        const n = this.advance();
        this.expect('=');
        fields.push({ name: n.text, value: this.expr() });
      } while (this.accept(','));
      const close = this.expect(')');
      return { kind: 'record', fields, start: open.start, end: close.end };
    }
    const first = this.expr();
    if (this.accept(',')) {
      const elements = [first];
      while (!this.is(')') && this.tok.kind !== 'eof') {
        elements.push(this.expr());
        if (!this.accept(',')) break;
      }
      const close = this.expect(')');
      return { kind: 'tuple', elements, start: open.start, end: close.end };
    }
    const close = this.expect(')');
    // keep the parentheses in the span (a condition written with parentheses)
    return { ...first, start: open.start, end: close.end } as Expr;
  }
}

function needsSemicolon(s: Stmt): boolean {
  switch (s.kind) {
    case 'if':
    case 'while':
    case 'unroll':
    case 'for':
    case 'block':
      return false;
    case 'expr':
      return s.expr.kind !== 'ifExpr' && s.expr.kind !== 'blockExpr';
    default:
      return true;
  }
}

function lineOf(src: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < src.length; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

/** Split an attach point's text into provider and parts (":" outside quotes). */
export function splitAttachPoint(text: string, start: number): AttachPoint {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === ':' && !quoted) {
      // C++ names (ns::fn) inside a part are not separators; a provider never has one, so `::`
      // right after it is an empty part (`usdt::ns:probe`: the binary left to -p)
      if (text.charAt(i + 1) === ':' && parts.length > 0) {
        cur += '::';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const [provider = '', ...rest] = parts;
  return { text, provider, parts: rest, wildcard: /[*?[]/.test(rest.join(':').replace(/"[^"]*"/g, '')), start, end: start + text.length };
}

export function parse(src: string): ParseResult {
  return new Parser(src).parse();
}
