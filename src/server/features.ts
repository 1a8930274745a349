import type {
  CompletionItem,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Range,
  SignatureHelp,
  TextEdit,
} from 'vscode-languageserver';
import {
  CompletionItemKind,
  CompletionItemTag,
  DiagnosticSeverity,
  FoldingRangeKind,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
} from 'vscode-languageserver';
import type { Analysis } from '../core/bpftrace/analysis';
import { analyze } from '../core/bpftrace/analysis';
import type { AttachPoint, Span } from '../core/bpftrace/ast';
import { splitAttachPoint } from '../core/bpftrace/attachPoints';
import type { Version } from '../core/bpftrace/catalog';
import { BUILTINS, CONFIG_KEYS, NEWEST, versionAtLeast, versionText } from '../core/bpftrace/catalog';
import type { FunctionInfo } from '../core/bpftrace/functions';
import { FUNCTIONS, FUNCTION_BY_NAME } from '../core/bpftrace/functions';
import type { Token } from '../core/bpftrace/lexer';
import { Lexer, LineIndex } from '../core/bpftrace/lexer';
import type { ProbeType } from '../core/bpftrace/probeTypes';
import { PROBE_TYPES, probeType } from '../core/bpftrace/probeTypes';
import { cursorContext, memberBefore, wordBefore } from './context';

/**
 * The bpftrace language features, host-agnostic: text and offsets in, LSP types out. The server
 * (server.ts) wires them to a connection; unit tests and the fuzzer call them directly. What
 * needs a node (probe lists, field lists, wildcard counts) comes through `NodeProbes`, which
 * the server implements by asking the extension (it holds the SSH connections).
 */

export interface NodeProbes {
  /** `bpftrace -l PATTERN` (`-lv` when verbose) on the active node; undefined when no node is active */
  list(
    pattern: string,
    verbose?: boolean,
  ): Promise<
    { readonly node: string; readonly lines: readonly string[]; readonly truncated: boolean } | { readonly error: string } | undefined
  >;
}

export interface Target {
  readonly node?: string | undefined;
  readonly version: Version;
  /** the version is the active node's (not the default) */
  readonly fromNode: boolean;
}

export const DEFAULT_TARGET: Target = { version: NEWEST, fromNode: false };

/** One analysed document version (analysis is reused by every feature until the text changes). */
export class Doc {
  private cache?: Analysis;
  private idx?: LineIndex;
  private toks?: Token[];
  constructor(
    readonly text: string,
    readonly target: Target,
  ) {}
  get analysis(): Analysis {
    return (this.cache ??= analyze(this.text, { target: this.target.version }));
  }
  get lines(): LineIndex {
    return (this.idx ??= new LineIndex(this.text));
  }
  /** the lexer's tokens over the whole text (attach points come out as loose tokens: only used for names) */
  get tokens(): readonly Token[] {
    if (!this.toks) {
      const lex = new Lexer(this.text);
      const out: Token[] = [];
      for (let n = 0; n < 1_000_000; n++) {
        const t = lex.next();
        if (t.kind === 'eof') break;
        out.push(t);
      }
      this.toks = out;
    }
    return this.toks;
  }
  range(s: Span): Range {
    return { start: this.lines.position(s.start), end: this.lines.position(Math.max(s.start, s.end)) };
  }
  offset(p: { line: number; character: number }): number {
    return Math.min(this.text.length, this.lines.offset(p.line, p.character));
  }
  tokenAt(offset: number): Token | undefined {
    const toks = this.tokens;
    let lo = 0;
    let hi = toks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = toks[mid] as Token;
      if (offset < t.start) hi = mid - 1;
      else if (offset > t.end || (offset === t.end && !(toks[mid + 1] === undefined || (toks[mid + 1] as Token).start > offset)))
        lo = mid + 1;
      else return t;
    }
    return undefined;
  }
  /** the top-level item (probe, macro, fn …) around an offset */
  itemAt(offset: number): Analysis['program']['items'][number] | undefined {
    return this.analysis.program.items.find((i) => i.start <= offset && offset <= i.end);
  }
}

// ------------------------------------------------------------------------------------ diagnostics

export function diagnostics(doc: Doc): Diagnostic[] {
  return doc.analysis.diagnostics.map((d) => ({
    range: doc.range(d),
    severity:
      d.severity === 'error'
        ? DiagnosticSeverity.Error
        : d.severity === 'warning'
          ? DiagnosticSeverity.Warning
          : DiagnosticSeverity.Information,
    code: d.code,
    source: 'bpftrace',
    message: d.message,
  }));
}

