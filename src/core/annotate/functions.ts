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

interface Tok {
  readonly kind: 'id' | 'str' | 'num' | 'p';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const isIdStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
const isId = (c: number): boolean => isIdStart(c) || (c >= 48 && c <= 57);

/** Tokens of C-family source (C, C++, Rust, Go are close enough at this level). */
function tokenize(text: string, lang: SourceLanguage): Tok[] {
  const out: Tok[] = [];
  const n = text.length;
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    // preprocessor line (with backslash continuations), C and C++ only
    if (c === 35 && lineStart && (lang === 'c' || lang === 'cpp')) {
      while (i < n) {
        const e = text.indexOf('\n', i);
        if (e < 0) {
          i = n;
          break;
        }
        let k = e - 1;
        if (k >= 0 && text.charCodeAt(k) === 13) k--;
        i = e + 1;
        if (k < 0 || text.charCodeAt(k) !== 92) break;
      }
      lineStart = true;
      continue;
    }
    lineStart = false;
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      // Rust block comments nest
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47) {
          depth--;
          i += 2;
        } else if (lang === 'rust' && text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 42) {
          depth++;
          i += 2;
        } else i++;
      }
      continue;
    }
    // Rust raw strings r"…", r#"…"#, br"…"
    if (lang === 'rust' && (c === 114 || (c === 98 && text.charCodeAt(i + 1) === 114))) {
      let k = i + (c === 98 ? 2 : 1);
      let hashes = 0;
      while (text.charCodeAt(k) === 35) {
        hashes++;
        k++;
      }
      if (text.charCodeAt(k) === 34 && (hashes > 0 || k === i + (c === 98 ? 2 : 1))) {
        const close = `"${'#'.repeat(hashes)}`;
        const e = text.indexOf(close, k + 1);
        const end = e < 0 ? n : e + close.length;
        out.push({ kind: 'str', text: text.slice(k + 1, e < 0 ? n : e), start: i, end });
        i = end;
        continue;
      }
    }
    // C++ raw strings R"delim(…)delim"
    if (lang === 'cpp' && c === 82 && text.charCodeAt(i + 1) === 34) {
      const open = text.indexOf('(', i + 2);
      if (open > 0 && open - (i + 2) <= 16) {
        const delim = text.slice(i + 2, open);
        const close = `)${delim}"`;
        const e = text.indexOf(close, open + 1);
        const end = e < 0 ? n : e + close.length;
        out.push({ kind: 'str', text: text.slice(open + 1, e < 0 ? n : e), start: i, end });
        i = end;
        continue;
      }
    }
    if (isIdStart(c)) {
      let k = i + 1;
      while (k < n && isId(text.charCodeAt(k))) k++;
      // a string prefix (L"…", u8"…", b"…")
      if (text.charCodeAt(k) === 34 && /^(?:L|u|U|u8|b)$/.test(text.slice(i, k))) {
        i = k;
        continue;
      }
      out.push({ kind: 'id', text: text.slice(i, k), start: i, end: k });
      i = k;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let k = i + 1;
      while (
        k < n &&
        (isId(text.charCodeAt(k)) ||
          text.charCodeAt(k) === 46 ||
          ((text.charCodeAt(k) === 43 || text.charCodeAt(k) === 45) && /[eEpP]/.test(text.charAt(k - 1))))
      )
        k++;
      out.push({ kind: 'num', text: text.slice(i, k), start: i, end: k });
      i = k;
      continue;
    }
    if (c === 34 || (c === 96 && lang === 'go')) {
      // "…" with escapes; Go raw strings `…`
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
      out.push({ kind: 'str', text: val, start: i, end: Math.min(n, k + 1) });
      i = k + 1;
      continue;
    }
    if (c === 39) {
      // a character literal ('a', '\n'); in Rust a lifetime ('a) is an identifier-ish token
      if (lang === 'rust' && isIdStart(text.charCodeAt(i + 1)) && text.charCodeAt(i + 2) !== 39) {
        let k = i + 2;
        while (k < n && isId(text.charCodeAt(k))) k++;
        i = k;
        continue;
      }
      let k = i + 1;
      while (k < n && text.charCodeAt(k) !== 39 && text.charCodeAt(k) !== 10) k += text.charCodeAt(k) === 92 ? 2 : 1;
      out.push({ kind: 'num', text: text.slice(i, k + 1), start: i, end: Math.min(n, k + 1) });
      i = k + 1;
      continue;
    }
    // punctuation: keep :: and -> as one token
    const two = text.slice(i, i + 2);
    if (two === '::' || two === '->') {
      out.push({ kind: 'p', text: two, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    out.push({ kind: 'p', text: text.charAt(i), start: i, end: i + 1 });
    i++;
  }
  return out;
}

/** for each opening bracket the index of its closing one (and back), -1 when unbalanced */
function matchBrackets(toks: readonly Tok[]): Int32Array {
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

const NOT_FUNCTIONS = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'return',
  'sizeof',
  'alignof',
  '_Alignof',
  'typeof',
  '__typeof__',
  'decltype',
  '__attribute__',
  '__declspec',
  'SEC',
  'defined',
  'static_assert',
  '_Static_assert',
  'do',
  'else',
  'case',
  'new',
  'delete',
  'throw',
  'alignas',
  '_Alignas',
  'noexcept',
  'requires',
  '__asm__',
  'asm',
  'volatile',
  '__volatile__',
]);
const TYPE_WORDS = new Set([
  'int',
  'char',
  'void',
  'long',
  'short',
  'unsigned',
  'signed',
  'float',
  'double',
  'bool',
  '_Bool',
  'const',
  'static',
  'inline',
  'extern',
  'struct',
  'enum',
  'union',
  'auto',
  'register',
]);
/** libbpf's program-defining macros: the function's name is their first argument */
const BPF_NAME_MACROS = new Set([
  'BPF_PROG',
  'BPF_PROG2',
  'BPF_KPROBE',
  'BPF_KRETPROBE',
  'BPF_UPROBE',
  'BPF_URETPROBE',
  'BPF_KSYSCALL',
  'BPF_KPROBE_SYSCALL',
  'BPF_USDT',
  'BPF_STRUCT_OPS',
  'BPF_STRUCT_OPS_SLEEPABLE',
  'BPF_TRACE',
  'BPF_HANDLER',
]);
/** keywords that open a scope whose body holds more definitions */
const CONTAINERS = new Set(['namespace', 'class', 'struct', 'union', 'extern']);

