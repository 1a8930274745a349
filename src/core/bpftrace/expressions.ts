import type { Block, Expr } from './ast';
import { BUILTIN_NAMES } from './catalog';
import { ParserBase } from './parserBase';

/** Expressions of the bpftrace parser (parser.ts), by precedence climbing; types and conditions too. */

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

export abstract class ExpressionParser extends ParserBase {
  /** in a predicate, the '/' before the block closes it */
  protected inPredicate = false;

  /** `{ … }`: expressions hold blocks too (an if expression, a block expression) */
  abstract block(): Block;

  protected typeText(): string {
    const start = this.tok.start;
    let end: number;
    if ((this.is('typeof') || this.is('typeinfo')) && this.is('(', 1)) {
      // typeof(expr | type), 0.25
      this.advance();
      this.rawParens();
      end = this.closedAt;
    } else {
      if (['struct', 'union', 'enum'].includes(this.tok.text)) this.advance();
      const t = this.advance();
      if (t.kind !== 'ident') throw this.fail(t, `expected a type${this.describe(t)}`);
      end = t.end;
    }
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

  /** `(expr)`, or (0.25) an expression without parentheses. */
  protected condition(): { cond: Expr; parens: boolean } {
    if (this.is('(')) {
      const cond = this.expr();
      return { cond, parens: cond.kind !== 'tuple' && this.src.charAt(cond.start) === '(' };
    }
    const cond = this.unary();
    this.feature('noParenCondition', cond);
    return { cond, parens: false };
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

  protected unary(): Expr {
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
    // (typeof(x))y, (typeof(x) *)y: 0.25
    if (a.text === 'typeof' && this.is('(', 2)) return true;
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

  protected postfix(): Expr {
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

  protected exprList(close: string): Expr[] {
    const out: Expr[] = [this.expr()];
    while (this.accept(',')) {
      if (this.is(close)) break;
      out.push(this.expr());
    }
    return out;
  }

  /** A call's arguments: expressions, and types where a macro takes one (`struct task_struct`, `typeof(x)`). */
  private callArgs(): Expr[] {
    const arg = (): Expr => {
      const t = this.tok;
      if (['struct', 'union', 'enum'].includes(t.text) && this.la(1).kind === 'ident') {
        const text = this.typeText();
        return { kind: 'type', text, start: t.start, end: t.start + text.length };
      }
      return this.expr();
    };
    const out: Expr[] = [arg()];
    while (this.accept(',')) {
      if (this.is(')')) break;
      out.push(arg());
    }
    return out;
  }

  /** where the last rawParens() closed */
  private closedAt = 0;

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
        this.closedAt = t.end;
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
        const end = this.closedAt;
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
      const args = this.is(')') ? [] : this.callArgs();
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
