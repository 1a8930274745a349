import type { SourceFunction, SourceLanguage } from './functions';

/**
 * Matching the functions of a source file to the symbols of a binary on a node (what
 * `bpftrace -l 'uprobe:BIN:*'` lists), and the fewest uprobe attach points that cover them.
 */

/** The symbol names of a `bpftrace -l 'uprobe:BIN:*'` listing (lines `uprobe:BIN:SYMBOL`). */
export function uprobeSymbols(lines: readonly string[], binary: string): string[] {
  const out = new Set<string>();
  const prefix = `uprobe:${binary}:`;
  for (const raw of lines) {
    const l = raw.trim();
    let sym: string | undefined;
    if (l.startsWith(prefix)) sym = l.slice(prefix.length);
    else if (l.startsWith('uprobe:')) {
      // another spelling of the path (a symlink resolved by bpftrace): the symbol follows the last ':' after the path
      const rest = l.slice('uprobe:'.length);
      const at = rest.indexOf(':', rest.lastIndexOf('/') + 1);
      if (at > 0) sym = rest.slice(at + 1);
    }
    // newer bpftrace may prefix a language (`cpp:ns::f`): the probe name is what follows
    if (sym !== undefined && /^cpp:/.test(sym)) sym = sym.slice(4);
    if (sym) out.add(sym);
  }
  return [...out];
}

/** `nm --defined-only BIN` lines → names of text (code) symbols. */
export function nmSymbols(text: string): string[] {
  const out = new Set<string>();
  for (const l of text.split('\n')) {
    const m = /^[0-9a-fA-F]*\s+([TtWwi])\s+(\S+)$/.exec(l.trim());
    if (m?.[2]) out.add(m[2].replace(/@.*$/, ''));
  }
  return [...out];
}

// ------------------------------------------------------------------------------ demangling
/**
 * The path of names in an Itanium-mangled symbol (C++ and Rust's legacy mangling), enough to
 * match a function by name and owner: `_ZN4edge3net4Pool3putEi` → [edge, net, Pool, put];
 * `_ZN7edgeapp3hot17h0123456789abcdefE` → [edgeapp, hot]. undefined when not mangled.
 */
export function demanglePath(sym: string): string[] | undefined {
  const s = sym.replace(/^_+Z/, '_Z');
  if (!s.startsWith('_Z')) return undefined;
  const m = new Mangled(s, 2);
  const names: string[] = [];
  if (s.charAt(2) === 'N') {
    // what cannot be read ends the path there, as read so far
    if (!m.nestedName(names)) return names.length ? names : undefined;
  } else m.unscopedName(names);
  if (names.length === 0) return undefined;
  // Rust legacy: the last component is a hash h0123456789abcdef
  if (names.length > 1 && /^h[0-9a-f]{16}$/.test(names[names.length - 1] ?? '')) names.pop();
  return names.map(rustUnescape);
}

/** the first letters of the two-letter operator names (`eq`, `cl`, …) in a nested name */
const OPERATOR_START = new Set(['o', 'a', 'n', 'e', 'l', 'g', 'c', 'd', 'p', 'm', 'q', 'i', 'v']);

/** A reading position in an Itanium-mangled name. */
class Mangled {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  /** `<length><name>` */
  private readName(): string | undefined {
    const { s } = this;
    let j = this.i;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    if (j === this.i) return undefined;
    const len = Number(s.slice(this.i, j));
    const name = s.slice(j, j + len);
    if (name.length !== len) return undefined;
    this.i = j + len;
    return name;
  }

  /** `I … E`, nested */
  private skipTemplateArgs(): void {
    const { s } = this;
    let depth = 0;
    while (this.i < s.length) {
      const c = s.charAt(this.i);
      if (c === 'I') depth++;
      else if (c === 'E') {
        depth--;
        if (depth === 0) {
          this.i++;
          return;
        }
      } else if (c >= '0' && c <= '9') {
        let j = this.i;
        while (j < s.length && s.charAt(j) >= '0' && s.charAt(j) <= '9') j++;
        this.i = j + Number(s.slice(this.i, j));
        continue;
      }
      this.i++;
    }
  }

  /** `N … E` (at the `N`): its names pushed; false where something unreadable stopped it */
  nestedName(names: string[]): boolean {
    const { s } = this;
    this.i++;
    // cv-qualifiers and ref-qualifiers of a member function
    while (/[rVKRO]/.test(s.charAt(this.i))) this.i++;
    while (this.i < s.length && s.charAt(this.i) !== 'E') {
      const c = s.charAt(this.i);
      if (c === 'S' && s.charAt(this.i + 1) === 't') {
        names.push('std');
        this.i += 2;
      } else if (c === 'S') {
        // a substitution S_, S0_ …: an earlier prefix (names already pushed stand for it)
        const e = s.indexOf('_', this.i);
        if (e < 0) return false;
        this.i = e + 1;
      } else if (c === 'I') this.skipTemplateArgs();
      else if (c === 'C' && /[1-5]/.test(s.charAt(this.i + 1))) {
        names.push(names[names.length - 1] ?? '');
        this.i += 2;
      } else if (c === 'D' && /[0-5]/.test(s.charAt(this.i + 1))) {
        names.push(`~${names[names.length - 1] ?? ''}`);
        this.i += 2;
      } else if (c === 'L') this.i++;
      else if (c >= '0' && c <= '9') {
        const n = this.readName();
        if (n === undefined) return false;
        names.push(n);
      } else if (OPERATOR_START.has(c)) {
        // an operator name (two letters): operator==, operator() …
        names.push(`operator${operatorText(s.slice(this.i, this.i + 2))}`);
        this.i += 2;
      } else return false;
    }
    return true;
  }