function cFunctions(text: string, lang: 'c' | 'cpp'): SourceFunction[] {
  const toks = tokenize(text, lang);
  const match = matchBrackets(toks);
  const out: SourceFunction[] = [];
  // the index of the token after the last statement/definition end at the current scope
  const scan = (from: number, to: number, owner: string): void => {
    let declStart = from;
    for (let i = from; i < to; i++) {
      const t = toks[i] as Tok;
      if (t.kind === 'p' && (t.text === ';' || t.text === '}')) {
        declStart = i + 1;
        continue;
      }
      if (t.kind === 'p' && (t.text === '(' || t.text === '[')) {
        const close = match[i] ?? -1;
        if (close > i) i = close; // skip the group (we look at a `(` when we reach `{`)
        continue;
      }
      if (!(t.kind === 'p' && t.text === '{')) continue;
      const close = match[i] ?? -1;
      const bodyEnd = close > i ? close : toks.length - 1;
      const head = toks.slice(declStart, i);
      const fn = functionHead(head, owner);
      if (fn) {
        const last = toks[bodyEnd] as Tok;
        out.push({ ...fn, start: (toks[declStart] as Tok).start, end: last.end });
      } else {
        // a container: namespace x { … }, extern "C" { … }, class X { … } (methods inside)
        const first = head.find((h) => h.kind === 'id' && CONTAINERS.has(h.text));
        const isAssign = head.some((h) => h.kind === 'p' && h.text === '=');
        if (first && !isAssign && lang === 'cpp') {
          const after = head[head.indexOf(first) + 1];
          const name = first.text === 'extern' || first.text === 'namespace' ? '' : after?.kind === 'id' ? after.text : '';
          const nsName =
            first.text === 'namespace'
              ? head
                  .filter((h) => h.kind === 'id' && h.text !== 'namespace' && h.text !== 'inline')
                  .map((h) => h.text)
                  .join('::')
              : '';
          const inner = name || nsName ? (owner ? `${owner}::${name || nsName}` : name || nsName) : owner;
          scan(i + 1, bodyEnd, inner);
        } else if (first?.text === 'extern' && !isAssign) {
          scan(i + 1, bodyEnd, owner);
        }
      }
      i = bodyEnd;
      declStart = bodyEnd + 1;
    }
  };
  scan(0, toks.length, '');
  return out;
}

