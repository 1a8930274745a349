import type { Block, Expr, Stmt } from './ast';
import { ExpressionParser } from './expressions';
import type { Token } from './lexer';
import { SyntaxAbort } from './parserBase';

/** Statements and blocks of the bpftrace parser (parser.ts). */

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

export class StatementParser extends ExpressionParser {
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
        if (!(e instanceof SyntaxAbort)) throw e;
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