  /** a name outside any scope (`L` internal linkage, `St` std::, or plain), or an operator */
  unscopedName(names: string[]): void {
    const { s } = this;
    if (s.charAt(this.i) === 'L') {
      this.i++;
      const n = this.readName();
      if (n !== undefined) names.push(n);
    } else if (s.startsWith('St', this.i)) {
      this.i += 2;
      names.push('std');
      const n = this.readName();
      if (n !== undefined) names.push(n);
    } else {
      const n = this.readName();
      if (n !== undefined) names.push(n);
      else if (/^[a-z][a-z]/.test(s.slice(this.i, this.i + 2))) names.push(`operator${operatorText(s.slice(this.i, this.i + 2))}`);
    }
  }
}

const OPERATORS: Record<string, string> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  pl: '+',
  mi: '-',
  ml: '*',
  dv: '/',
  rm: '%',
  aS: '=',
  cl: '()',
  ix: '[]',
  nw: ' new',
  dl: ' delete',
  na: ' new[]',
  da: ' delete[]',
  ls: '<<',
  rs: '>>',
  an: '&',
  or: '|',
  eo: '^',
  co: '~',
  nt: '!',
  aa: '&&',
  oo: '||',
  pL: '+=',
  mI: '-=',
  mL: '*=',
  dV: '/=',
  pp: '++',
  mm: '--',
  pt: '->',
  cv: ' (conversion)',
};
function operatorText(code: string): string {
  return OPERATORS[code] ?? code;
}

/** Rust's legacy mangling escapes: $LT$ <, $GT$ >, $u20$ space, .. :: */
function rustUnescape(n: string): string {
  if (!n.includes('$') && !n.includes('..')) return n;
  return n
    .replace(/^_(?=\$)/, '')
    .replace(/\$LT\$/g, '<')
    .replace(/\$GT\$/g, '>')
    .replace(/\$RF\$/g, '&')
    .replace(/\$BP\$/g, '*')
    .replace(/\$C\$/g, ',')
    .replace(/\$SP\$/g, '@')
    .replace(/\$u([0-9a-f]{2})\$/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\.\./g, '::');
}

/** The name path of any symbol: mangled (C++/Rust), Go (`pkg.(*T).M`), or plain C. */
export function symbolPath(sym: string): string[] {
  const d = demanglePath(sym);
  if (d) return d;
  if (
    sym.includes('.') &&
    !/^[\w$]+\.(?:isra|constprop|part|cold|lto_priv|llvm)\./.test(sym) &&
    !/\.(?:isra|constprop|part|cold|lto_priv|llvm)(?:\.\d+)*$/.test(sym)
  ) {
    // Go: path/to/pkg.Func, pkg.(*T).Method, pkg.T.Method, pkg.Func.func1 (closures)
    const slash = sym.lastIndexOf('/');
    const tail = sym.slice(slash + 1);
    return tail.split('.').filter((x) => x !== '');
  }
  // a GCC clone of a C function: name.isra.0, name.constprop.1, name.part.0, name.cold
  return [sym.replace(/\.(?:isra|constprop|part|cold|lto_priv|llvm)(?:\.\d+)*.*$/, '')];
}

// ------------------------------------------------------------------------------ matching
export interface FunctionMatch {
  readonly fn: SourceFunction;
  /** the binary's symbols that are this function (several: overloads, clones, generics) */
  readonly symbols: readonly string[];
}

/**
 * Each source function's symbols in the binary. A function whose owner is known (C++ class,
 * Rust impl type, Go receiver) matches only symbols with that owner; an exact symbol beats a
 * compiler clone (`hot.isra.0`).
 */
export function matchFunctions(functions: readonly SourceFunction[], symbols: readonly string[], lang: SourceLanguage): FunctionMatch[] {
  // index: last path component → symbols
  const byName = new Map<string, { sym: string; path: string[] }[]>();
  for (const sym of symbols) {
    const p = symbolPath(sym);
    const last = p[p.length - 1];
    if (!last) continue;
    const list = byName.get(last) ?? [];
    list.push({ sym, path: p });
    byName.set(last, list);
  }
  const out: FunctionMatch[] = [];
  for (const fn of functions) {
    const cands = byName.get(fn.name) ?? [];
    if (cands.length === 0) {
      out.push({ fn, symbols: [] });
      continue;
    }
    const owner = ownerPath(fn, lang);
    let picked: typeof cands;
    if (owner.length) {
      picked = cands.filter((c) => endsWith(c.path.slice(0, -1).flatMap(splitOwner), owner));
    } else if (lang === 'c') {
      // plain C: the symbol itself, else its clones
      const exact = cands.filter((c) => c.sym === fn.name);
      picked = exact.length ? exact : cands.filter((c) => c.path.length === 1);
    } else if (lang === 'go') {
      // a Go func without receiver: pkg.Name (not a method T.Name)
      picked = cands.filter((c) => c.path.length === 2 || c.sym === fn.name);
    } else {
      // C++/Rust free functions: prefer symbols that are not methods of a type we do not know
      picked = cands;
    }
    out.push({ fn, symbols: [...new Set(picked.map((c) => c.sym))].sort() });
  }
  return out;
}