/** A function definition's head (tokens from the declaration start to `{`), or undefined. */
function functionHead(head: readonly Tok[], owner: string): Omit<SourceFunction, 'start' | 'end'> | undefined {
  if (head.length < 3) return undefined;
  if (head.some((h) => h.kind === 'p' && h.text === '=') && !head.some((h) => h.kind === 'id' && h.text === 'operator')) {
    // `int x[] = { … }`, `struct s v = { … }`: an initializer, not a body
    return undefined;
  }
  // find the `)` that closes the parameter list: the first top-level `( … )` group after the name.
  // Scan forward for `name (` at nesting depth 0 (skip attribute and macro groups).
  let depth = 0;
  let section: string | undefined;
  for (let j = 0; j < head.length; j++) {
    const t = head[j] as Tok;
    if (t.kind === 'p' && (t.text === '(' || t.text === '[')) {
      depth++;
      continue;
    }
    if (t.kind === 'p' && (t.text === ')' || t.text === ']')) {
      depth--;
      continue;
    }
    if (depth !== 0 || t.kind !== 'id') continue;
    if (t.text === 'operator') {
      // operator==, operator(), operator new: the name runs to the parameter list
      let e = j + 1;
      if (head[e]?.text === '(' && head[e + 1]?.text === ')') e += 2;
      while (e < head.length && head[e]?.text !== '(') e++;
      if (e >= head.length) return undefined;
      const name = `operator${head
        .slice(j + 1, e)
        .map((x) => x.text)
        .join('')}`;
      return { name, qualified: owner ? `${owner}::${name}` : name, nameStart: t.start, nameEnd: (head[e - 1] as Tok).end };
    }
    const next = head[j + 1];
    if (!next || next.kind !== 'p' || next.text !== '(') continue;
    if (t.text === 'SEC' || t.text === '__section') {
      const s = head[j + 2];
      if (s?.kind === 'str') section = s.text;
      continue;
    }
    if (
      t.text === '__attribute__' ||
      t.text === '__declspec' ||
      t.text === 'alignas' ||
      t.text === '_Alignas' ||
      t.text === 'decltype' ||
      t.text === '__typeof__' ||
      t.text === 'typeof'
    ) {
      // __attribute__((section("xdp"))) also names a section
      const inner = head.slice(j + 1, j + 12);
      const si = inner.findIndex((x) => x.kind === 'id' && x.text === 'section');
      const str = si >= 0 ? inner.slice(si).find((x) => x.kind === 'str') : undefined;
      if (str) section = str.text;
      continue;
    }
    if (NOT_FUNCTIONS.has(t.text)) return undefined;
    if (TYPE_WORDS.has(t.text)) continue; // `int (name)(…)`, `void (*fp)(…)`: not a name
    // BPF_PROG(name, …): the name is the macro's first argument
    if (BPF_NAME_MACROS.has(t.text)) {
      const arg = head[j + 2];
      if (arg?.kind !== 'id') return undefined;
      return {
        name: arg.text,
        qualified: owner ? `${owner}::${arg.text}` : arg.text,
        nameStart: arg.start,
        nameEnd: arg.end,
        ...(section !== undefined ? { section } : {}),
      };
    }
    // an all-caps call before the real name is a macro (`EXPORT(int) f(…)`, `LIBBPF_API`): go on
    // only when another `name (` follows at depth 0
    const restHasCall = head
      .slice(j + 2)
      .some((x, q, arr) => x.kind === 'id' && arr[q + 1]?.kind === 'p' && arr[q + 1]?.text === '(' && !NOT_FUNCTIONS.has(x.text));
    if (/^[A-Z_][A-Z0-9_]*$/.test(t.text) && restHasCall && !BPF_NAME_MACROS.has(t.text)) continue;
    // qualified: A::B::name, ~Dtor, operator()
    let q = t.text;
    let s = j - 1;
    if (head[s]?.kind === 'p' && head[s]?.text === '~') {
      q = `~${q}`;
      s--;
    }
    const parts: string[] = [];
    while (s >= 1 && head[s]?.kind === 'p' && head[s]?.text === '::' && head[s - 1]?.kind === 'id') {
      parts.unshift((head[s - 1] as Tok).text);
      s -= 2;
    }
    const name = q;
    const qualified = [...(owner ? [owner] : []), ...parts, name].join('::');
    return {
      name,
      qualified,
      nameStart: t.start - (q.startsWith('~') ? 1 : 0),
      nameEnd: t.end,
      ...(section !== undefined ? { section } : {}),
    };
  }
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