// ------------------------------------------------------------------------------------ completion

const KEYWORDS = ['if', 'else', 'while', 'for', 'unroll', 'return', 'break', 'continue', 'let'];
const TOP_KEYWORDS: { label: string; since: Version; snippet: string; doc: string }[] = [
  {
    label: 'config',
    since: [0, 20],
    snippet: 'config = {\n\t${1:max_strlen} = ${2:64}\n}\n',
    doc: 'A config block: options that would otherwise be BPFTRACE_* environment variables.',
  },
  { label: 'macro', since: [0, 24], snippet: 'macro ${1:name}(${2:\\$x})\n{\n\t$0\n}\n', doc: 'A macro: expanded where it is called.' },
  {
    label: 'fn',
    since: [0, 21],
    snippet: 'fn ${1:name}(${2:\\$x}: ${3:int64}): ${4:int64}\n{\n\t$0\n}\n',
    doc: 'A subprogram (function).',
  },
  { label: 'import', since: [0, 24], snippet: 'import "${1:file.bt}";\n', doc: 'Import another script or library.' },
];
const PROFILE_UNITS = ['hz', 's', 'ms', 'us'];
const SOFTWARE_EVENTS = [
  'cpu-clock',
  'task-clock',
  'page-faults',
  'context-switches',
  'cpu-migrations',
  'minor-faults',
  'major-faults',
  'alignment-faults',
  'emulation-faults',
  'dummy',
  'bpf-output',
];
const HARDWARE_EVENTS = [
  'cpu-cycles',
  'instructions',
  'cache-references',
  'cache-misses',
  'branch-instructions',
  'branch-misses',
  'bus-cycles',
  'frontend-stalls',
  'backend-stalls',
  'ref-cycles',
];
const MAX_ITEMS = 2000;

function sinceNote(since: Version, target: Target, until?: Version): { note: string; later: boolean; removed: boolean } {
  const removed = !!until && versionAtLeast(target.version, until);
  const later = !versionAtLeast(target.version, since);
  const where =
    target.fromNode && target.node ? `${target.node} runs ${versionText(target.version)}` : `target ${versionText(target.version)}`;
  return {
    note: removed
      ? ` — removed in ${versionText(until ?? since)} (${where})`
      : later
        ? ` — needs bpftrace ${versionText(since)} (${where})`
        : '',
    later,
    removed,
  };
}

function functionDoc(f: FunctionInfo, target: Target): string {
  const lines = ['```bpftrace', f.signature, '```', f.doc, ''];
  const tags: string[] = [];
  if (f.aggregate) tags.push('aggregation: assign it to a map (`@x = ' + f.name + '(…)`)');
  if (f.unsafe) tags.push('needs `--unsafe`');
  tags.push(`since bpftrace ${versionText(f.since)}${f.until ? `, removed in ${versionText(f.until)}` : ''}`);
  lines.push(tags.join(' · '));
  const n = sinceNote(f.since, target, f.until);
  if (n.note) lines.push('', `⚠️${n.note}`);
  return lines.join('\n');
}

function probeTypeDoc(t: ProbeType, target: Target): string {
  const lines = [
    '```bpftrace',
    t.syntax,
    '```',
    t.doc,
    '',
    `since bpftrace ${versionText(t.since)}${t.aliases.length ? ` · alias${t.aliases.length > 1 ? 'es' : ''}: ${t.aliases.map((a) => `\`${a}\``).join(', ')}` : ''}`,
  ];
  const n = sinceNote(t.since, target, t.until);
  if (n.note) lines.push('', `⚠️${n.note}`);
  return lines.join('\n');
}

/** What provider to ask the node for, from what was typed (aliases resolved; kfunc before 0.20). */
export function listProvider(provider: string, target: Target): string | undefined {
  const t = probeType(provider);
  if (!t) return undefined;
  switch (t.name) {
    case 'tracepoint':
    case 'rawtracepoint':
    case 'kprobe':
    case 'uprobe':
    case 'usdt':
      return t.name;
    case 'kretprobe':
      return 'kprobe';
    case 'uretprobe':
      return 'uprobe';
    case 'fentry':
    case 'fexit':
    case 'kfunc':
    case 'kretfunc':
      return versionAtLeast(target.version, [0, 20]) ? 'fentry' : 'kfunc';
    default:
      return undefined;
  }
}

