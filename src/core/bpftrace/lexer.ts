/**
 * bpftrace lexer: tokens with UTF-16 offsets. Comments are kept aside (formatter, folding).
 * Attach points are not tokenised here: the parser scans them raw (scanAttachPoint).
 */

export type TokenKind =
  | 'ident'
  | 'var' // $name
  | 'param' // $1 $#
  | 'map' // @name or @
  | 'int'
  | 'string'
  | 'punct'
  | 'preproc' // a whole #… line
  | 'eof'
  | 'error';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** for errors: what is wrong */
  readonly error?: string;
  /** for ints: duration suffix present */
  readonly duration?: boolean;
  /** for strings: the decoded value */
  readonly value?: string;
}

export interface Comment {
  readonly start: number;
  readonly end: number;
  readonly block: boolean;
}

const PUNCT = [
  '<<=',
  '>>=',
  '..',
  '->',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<<',
  '>>',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '.',
  ':',
  '?',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '!',
  '~',
  '<',
  '>',
  '=',
];

const isIdStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isId = (c: string): boolean => /[A-Za-z0-9_]/.test(c);

export class Lexer {
  pos = 0;
  readonly comments: Comment[] = [];
  /** errors met while skipping whitespace and comments (an unterminated comment) */
  readonly errors: Token[] = [];

  constructor(readonly src: string) {
    if (src.startsWith('#!')) {
      const nl = src.indexOf('\n');
      this.pos = nl < 0 ? src.length : nl;
    }
  }