function ownerPath(fn: SourceFunction, lang: SourceLanguage): string[] {
  if (lang === 'go') {
    // (*Server).Serve → ['(*Server)'], Server.Name → ['Server']
    const i = fn.qualified.lastIndexOf('.');
    return i > 0 ? [fn.qualified.slice(0, i)] : [];
  }
  const parts = fn.qualified.split('::');
  parts.pop();
  return parts.filter((p) => p !== '');
}

/** a Rust trait impl's owner `<myapp::Server as myapp::Handler>` counts as myapp, Server */
function splitOwner(p: string): string[] {
  const m = /^<(.+?) as .+>$/.exec(p);
  if (m?.[1]) return m[1].split('::');
  return [p];
}

function endsWith(path: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > path.length) return false;
  const off = path.length - suffix.length;
  return suffix.every((s, i) => path[off + i] === s || path[off + i] === s.replace(/<.*$/, ''));
}

// ------------------------------------------------------------------------------ attach points
/** Symbol names bpftrace can take in an attach point as they are. */
export const PLAIN_SYMBOL = /^[A-Za-z_$][\w$.@]{0,1023}$/;

export interface AttachPlan {
  /** `uprobe:BIN:X` attach points: exact symbols, and wildcard patterns when the node's bpftrace can multi-attach */
  readonly exact: readonly string[];
  readonly patterns: readonly string[];
  /** symbols that cannot be named in an attach point (characters bpftrace cannot parse) */
  readonly skipped: readonly string[];
}

/** does `pattern` (only `*` is special) match `s`? */
export function wildcardMatch(pattern: string, s: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === s;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!s.startsWith(first) || !s.endsWith(last) || s.length < first.length + last.length) return false;
  let at = first.length;
  const end = s.length - last.length;
  for (let k = 1; k < parts.length - 1; k++) {
    const p = parts[k] ?? '';
    const f = s.indexOf(p, at);
    if (f < 0 || f + p.length > end) return false;
    at = f + p.length;
  }
  return true;
}

/**
 * The fewest attach points that count exactly `wanted` among `all` of a binary's symbols.
 * Without multi-attach every symbol is its own probe anyway, so only exact names are used. With
 * it (`uprobe_multi`), wanted symbols that share a prefix no other symbol has become one
 * `prefix*` pattern: one BPF program instead of many, and much faster to detach.
 */
export function attachPlan(wanted: readonly string[], all: readonly string[], multi: boolean): AttachPlan {
  const want = [...new Set(wanted)].sort();
  const skipped = want.filter((w) => !PLAIN_SYMBOL.test(w));
  const ok = want.filter((w) => PLAIN_SYMBOL.test(w));
  if (!multi || ok.length < 2) return { exact: ok, patterns: [], skipped };
  const wantSet = new Set(ok);
  const others = [...new Set(all)].filter((s) => !wantSet.has(s)).sort();
  // for each wanted symbol, the shortest prefix that no other symbol starts with
  const covered = new Set<string>();
  const patterns: string[] = [];
  const exact: string[] = [];
  // sorted symbols sharing a prefix are adjacent: walk groups
  const byPrefix = new Map<string, string[]>();
  for (const w of ok) {
    let best: string | undefined;
    for (let len = 1; len < w.length; len++) {
      const p = w.slice(0, len);
      if (!PLAIN_SYMBOL.test(p)) continue;
      if (!hasPrefix(others, p)) {
        best = p;
        break;
      }
    }
    if (!best) {
      exact.push(w);
      continue;
    }
    // widen: the shortest safe prefix is shared by the most wanted symbols
    const list = byPrefix.get(best) ?? [];
    list.push(w);
    byPrefix.set(best, list);
  }
  // merge prefixes: a shorter safe prefix that covers several groups wins
  const prefixes = [...byPrefix.keys()].sort((a, b) => a.length - b.length || a.localeCompare(b));
  for (const p of prefixes) {
    if ([...covered].some((c) => p.startsWith(c))) continue;
    const members = byPrefix.get(p) ?? [];
    if (members.length === 1 && members[0] !== undefined) {
      // one symbol: its exact name is clearer than a pattern (and costs the same)
      exact.push(members[0]);
    } else {
      patterns.push(`${p}*`);
      covered.add(p);
    }
  }
  return { exact: exact.sort(), patterns: patterns.sort(), skipped };
}

/** binary search: does any of the sorted `list` start with p? */
function hasPrefix(list: readonly string[], p: string): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] ?? '') < p) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && (list[lo] ?? '').startsWith(p);
}