/** An attach point's provider and parts, as the analyser splits them. */
function segments(text: string): string[] {
  const a = splitAttachPoint(text, 0);
  return [a.provider, ...a.parts];
}

const RETRIGGER = { title: 'more', command: 'editor.action.triggerSuggest' };

async function attachCompletions(
  doc: Doc,
  word: string,
  wordStart: number,
  offset: number,
  probes: NodeProbes | undefined,
): Promise<CompletionList> {
  const target = doc.target;
  const colon = word.indexOf(':');
  if (colon < 0) {
    const items: CompletionItem[] = [];
    const range = doc.range({ start: wordStart, end: offset });
    for (const t of PROBE_TYPES) {
      const n = sinceNote(t.since, target, t.until);
      const names = [t.name, ...t.aliases.filter((a) => a !== t.name.toLowerCase())];
      for (const name of names) {
        const bare = t.parts.includes(0);
        items.push({
          label: name,
          kind: CompletionItemKind.Event,
          detail: `${name === t.name ? 'probe' : `alias of ${t.name}`}${n.note}`,
          documentation: { kind: MarkupKind.Markdown, value: probeTypeDoc(t, target) },
          textEdit: { range, newText: bare ? `${name}\n{\n\t$0\n}` : `${name}:` },
          insertTextFormat: bare ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
          sortText: `${n.later || n.removed ? '9' : name === t.name ? '1' : '2'}${name}`,
          ...(n.removed ? { tags: [CompletionItemTag.Deprecated] } : {}),
          ...(bare ? {} : { command: RETRIGGER }),
        });
      }
    }
    for (const k of TOP_KEYWORDS) {
      const n = sinceNote(k.since, target);
      items.push({
        label: k.label,
        kind: CompletionItemKind.Keyword,
        detail: `keyword${n.note}`,
        documentation: { kind: MarkupKind.Markdown, value: k.doc },
        textEdit: { range, newText: k.snippet },
        insertTextFormat: InsertTextFormat.Snippet,
        sortText: `${n.later ? '9' : '3'}${k.label}`,
      });
    }
    return { isIncomplete: false, items };
  }
  const segs = segments(word);
  const provider = segs[0] ?? '';
  const typed = segs.slice(1);
  const last = typed[typed.length - 1] ?? '';
  const lastStart = offset - last.length;
  const range = doc.range({ start: lastStart, end: offset });
  const t = probeType(provider);
  if (!t) return { isIncomplete: false, items: [] };
  const fixed = (values: readonly string[], kind: CompletionItemKind, more: boolean): CompletionList => ({
    isIncomplete: false,
    items: values.map((v) => ({
      label: v,
      kind,
      textEdit: { range, newText: more ? `${v}:` : v },
      ...(more ? { command: RETRIGGER } : {}),
    })),
  });
  if ((t.name === 'profile' || t.name === 'interval') && typed.length === 1) return fixed(PROFILE_UNITS, CompletionItemKind.Unit, true);
  if (t.name === 'software' && typed.length === 1) return fixed(SOFTWARE_EVENTS, CompletionItemKind.EnumMember, false);
  if (t.name === 'hardware' && typed.length === 1) return fixed(HARDWARE_EVENTS, CompletionItemKind.EnumMember, false);
  if (t.name === 'iter' && typed.length === 1) return fixed(['task', 'task_file', 'task_vma'], CompletionItemKind.EnumMember, false);
  const listAs = listProvider(provider, target);
  if (!listAs || !probes) return { isIncomplete: false, items: [] };
  // uprobe/usdt list one binary at a time: the path must be typed first
  const perBinary = listAs === 'uprobe' || listAs === 'usdt';
  if (perBinary && typed.length < 2) return { isIncomplete: false, items: [] };
  const binary = perBinary ? (typed[0] ?? '') : '';
  if (perBinary && (!binary.startsWith('/') || /[*?\n]/.test(binary))) return { isIncomplete: false, items: [] };
  const pattern = perBinary ? `${listAs}:${binary}:*` : `${listAs}:*`;
  const listed = await probes.list(pattern);
  if (!listed || 'error' in listed) return { isIncomplete: false, items: [] };
  const index = typed.length - 1;
  const labels = new Map<string, boolean>();
  for (const line of listed.lines) {
    const parts = segments(line).slice(1);
    if (parts.length <= index) continue;
    let match = true;
    for (let i = 0; i < index; i++) {
      if (parts[i] !== typed[i]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    const label = parts[index] ?? '';
    const more = parts.length > index + 1;
    labels.set(label, (labels.get(label) ?? false) || more);
  }
  let entries = [...labels.entries()];
  let incomplete = listed.truncated;
  if (entries.length > MAX_ITEMS) {
    const l = last.toLowerCase();
    entries = entries
      .filter(([k]) => k.toLowerCase().includes(l))
      .sort(([a], [b]) => Number(!a.toLowerCase().startsWith(l)) - Number(!b.toLowerCase().startsWith(l)) || a.localeCompare(b));
    if (entries.length > MAX_ITEMS) entries = entries.slice(0, MAX_ITEMS);
    incomplete = true;
  }
  return {
    isIncomplete: incomplete,
    items: entries.map(([label, more]) => ({
      label,
      kind: more ? CompletionItemKind.Module : CompletionItemKind.Event,
      detail: `${listed.node} · bpftrace -l`,
      textEdit: { range, newText: more ? `${label}:` : label },
      ...(more ? { command: RETRIGGER } : {}),
    })),
  };
}

/** Tracepoint/BTF fields of the probe around the cursor, from `bpftrace -lv`. */
export function parseFields(lines: readonly string[]): { name: string; type: string }[] {
  const out: { name: string; type: string }[] = [];
  for (const l of lines) {
    if (!/^\s+\S/.test(l)) continue;
    const m = /^\s+(.*?)\s*\b([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*;?\s*$/.exec(l);
    if (!m) continue;
    const name = m[2] ?? '';
    out.push({ name, type: `${m[1] ?? ''}${m[3] ?? ''}`.trim() });
  }
  return out;
}

async function fieldCompletions(doc: Doc, offset: number, start: number, probes: NodeProbes | undefined): Promise<CompletionList> {
  const item = doc.itemAt(offset);
  if (!item || item.kind !== 'probe' || !probes) return { isIncomplete: false, items: [] };
  const ap = item.attachPoints.find((a) =>
    ['tracepoint', 'rawtracepoint', 'fentry', 'fexit', 'kfunc', 'kretfunc'].includes(probeType(a.provider)?.name ?? ''),
  );
  if (!ap) return { isIncomplete: false, items: [] };
  const listAs =
    probeType(ap.provider)?.name === 'fexit' || probeType(ap.provider)?.name === 'kretfunc'
      ? versionAtLeast(doc.target.version, [0, 20])
        ? 'fexit'
        : 'kretfunc'
      : listProvider(ap.provider, doc.target);
  if (!listAs) return { isIncomplete: false, items: [] };
  const listed = await probes.list(`${listAs}:${ap.parts.join(':')}`, true);
  if (!listed || 'error' in listed) return { isIncomplete: false, items: [] };
  const seen = new Set<string>();
  const range = doc.range({ start, end: offset });
  const items: CompletionItem[] = [];
  for (const f of parseFields(listed.lines)) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    items.push({ label: f.name, kind: CompletionItemKind.Field, detail: f.type, textEdit: { range, newText: f.name } });
  }
  return { isIncomplete: false, items };
}

/** `$names` in a span of the text (lexer tokens). */
function varsIn(doc: Doc, span: Span): Map<string, Token[]> {
  const out = new Map<string, Token[]>();
  for (const t of doc.tokens) {
    if (t.start < span.start) continue;
    if (t.start >= span.end) break;
    if (t.kind !== 'var') continue;
    const list = out.get(t.text);
    if (list) list.push(t);
    else out.set(t.text, [t]);
  }
  return out;
}

function expressionCompletions(doc: Doc, offset: number): CompletionList {
  const target = doc.target;
  const w = wordBefore(doc.text, offset);
  const range = doc.range({ start: w.start, end: offset });
  const items: CompletionItem[] = [];
  const { symbols } = doc.analysis;
  if (w.sigil === '@') {
    for (const m of symbols.maps.values()) {
      const others = m.refs.filter((r) => !(r.start <= offset && offset <= r.end));
      if (others.length === 0) continue;
      const defs = m.defs.length;
      items.push({
        label: m.name,
        kind: CompletionItemKind.Variable,
        detail: `map · ${defs} assignment${defs === 1 ? '' : 's'}, ${m.refs.length} use${m.refs.length === 1 ? '' : 's'}`,
        textEdit: { range, newText: m.name },
        filterText: m.name,
      });
    }
    return { isIncomplete: false, items };
  }
  if (w.sigil === '$') {
    const item = doc.itemAt(offset);
    const scope = item ?? { start: 0, end: doc.text.length };
    for (const [name, toks] of varsIn(doc, scope)) {
      const others = toks.filter((t) => !(t.start <= offset && offset <= t.end));
      if (others.length === 0 || /^\$\d+$/.test(name)) continue;
      items.push({
        label: name,
        kind: CompletionItemKind.Variable,
        detail: `variable · line ${doc.lines.position(others[0]!.start).line + 1}`,
        textEdit: { range, newText: name },
        filterText: name,
      });
    }
    return { isIncomplete: false, items };
  }
  for (const k of KEYWORDS) items.push({ label: k, kind: CompletionItemKind.Keyword, textEdit: { range, newText: k }, sortText: `4${k}` });
  for (const b of BUILTINS) {
    const n = sinceNote(b.since, target, b.until);
    if (n.removed) continue;
    items.push({
      label: b.name,
      kind: CompletionItemKind.Constant,
      detail: `${b.type}${n.note}`,
      documentation: { kind: MarkupKind.Markdown, value: `${b.doc}\n\nsince bpftrace ${versionText(b.since)}` },
      textEdit: { range, newText: b.name },
      sortText: `${n.later ? '8' : '2'}${b.name}`,
    });
  }
  for (let i = 0; i < 6; i++)
    items.push({
      label: `arg${i}`,
      kind: CompletionItemKind.Constant,
      detail: `uint64 · argument ${i} (kprobe, uprobe, usdt)`,
      textEdit: { range, newText: `arg${i}` },
      sortText: `3arg${i}`,
    });
  for (const f of FUNCTIONS) {
    const n = sinceNote(f.since, target, f.until);
    if (n.removed) continue;
    const snippet = f.max === 0 ? `${f.name}()` : `${f.name}($1)`;
    items.push({
      label: f.name,
      kind: CompletionItemKind.Function,
      detail: `${f.signature}${n.note}`,
      documentation: { kind: MarkupKind.Markdown, value: functionDoc(f, target) },
      textEdit: { range, newText: snippet },
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `${n.later ? '8' : '1'}${f.name}`,
      ...(f.max > 0 ? { command: { title: 'signature', command: 'editor.action.triggerParameterHints' } } : {}),
    });
  }
  for (const item of doc.analysis.program.items) {
    if (item.kind === 'macro' || item.kind === 'fn') {
      items.push({
        label: item.name,
        kind: CompletionItemKind.Function,
        detail: item.kind === 'macro' ? 'macro' : 'function',
        textEdit: { range, newText: `${item.name}($1)` },
        insertTextFormat: InsertTextFormat.Snippet,
        sortText: `0${item.name}`,
      });
    }
  }
  return { isIncomplete: false, items };
}

function configCompletions(doc: Doc, offset: number): CompletionList {
  const w = wordBefore(doc.text, offset);
  const range = doc.range({ start: w.start, end: offset });
  return {
    isIncomplete: false,
    items: CONFIG_KEYS.map((k) => {
      const n = sinceNote(k.since, doc.target);
      return {
        label: k.name,
        kind: CompletionItemKind.Property,
        detail: `${k.values}${n.note}`,
        textEdit: { range, newText: `${k.name} = ` },
        sortText: `${n.later ? '9' : '1'}${k.name}`,
      };
    }),
  };
}

export async function completion(doc: Doc, offset: number, probes?: NodeProbes): Promise<CompletionList> {
  const ctx = cursorContext(doc.text, offset);
  switch (ctx.kind) {
    case 'none':
      return { isIncomplete: false, items: [] };
    case 'config':
      return configCompletions(doc, offset);
    case 'attach':
      return attachCompletions(doc, ctx.word, ctx.wordStart, offset, probes);
    case 'expr': {
      const w = wordBefore(doc.text, offset);
      if (w.sigil === '') {
        const member = memberBefore(doc.text, w.start);
        if (member === 'args') return fieldCompletions(doc, offset, w.start, probes);
        if (member !== undefined) return { isIncomplete: false, items: [] };
      }
      return expressionCompletions(doc, offset);
    }
  }
}

// ------------------------------------------------------------------------------------ hover

function attachPointAt(doc: Doc, offset: number): AttachPoint | undefined {
  for (const item of doc.analysis.program.items) {
    if (item.kind !== 'probe' || offset < item.start || offset > item.body.start) continue;
    const ap = item.attachPoints.find((a) => a.start <= offset && offset <= a.end);
    if (ap) return ap;
  }
  return undefined;
}

/** Canonical `bpftrace -l` pattern for a wildcard attach point (aliases resolved), or undefined. */
export function listPattern(ap: AttachPoint, target: Target): string | undefined {
  const t = probeType(ap.provider);
  if (!t) return undefined;
  const prov =
    t.name === 'kretprobe'
      ? 'kretprobe'
      : t.name === 'uretprobe'
        ? 'uretprobe'
        : t.name === 'fexit' || t.name === 'kretfunc'
          ? versionAtLeast(target.version, [0, 20])
            ? 'fexit'
            : 'kretfunc'
          : listProvider(ap.provider, target);
  return prov ? `${prov}:${ap.parts.join(':')}` : undefined;
}

export async function hover(doc: Doc, offset: number, probes?: NodeProbes): Promise<Hover | null> {
  const ap = attachPointAt(doc, offset);
  if (ap) {
    const t = probeType(ap.provider);
    if (!t) return null;
    let value = probeTypeDoc(t, doc.target);
    if (ap.wildcard && probes) {
      const pattern = listPattern(ap, doc.target);
      const r = pattern ? await probes.list(pattern) : undefined;
      if (r && !('error' in r)) {
        const n = r.lines.filter((l) => l.trim() !== '').length;
        value += `\n\n---\n**${n}${r.truncated ? '+' : ''} attach point${n === 1 ? '' : 's'}** match \`${ap.text}\` on ${r.node}${
          n > 0
            ? `: ${r.lines
                .slice(0, 5)
                .map((l) => `\`${l}\``)
                .join(', ')}${n > 5 ? ', …' : ''}`
            : ''
        }`;
      } else if (r && 'error' in r) value += `\n\n---\nCould not list matches on the node: ${r.error}`;
    }
    return { contents: { kind: MarkupKind.Markdown, value }, range: doc.range(ap) };
  }
  const t = doc.tokenAt(offset);
  if (!t) return null;
  const range = doc.range(t);
  const md = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });
  if (t.kind === 'map') {
    const m = doc.analysis.symbols.maps.get(t.text);
    if (!m) return null;
    const first = m.defs[0] ?? m.refs[0];
    const line = first ? doc.lines.position(first.start).line + 1 : 0;
    return md(
      `map \`${m.name}\`: ${m.defs.length} assignment${m.defs.length === 1 ? '' : 's'}, ${m.refs.length} use${m.refs.length === 1 ? '' : 's'}${first ? ` · first on line ${line}` : ''}`,
    );
  }
  if (t.kind === 'var') {
    const item = doc.itemAt(offset);
    const toks = varsIn(doc, item ?? { start: 0, end: doc.text.length }).get(t.text) ?? [];
    const first = toks[0];
    return md(
      `variable \`${t.text}\`${first ? ` · first on line ${doc.lines.position(first.start).line + 1}` : ''} · ${toks.length} use${toks.length === 1 ? '' : 's'} in this ${item?.kind === 'probe' ? 'probe' : (item?.kind ?? 'script')}`,
    );
  }
  if (t.kind !== 'ident') return null;
  const f = FUNCTION_BY_NAME.get(t.text);
  if (f) return md(functionDoc(f, doc.target));
  const b = BUILTINS.find((x) => x.name === t.text);
  if (b) {
    const n = sinceNote(b.since, doc.target, b.until);
    return md(
      [
        '```bpftrace',
        `${b.name}: ${b.type}`,
        '```',
        b.doc,
        '',
        `since bpftrace ${versionText(b.since)}`,
        ...(n.note ? ['', `⚠️${n.note}`] : []),
      ].join('\n'),
    );
  }
  if (/^arg\d+$/.test(t.text))
    return md(`\`${t.text}\`: argument ${t.text.slice(3)} of the traced function (kprobe, uprobe, usdt) as uint64`);
  const macro = doc.analysis.symbols.macros.get(t.text);
  if (macro)
    return md(
      `macro \`${t.text}\` (${macro.params} parameter${macro.params === 1 ? '' : 's'}) · defined on line ${doc.lines.position(macro.def.start).line + 1}`,
    );
  const key = CONFIG_KEYS.find((k) => k.name === t.text.toLowerCase().replace(/^bpftrace_/, ''));
  if (key && cursorContext(doc.text, offset).kind === 'config')
    return md(`config \`${key.name}\`: ${key.values} · since bpftrace ${versionText(key.since)}`);
  return null;
}

// ------------------------------------------------------------------------------------ signature help

export function signatureHelp(doc: Doc, offset: number): SignatureHelp | null {
  // walk back to the innermost unclosed '(' in the current statement
  let depth = 0;
  let commas = 0;
  let i = offset - 1;
  const stop = Math.max(0, offset - 2000);
  for (; i >= stop; i--) {
    const c = doc.text.charAt(i);
    if (c === ')' || c === ']') depth++;
    else if (c === '[') depth = Math.max(0, depth - 1);
    else if (c === '(') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) commas++;
    else if ((c === ';' || c === '{' || c === '}') && depth === 0) return null;
  }
  if (i < stop) return null;
  const ctx = cursorContext(doc.text, offset);
  if (ctx.kind !== 'expr') return null;
  const w = wordBefore(doc.text, i);
  const f = FUNCTION_BY_NAME.get(w.word);
  if (!f || w.sigil !== '') return null;
  const inner = /\((.*)\)/.exec(f.signature.split(' | ')[0] ?? '')?.[1] ?? '';
  const label = f.signature.split(' | ')[0] ?? f.signature;
  const params: { label: [number, number] }[] = [];
  let from = label.indexOf('(') + 1;
  for (const raw of inner.split(',')) {
    const p = raw.replace(/[[\]]/g, '').trim();
    if (!p) continue;
    const at = label.indexOf(p, from);
    if (at < 0) continue;
    params.push({ label: [at, at + p.length] });
    from = at + p.length;
  }
  return {
    signatures: [{ label, documentation: { kind: MarkupKind.Markdown, value: functionDoc(f, doc.target) }, parameters: params }],
    activeSignature: 0,
    activeParameter: Math.min(commas, Math.max(0, params.length - 1)),
  };
}

