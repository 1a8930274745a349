import { cFunctions } from './cFunctions';
import type { Tok } from './sourceTokens';
import { matchBrackets, tokenize } from './sourceTokens';

/**
 * Functions defined in a source file, for call-frequency annotations, when no document-symbol
 * provider answers (or to learn what only the text says: the BPF `SEC("…")` of a function).
 * A small tokenizer skips comments, strings, character literals and preprocessor lines, then
 * finds definitions by their shape: C/C++ `name(...) {` outside any other function body
 * (namespaces, `extern "C"` and class bodies are looked into), Rust `fn name`, Go `func name` /
 * `func (r *T) name`. Never throws; offsets are UTF-16 (JavaScript string) offsets.
 */

export type SourceLanguage = 'c' | 'cpp' | 'rust' | 'go';

export interface SourceFunction {
  /** the plain name (`hot`, `handle`, `Serve`) */
  readonly name: string;
  /** with its owner where the text gives one (`Server::handle`, `(*Server).Serve`, `Pool::get`) */
  readonly qualified: string;
  /** the name's offsets */
  readonly nameStart: number;
  readonly nameEnd: number;
  /** from the first token of the declaration to the closing brace */
  readonly start: number;
  readonly end: number;
  /** the ELF section of a BPF C function (`SEC("xdp")` → `xdp`) */
  readonly section?: string;
}

export function languageOf(languageId: string, fileName = ''): SourceLanguage | undefined {
  switch (languageId) {
    case 'c':
      return 'c';
    case 'cpp':
    case 'cuda-cpp':
    case 'objective-c':
    case 'objective-cpp':
      return 'cpp';
    case 'rust':
      return 'rust';
    case 'go':
      return 'go';
  }
  const ext = /\.([A-Za-z0-9+]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'c' || ext === 'h') return 'c';
  if (ext && ['cc', 'cpp', 'cxx', 'c++', 'hpp', 'hh', 'hxx'].includes(ext)) return 'cpp';
  if (ext === 'rs') return 'rust';
  if (ext === 'go') return 'go';
  return undefined;
}

function rustFunctions(text: string): SourceFunction[] {
  const toks = tokenize(text, 'rust');
  const match = matchBrackets(toks);
  const out: SourceFunction[] = [];
  // impl blocks: `impl<T> Trait for Type<T> {` → owner Type
  const owners: { end: number; name: string }[] = [];
  for (let i = 0; i < toks.length; i++) {
    while (owners.length && (owners[owners.length - 1]?.end ?? 0) < i) owners.pop();
    const t = toks[i] as Tok;
    if (t.kind === 'id' && t.text === 'impl') {
      let j = i + 1;
      let open = -1;
      const ids: string[] = [];
      let angle = 0;
      for (; j < toks.length && j < i + 200; j++) {
        const x = toks[j] as Tok;
        if (x.kind === 'p' && x.text === '<') angle++;
        else if (x.kind === 'p' && x.text === '>') angle--;
        else if (x.kind === 'p' && (x.text === '{' || x.text === ';')) {
          open = x.text === '{' ? j : -1;
          break;
        } else if (x.kind === 'id' && angle === 0 && x.text !== 'for' && x.text !== 'where' && x.text !== 'dyn' && x.text !== 'mut')
          ids.push(x.text);
        if (x.kind === 'id' && x.text === 'where') break;
      }
      if (open < 0) for (; j < toks.length && !(toks[j]?.kind === 'p' && (toks[j]?.text === '{' || toks[j]?.text === ';')); j++);
      if (toks[j]?.text === '{') open = j;
      const forAt = toks.slice(i, open < 0 ? i : open).findIndex((x) => x.kind === 'id' && x.text === 'for');
      const name =
        forAt >= 0
          ? (toks.slice(i + forAt + 1, open).find((x) => x.kind === 'id' && x.text !== 'dyn')?.text ?? '')
          : (ids[ids.length - 1] ?? '');
      if (open >= 0) owners.push({ end: match[open] ?? toks.length, name });
      continue;
    }
    if (!(t.kind === 'id' && t.text === 'fn')) continue;
    const nameTok = toks[i + 1];
    if (nameTok?.kind !== 'id') continue;
    // the body: the first `{` at depth 0 before a `;`
    let j = i + 2;
    let body = -1;
    for (; j < toks.length; j++) {
      const x = toks[j] as Tok;
      if (x.kind === 'p' && (x.text === '(' || x.text === '[')) {
        j = Math.max(j, match[j] ?? j);
        continue;
      }
      if (x.kind === 'p' && x.text === ';') break;
      if (x.kind === 'p' && x.text === '{') {
        body = j;
        break;
      }
    }
    if (body < 0) continue;
    // the declaration starts at its attributes / pub / async / unsafe / extern "C"
    let s = i;
    while (s > 0) {
      const p = toks[s - 1] as Tok;
      if (p.kind === 'id' && /^(?:pub|async|unsafe|const|extern|default|crate|self|super|in)$/.test(p.text)) s--;
      else if (p.kind === 'str' && toks[s - 2]?.text === 'extern') s--;
      else if (p.kind === 'p' && p.text === ')' && toks[s - 2]?.kind !== 'p') {
        // pub(crate)
        const o = match[s - 1] ?? -1;
        if (o >= 0 && toks[o - 1]?.text === 'pub') s = o;
        else break;
      } else break;
    }
    const owner = owners[owners.length - 1]?.name ?? '';
    const close = match[body] ?? toks.length - 1;
    out.push({
      name: nameTok.text,
      qualified: owner ? `${owner}::${nameTok.text}` : nameTok.text,
      nameStart: nameTok.start,
      nameEnd: nameTok.end,
      start: (toks[s] as Tok).start,
      end: (toks[close] as Tok | undefined)?.end ?? text.length,
    });
  }
  return out;
}

