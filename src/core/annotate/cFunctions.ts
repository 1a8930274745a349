import type { SourceFunction } from './functions';
import type { Tok } from './sourceTokens';
import { matchBrackets, tokenize } from './sourceTokens';

/**
 * Function definitions in C and C++: `name(...) {` outside any other function body; namespaces,
 * `extern "C"` and class bodies are looked into. BPF C adds `SEC("…")` sections and libbpf's
 * program-defining macros (`BPF_PROG(name, …)`).
 */

/** the name and section of a definition, from its head */
type Head = Omit<SourceFunction, 'start' | 'end'>;

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
/** groups before a name that are not calls; `__attribute__((section("xdp")))` also names a section */
const ATTRIBUTE_GROUPS = new Set(['__attribute__', '__declspec', 'alignas', '_Alignas', 'decltype', '__typeof__', 'typeof']);

export function cFunctions(text: string, lang: 'c' | 'cpp'): SourceFunction[] {
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
        const inner = containerOwner(head, owner, lang);
        if (inner !== undefined) scan(i + 1, bodyEnd, inner);
      }
      i = bodyEnd;
      declStart = bodyEnd + 1;
    }
  };
  scan(0, toks.length, '');
  return out;
}

/** The owner of the definitions inside a `{` that opens no function, or undefined when it holds none. */
function containerOwner(head: readonly Tok[], owner: string, lang: 'c' | 'cpp'): string | undefined {
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
    return name || nsName ? (owner ? `${owner}::${name || nsName}` : name || nsName) : owner;
  }
  if (first?.text === 'extern' && !isAssign) return owner;
  return undefined;
}

/** A function definition's head (tokens from the declaration start to `{`), or undefined. */
function functionHead(head: readonly Tok[], owner: string): Head | undefined {
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
    if (t.text === 'operator') return operatorHead(head, j, owner);
    const next = head[j + 1];
    if (!next || next.kind !== 'p' || next.text !== '(') continue;
    if (t.text === 'SEC' || t.text === '__section') {
      const s = head[j + 2];
      if (s?.kind === 'str') section = s.text;
      continue;
    }
    if (ATTRIBUTE_GROUPS.has(t.text)) {
      section = attributeSection(head, j) ?? section;
      continue;
    }
    if (NOT_FUNCTIONS.has(t.text)) return undefined;
    if (TYPE_WORDS.has(t.text)) continue; // `int (name)(…)`, `void (*fp)(…)`: not a name
    // BPF_PROG(name, …): the name is the macro's first argument
    if (BPF_NAME_MACROS.has(t.text)) return macroHead(head, j, owner, section);
    if (isMacroBeforeName(head, j)) continue;
    return namedHead(head, j, owner, section);
  }
  return undefined;
}

/** operator==, operator(), operator new: the name runs to the parameter list */
function operatorHead(head: readonly Tok[], j: number, owner: string): Head | undefined {
  const t = head[j] as Tok;
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

/** the section an attribute group at `j` names (`__attribute__((section("xdp")))`) */
function attributeSection(head: readonly Tok[], j: number): string | undefined {
  const inner = head.slice(j + 1, j + 12);
  const si = inner.findIndex((x) => x.kind === 'id' && x.text === 'section');
  const str = si >= 0 ? inner.slice(si).find((x) => x.kind === 'str') : undefined;
  return str?.text;
}

/** `BPF_PROG(name, …)` at `j`: the function is named by the macro's first argument */
function macroHead(head: readonly Tok[], j: number, owner: string, section: string | undefined): Head | undefined {
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

/**
 * An all-caps call before the real name is a macro (`EXPORT(int) f(…)`, `LIBBPF_API`): go on
 * only when another `name (` follows at depth 0.
 */
function isMacroBeforeName(head: readonly Tok[], j: number): boolean {
  const t = head[j] as Tok;
  const restHasCall = head
    .slice(j + 2)
    .some((x, q, arr) => x.kind === 'id' && arr[q + 1]?.kind === 'p' && arr[q + 1]?.text === '(' && !NOT_FUNCTIONS.has(x.text));
  return /^[A-Z_][A-Z0-9_]*$/.test(t.text) && restHasCall && !BPF_NAME_MACROS.has(t.text);
}

/** the function named at `j`, qualified: A::B::name, ~Dtor */
function namedHead(head: readonly Tok[], j: number, owner: string, section: string | undefined): Head {
  const t = head[j] as Tok;
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