// ------------------------------------------------------------------------------------ symbols, folding

export function documentSymbols(doc: Doc): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const shorten = (s: string): string => (s.length > 80 ? `${s.slice(0, 79)}…` : s) || '(empty)';
  for (const item of doc.analysis.program.items) {
    const range = doc.range(item);
    switch (item.kind) {
      case 'probe': {
        const first = item.attachPoints[0];
        out.push({
          name: shorten(item.attachPoints.map((a) => a.text).join(', ')),
          ...(item.predicate ? { detail: shorten(doc.text.slice(item.predicate.start, item.predicate.end).replace(/\s+/g, ' ')) } : {}),
          kind: SymbolKind.Event,
          range,
          selectionRange: first ? doc.range(first) : range,
        });
        break;
      }
      case 'macro':
        out.push({ name: item.name, detail: 'macro', kind: SymbolKind.Function, range, selectionRange: doc.range(item.nameSpan) });
        break;
      case 'fn':
        out.push({
          name: item.name,
          detail: `fn (${item.params.map((p) => `${p.name}: ${p.type}`).join(', ')}): ${item.returnType}`,
          kind: SymbolKind.Function,
          range,
          selectionRange: doc.range(item.nameSpan),
        });
        break;
      case 'config':
        out.push({
          name: 'config',
          kind: SymbolKind.Namespace,
          range,
          selectionRange: range,
          children: item.entries.map((e) => ({
            name: e.key,
            detail: e.value,
            kind: SymbolKind.Property,
            range: doc.range(e),
            selectionRange: doc.range(e),
          })),
        });
        break;
      case 'mapDecl':
        out.push({ name: item.map, detail: item.type, kind: SymbolKind.Variable, range, selectionRange: doc.range(item.mapSpan) });
        break;
      default:
        break;
    }
  }
  // maps: where each is first assigned
  const declared = new Set(doc.analysis.program.items.flatMap((i) => (i.kind === 'mapDecl' ? [i.map] : [])));
  for (const m of doc.analysis.symbols.maps.values()) {
    const at = m.defs[0] ?? m.refs[0];
    if (!at || declared.has(m.name)) continue;
    out.push({
      name: m.name,
      detail: `map · ${m.refs.length} use${m.refs.length === 1 ? '' : 's'}`,
      kind: SymbolKind.Variable,
      range: doc.range(at),
      selectionRange: doc.range(at),
    });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

export function foldingRanges(doc: Doc): FoldingRange[] {
  const out: FoldingRange[] = [];
  const stack: number[] = [];
  for (const t of doc.tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '{') stack.push(t.start);
    else if (t.text === '}') {
      const open = stack.pop();
      if (open === undefined) continue;
      const a = doc.lines.position(open).line;
      const b = doc.lines.position(t.start).line;
      if (b - 1 > a) out.push({ startLine: a, endLine: b - 1 });
    }
  }
  // an unclosed block folds to the end
  for (const open of stack) {
    const a = doc.lines.position(open).line;
    const b = doc.lines.lineCount - 1;
    if (b > a) out.push({ startLine: a, endLine: b });
  }
  // comments: block comments over several lines, runs of line comments, // region markers
  const lex = new Lexer(doc.text);
  while (lex.next().kind !== 'eof');
  let run: { a: number; b: number } | undefined;
  const regions: number[] = [];
  const flush = (): void => {
    if (run && run.b > run.a) out.push({ startLine: run.a, endLine: run.b, kind: FoldingRangeKind.Comment });
    run = undefined;
  };
  for (const c of lex.comments) {
    const a = doc.lines.position(c.start).line;
    const b = doc.lines.position(c.end).line;
    if (c.block) {
      flush();
      if (b > a) out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Comment });
      continue;
    }
    const text = doc.text.slice(c.start, c.end);
    if (/^\/\/\s*#?region\b/.test(text)) {
      flush();
      regions.push(a);
      continue;
    }
    if (/^\/\/\s*#?endregion\b/.test(text)) {
      flush();
      const r = regions.pop();
      if (r !== undefined && a > r) out.push({ startLine: r, endLine: a, kind: FoldingRangeKind.Region });
      continue;
    }
    if (run && a === run.b + 1) run.b = a;
    else {
      flush();
      run = { a, b: a };
    }
  }
  flush();
  return out;
}

