import type { SourceLanguage } from './functions';

/**
 * Tokens of C-family source (C, C++, Rust, Go are close enough at this level), for finding
 * function definitions: comments, preprocessor lines and literals are skipped or kept whole so
 * that their brackets and words are never mistaken for code. Offsets are UTF-16 offsets.
 */

export interface Tok {
  readonly kind: 'id' | 'str' | 'num' | 'p';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const isIdStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
const isId = (c: number): boolean => isIdStart(c) || (c >= 48 && c <= 57);
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 12 || c === 11;

/** Where the tokenizer is in the text, and what it has found so far. */
interface Cursor {
  readonly text: string;
  readonly n: number;
  readonly lang: SourceLanguage;
  readonly out: Tok[];
  i: number;
}

/** Consumes what starts at the cursor (character code `c`) and answers true, or leaves it and answers false. */
type Scanner = (s: Cursor, c: number) => boolean;

/** a preprocessor line, with its backslash continuations */
function skipPreprocessor(s: Cursor): void {
  const { text, n } = s;
  while (s.i < n) {
    const e = text.indexOf('\n', s.i);
    if (e < 0) {
      s.i = n;
      break;
    }
    let k = e - 1;
    if (k >= 0 && text.charCodeAt(k) === 13) k--;
    s.i = e + 1;
    if (k < 0 || text.charCodeAt(k) !== 92) break;
  }
}

const lineComment: Scanner = (s, c) => {
  if (!(c === 47 && s.text.charCodeAt(s.i + 1) === 47)) return false;
  const e = s.text.indexOf('\n', s.i);
  s.i = e < 0 ? s.n : e;
  return true;
};

const blockComment: Scanner = (s, c) => {
  const { text, n } = s;
  if (!(c === 47 && text.charCodeAt(s.i + 1) === 42)) return false;
  // Rust block comments nest
  let depth = 1;
  s.i += 2;
  while (s.i < n && depth > 0) {
    if (text.charCodeAt(s.i) === 42 && text.charCodeAt(s.i + 1) === 47) {
      depth--;
      s.i += 2;
    } else if (s.lang === 'rust' && text.charCodeAt(s.i) === 47 && text.charCodeAt(s.i + 1) === 42) {
      depth++;
      s.i += 2;
    } else s.i++;
  }
  return true;
};

/** Rust raw strings r"…", r#"…"#, br"…" */
const rustRawString: Scanner = (s, c) => {
  const { text, n, i } = s;
  if (!(s.lang === 'rust' && (c === 114 || (c === 98 && text.charCodeAt(i + 1) === 114)))) return false;
  let k = i + (c === 98 ? 2 : 1);
  let hashes = 0;
  while (text.charCodeAt(k) === 35) {
    hashes++;
    k++;
  }
  if (!(text.charCodeAt(k) === 34 && (hashes > 0 || k === i + (c === 98 ? 2 : 1)))) return false;
  const close = `"${'#'.repeat(hashes)}`;
  const e = text.indexOf(close, k + 1);
  const end = e < 0 ? n : e + close.length;
  s.out.push({ kind: 'str', text: text.slice(k + 1, e < 0 ? n : e), start: i, end });
  s.i = end;
  return true;
};

/** C++ raw strings R"delim(…)delim" */
const cppRawString: Scanner = (s, c) => {
  const { text, n, i } = s;
  if (!(s.lang === 'cpp' && c === 82 && text.charCodeAt(i + 1) === 34)) return false;
  const open = text.indexOf('(', i + 2);
  if (!(open > 0 && open - (i + 2) <= 16)) return false;
  const delim = text.slice(i + 2, open);
  const close = `)${delim}"`;
  const e = text.indexOf(close, open + 1);
  const end = e < 0 ? n : e + close.length;
  s.out.push({ kind: 'str', text: text.slice(open + 1, e < 0 ? n : e), start: i, end });
  s.i = end;
  return true;
};

const identifier: Scanner = (s, c) => {
  const { text, n, i } = s;
  if (!isIdStart(c)) return false;
  let k = i + 1;
  while (k < n && isId(text.charCodeAt(k))) k++;
  // a string prefix (L"…", u8"…", b"…"): the string follows
  if (!(text.charCodeAt(k) === 34 && /^(?:L|u|U|u8|b)$/.test(text.slice(i, k)))) {
    s.out.push({ kind: 'id', text: text.slice(i, k), start: i, end: k });
  }
  s.i = k;
  return true;
};

const numberLiteral: Scanner = (s, c) => {
  const { text, n, i } = s;
  if (!(c >= 48 && c <= 57)) return false;
  let k = i + 1;
  while (
    k < n &&
    (isId(text.charCodeAt(k)) ||
      text.charCodeAt(k) === 46 ||
      ((text.charCodeAt(k) === 43 || text.charCodeAt(k) === 45) && /[eEpP]/.test(text.charAt(k - 1))))
  )
    k++;
  s.out.push({ kind: 'num', text: text.slice(i, k), start: i, end: k });
  s.i = k;
  return true;
};

/** "…" with escapes; Go raw strings `…` */
const quoted: Scanner = (s, c) => {
  const { text, n, i } = s;
  if (!(c === 34 || (c === 96 && s.lang === 'go'))) return false;
  let k = i + 1;
  let val = '';
  while (k < n) {
    const d = text.charCodeAt(k);
    if (c === 34 && d === 92) {
      val += text.charAt(k + 1);
      k += 2;
      continue;
    }
    if (d === c) break;
    if (c === 34 && d === 10) break; // unterminated: stop at the line end
    val += text.charAt(k);
    k++;
  }
  s.out.push({ kind: 'str', text: val, start: i, end: Math.min(n, k + 1) });
  s.i = k + 1;
  return true;
};

/** a character literal ('a', '\n'); in Rust a lifetime ('a) is an identifier-ish token, skipped */
const characterLiteral: Scanner = (s, c) => {
  const { text, n, i } = s;
  if (c !== 39) return false;
  if (s.lang === 'rust' && isIdStart(text.charCodeAt(i + 1)) && text.charCodeAt(i + 2) !== 39) {
    let k = i + 2;
    while (k < n && isId(text.charCodeAt(k))) k++;
    s.i = k;
    return true;
  }
  let k = i + 1;
  while (k < n && text.charCodeAt(k) !== 39 && text.charCodeAt(k) !== 10) k += text.charCodeAt(k) === 92 ? 2 : 1;
  s.out.push({ kind: 'num', text: text.slice(i, k + 1), start: i, end: Math.min(n, k + 1) });
  s.i = k + 1;
  return true;
};

/** punctuation: `::` and `->` stay one token */
const punctuation: Scanner = (s) => {
  const { text, i } = s;
  const two = text.slice(i, i + 2);
  if (two === '::' || two === '->') {
    s.out.push({ kind: 'p', text: two, start: i, end: i + 2 });
    s.i += 2;
    return true;
  }
  s.out.push({ kind: 'p', text: text.charAt(i), start: i, end: i + 1 });
  s.i++;
  return true;
};

/** tried in order at each token's first character; the last one always consumes */
const SCANNERS: readonly Scanner[] = [
  lineComment,
  blockComment,
  rustRawString,
  cppRawString,
  identifier,
  numberLiteral,
  quoted,
  characterLiteral,
  punctuation,
];

/** Tokens of C-family source. */
export function tokenize(text: string, lang: SourceLanguage): Tok[] {
  const s: Cursor = { text, n: text.length, lang, out: [], i: 0 };
  let lineStart = true;
  while (s.i < s.n) {
    const c = text.charCodeAt(s.i);
    if (c === 10) {
      lineStart = true;
      s.i++;
      continue;
    }
    if (isBlank(c)) {
      s.i++;
      continue;
    }
    // preprocessor lines: C and C++ only
    if (c === 35 && lineStart && (lang === 'c' || lang === 'cpp')) {
      skipPreprocessor(s);
      lineStart = true;
      continue;
    }
    lineStart = false;
    for (const scan of SCANNERS) if (scan(s, c)) break;
  }
  return s.out;
}

/** for each opening bracket the index of its closing one (and back), -1 when unbalanced */
export function matchBrackets(toks: readonly Tok[]): Int32Array {
  const m = new Int32Array(toks.length).fill(-1);
  const stack: number[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok;
    if (t.kind !== 'p') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') stack.push(i);
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      // pop to the matching opener (recovers from a stray bracket)
      for (let s = stack.length - 1; s >= 0; s--) {
        const o = stack[s] as number;
        if ((toks[o] as Tok).text === pairs[t.text]) {
          m[o] = i;
          m[i] = o;
          stack.length = s;
          break;
        }
      }
    }
  }
  return m;
}