  /** Skip whitespace and comments. */
  skipTrivia(): void {
    const s = this.src;
    for (;;) {
      const c = s.charAt(this.pos);
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        this.pos++;
        continue;
      }
      if (c === '/' && s.charAt(this.pos + 1) === '/') {
        const start = this.pos;
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl;
        this.comments.push({ start, end: this.pos, block: false });
        continue;
      }
      if (c === '/' && s.charAt(this.pos + 1) === '*') {
        const start = this.pos;
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) {
          this.errors.push({ kind: 'error', text: '/*', start, end: start + 2, error: 'unterminated comment' });
          this.pos = s.length;
          this.comments.push({ start, end: s.length, block: true });
          return;
        }
        this.pos = end + 2;
        this.comments.push({ start, end: this.pos, block: true });
        continue;
      }
      return;
    }
  }

  /** Is the position at the start of a line (only whitespace before it on that line)? */
  private atLineStart(p: number): boolean {
    for (let i = p - 1; i >= 0; i--) {
      const c = this.src.charAt(i);
      if (c === '\n') return true;
      if (c !== ' ' && c !== '\t') return false;
    }
    return true;
  }

  next(): Token {
    this.skipTrivia();
    const s = this.src;
    const start = this.pos;
    if (start >= s.length) return { kind: 'eof', text: '', start, end: start };
    const c = s.charAt(start);
    if (c === '#' && this.atLineStart(start)) {
      let end = s.indexOf('\n', start);
      if (end < 0) end = s.length;
      // a backslash at the end continues the line
      while (end < s.length && s.charAt(end - 1) === '\\') {
        const n = s.indexOf('\n', end + 1);
        end = n < 0 ? s.length : n;
      }
      this.pos = end;
      return { kind: 'preproc', text: s.slice(start, end), start, end };
    }
    if (isIdStart(c)) {
      let e = start + 1;
      while (e < s.length && isId(s.charAt(e))) e++;
      this.pos = e;
      return { kind: 'ident', text: s.slice(start, e), start, end: e };
    }
    if (c === '$') {
      let e = start + 1;
      if (s.charAt(e) === '#') {
        this.pos = e + 1;
        return { kind: 'param', text: '$#', start, end: e + 1 };
      }
      if (/[0-9]/.test(s.charAt(e))) {
        while (e < s.length && /[0-9]/.test(s.charAt(e))) e++;
        this.pos = e;
        return { kind: 'param', text: s.slice(start, e), start, end: e };
      }
      if (isIdStart(s.charAt(e))) {
        while (e < s.length && isId(s.charAt(e))) e++;
        this.pos = e;
        return { kind: 'var', text: s.slice(start, e), start, end: e };
      }
      this.pos = start + 1;
      return { kind: 'error', text: '$', start, end: start + 1, error: 'a variable needs a name after $' };
    }
    if (c === '@') {
      let e = start + 1;
      while (e < s.length && isId(s.charAt(e))) e++;
      this.pos = e;
      return { kind: 'map', text: s.slice(start, e), start, end: e };
    }
    if (/[0-9]/.test(c)) return this.number(start);
    if (c === '"') return this.string(start);
    for (const p of PUNCT) {
      if (s.startsWith(p, start)) {
        this.pos = start + p.length;
        return { kind: 'punct', text: p, start, end: this.pos };
      }
    }
    this.pos = start + 1;
    return { kind: 'error', text: c, start, end: start + 1, error: `unexpected character ${JSON.stringify(c)}` };
  }

  private number(start: number): Token {
    const s = this.src;
    let e = start;
    let error: string | undefined;
    let duration = false;
    if (s.charAt(e) === '0' && /[xX]/.test(s.charAt(e + 1))) {
      e += 2;
      while (e < s.length && /[0-9a-fA-F_]/.test(s.charAt(e))) e++;
    } else {
      while (e < s.length && /[0-9_]/.test(s.charAt(e))) e++;
      if (s.charAt(e) === 'e' && /[0-9]/.test(s.charAt(e + 1))) {
        e++;
        while (e < s.length && /[0-9]/.test(s.charAt(e))) e++;
      }
    }
    // suffixes: durations (0.24+) and C integer suffixes
    const rest = /^(ns|us|ms|s|m|h|d|ull|ul|u|ll|l)(?![A-Za-z0-9_])/i.exec(s.slice(e, e + 4));
    if (rest) {
      const suf = rest[1] ?? '';
      duration = /^(ns|us|ms|s|m|h|d)$/.test(suf);
      e += suf.length;
    } else if (isId(s.charAt(e))) {
      let x = e;
      while (x < s.length && isId(s.charAt(x))) x++;
      error = `invalid integer suffix '${s.slice(e, x)}'`;
      e = x;
    }
    if (s.charAt(e - 1) === '_') error = 'an integer cannot end with _';
    this.pos = e;
    return {
      kind: error ? 'error' : 'int',
      text: s.slice(start, e),
      start,
      end: e,
      ...(error ? { error } : {}),
      ...(duration ? { duration } : {}),
    };
  }

  private string(start: number): Token {
    const s = this.src;
    let e = start + 1;
    let value = '';
    while (e < s.length) {
      const c = s.charAt(e);
      if (c === '"') {
        this.pos = e + 1;
        return { kind: 'string', text: s.slice(start, e + 1), start, end: e + 1, value };
      }
      if (c === '\n') break;
      if (c === '\\') {
        const n = s.charAt(e + 1);
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (n in map) {
          value += map[n];
          e += 2;
          continue;
        }
        const oct = /^[0-7]{1,3}/.exec(s.slice(e + 1, e + 4));
        if (oct) {
          value += String.fromCharCode(parseInt(oct[0], 8) & 0xff);
          e += 1 + oct[0].length;
          continue;
        }
        const hex = /^[xX]([0-9a-fA-F]{1,2})/.exec(s.slice(e + 1, e + 4));
        if (hex) {
          value += String.fromCharCode(parseInt(hex[1] ?? '0', 16));
          e += 1 + hex[0].length;
          continue;
        }
        // report it and go on reading the string
        this.errors.push({ kind: 'error', text: s.slice(e, e + 2), start: e, end: e + 2, error: `invalid escape character '\\${n}'` });
        value += n;
        e += 2;
        continue;
      }
      value += c;
      e++;
    }
    // unterminated: point at the opening quote
    this.pos = e;
    return { kind: 'error', text: '"', start, end: start + 1, error: 'unterminated string' };
  }

  /**
   * Read one attach point as raw text from the current position: up to whitespace, '{' or ','
   * (outside "…" quotes). Answers undefined at end of input.
   */
  scanAttachPoint(): { text: string; start: number; end: number } | undefined {
    this.skipTrivia();
    const s = this.src;
    const start = this.pos;
    let e = start;
    let quoted = false;
    while (e < s.length) {
      const c = s.charAt(e);
      if (quoted) {
        if (c === '"') quoted = false;
        else if (c === '\n') break;
        e++;
        continue;
      }
      if (c === '"') {
        quoted = true;
        e++;
        continue;
      }
      if (/\s/.test(c) || c === '{' || c === ',') break;
      // a comment right after an attach point ends it
      if (c === '/' && (s.charAt(e + 1) === '/' || s.charAt(e + 1) === '*') && s.charAt(e - 1) !== ':') break;
      e++;
    }
    if (e === start) return undefined;
    this.pos = e;
    return { text: s.slice(start, e), start, end: e };
  }
}

/** Line/column (0-based, UTF-16 code units as VS Code counts) of offsets. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; character: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - (this.starts[lo] ?? 0) };
  }
  offset(line: number, character: number): number {
    return (this.starts[Math.max(0, Math.min(line, this.starts.length - 1))] ?? 0) + character;
  }
  get lineCount(): number {
    return this.starts.length;
  }
}