// ------------------------------------------------------------------------------------ definition, references, rename

interface SymbolAt {
  readonly name: string;
  readonly kind: 'map' | 'var' | 'macro';
  readonly defs: readonly Span[];
  readonly refs: readonly Span[];
  readonly at: Span;
}

export function symbolAt(doc: Doc, offset: number): SymbolAt | undefined {
  const t = doc.tokenAt(offset);
  if (!t) return undefined;
  if (t.kind === 'map' && t.text !== '@') {
    const m = doc.analysis.symbols.maps.get(t.text);
    if (!m) return undefined;
    return { name: m.name, kind: 'map', defs: m.defs.length ? m.defs : m.refs.slice(0, 1), refs: m.refs, at: t };
  }
  if (t.kind === 'var') {
    const item = doc.itemAt(offset);
    const toks = varsIn(doc, item ?? { start: 0, end: doc.text.length }).get(t.text) ?? [];
    return { name: t.text, kind: 'var', defs: toks.slice(0, 1), refs: toks, at: t };
  }
  if (t.kind === 'ident') {
    const m = doc.analysis.symbols.macros.get(t.text);
    if (m)
      return {
        name: t.text,
        kind: 'macro',
        defs: [m.def],
        refs: m.refs.map((r) => ({ start: r.start, end: r.start + t.text.length })),
        at: t,
      };
  }
  return undefined;
}

export function renameEdits(doc: Doc, offset: number, newName: string): TextEdit[] | string {
  const s = symbolAt(doc, offset);
  if (!s) return 'only maps, variables and macros can be renamed';
  const ok =
    s.kind === 'map'
      ? /^@[A-Za-z_]\w*$/.test(newName)
      : s.kind === 'var'
        ? /^\$[A-Za-z_]\w*$/.test(newName)
        : /^[A-Za-z_]\w*$/.test(newName);
  if (!ok) return `"${newName}" is not a valid ${s.kind} name (${s.kind === 'map' ? '@name' : s.kind === 'var' ? '$name' : 'name'})`;
  const seen = new Set<number>();
  const edits: TextEdit[] = [];
  for (const r of s.refs) {
    if (seen.has(r.start)) continue;
    seen.add(r.start);
    edits.push({ range: doc.range({ start: r.start, end: r.start + s.name.length }), newText: newName });
  }
  return edits;
}