function atLineStart(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function goFunctions(text: string): SourceFunction[] {
  const toks = tokenize(text, 'go');
  const match = matchBrackets(toks);
  const out: SourceFunction[] = [];
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok;
    if (t.kind === 'p' && t.text === '{') depth++;
    else if (t.kind === 'p' && t.text === '}') depth--;
    if (depth !== 0 || !(t.kind === 'id' && t.text === 'func')) continue;
    let j = i + 1;
    let recv = '';
    if (toks[j]?.text === '(') {
      // (r *T) or (T) or (r *T[K])
      const close = match[j] ?? -1;
      if (close < 0) continue;
      const inner = toks.slice(j + 1, close);
      const star = inner.some((x) => x.text === '*');
      const ids = inner.filter((x) => x.kind === 'id');
      const typeName = ids[ids.length - 1]?.text ?? '';
      const bracket = inner.findIndex((x) => x.text === '[');
      const typeTok =
        bracket >= 0
          ? (inner
              .slice(0, bracket)
              .filter((x) => x.kind === 'id')
              .pop()?.text ?? typeName)
          : typeName;
      recv = star ? `(*${typeTok})` : typeTok;
      j = close + 1;
    }
    const nameTok = toks[j];
    if (nameTok?.kind !== 'id') continue;
    // the body: first `{` at paren depth 0 after the signature, before a newline-terminated declaration
    let k = j + 1;
    let body = -1;
    for (; k < toks.length; k++) {
      const x = toks[k] as Tok;
      if (x.kind === 'p' && (x.text === '(' || x.text === '[')) {
        k = Math.max(k, match[k] ?? k);
        continue;
      }
      if (x.kind === 'id' && x.text === 'func' && !atLineStart(text, x.start)) {
        // a func-typed result `func() error`: keep going
        continue;
      }
      if (x.kind === 'p' && x.text === '{') {
        // `struct {` / `interface {` in a result type: skip that group
        const prev = toks[k - 1];
        if (prev?.kind === 'id' && (prev.text === 'struct' || prev.text === 'interface')) {
          k = Math.max(k, match[k] ?? k);
          continue;
        }
        body = k;
        break;
      }
      if (x.kind === 'p' && x.text === '}') break;
      // a declaration without a body (assembly): the next top-level func
      if (x.kind === 'id' && (x.text === 'func' || x.text === 'type' || x.text === 'var' || x.text === 'const' || x.text === 'import'))
        break;
    }
    if (body < 0) continue;
    // a body not closed yet (a file being typed) runs to the end; match is -1 there, and i = -1 looped forever
    const m = match[body] ?? -1;
    const close = m > body ? m : toks.length - 1;
    out.push({
      name: nameTok.text,
      qualified: recv ? `${recv}.${nameTok.text}` : nameTok.text,
      nameStart: nameTok.start,
      nameEnd: nameTok.end,
      start: t.start,
      end: (toks[close] as Tok | undefined)?.end ?? text.length,
    });
    i = close;
  }
  return out;
}

/** The functions defined in `text`, in order. */
export function findFunctions(text: string, lang: SourceLanguage): SourceFunction[] {
  try {
    switch (lang) {
      case 'c':
      case 'cpp':
        return cFunctions(text, lang);
      case 'rust':
        return rustFunctions(text);
      case 'go':
        return goFunctions(text);
    }
  } catch {
    return [];
  }
}

/** Does the file look like BPF C (a function or map with SEC("…"))? */
export function isBpfSource(functions: readonly SourceFunction[]): boolean {
  return functions.some((f) => f.section !== undefined && f.section !== '' && !f.section.startsWith('.'));
}
