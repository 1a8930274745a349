import type { CompletionItem, CompletionList, Range } from 'vscode-languageserver';
import { CompletionItemKind, CompletionItemTag, InsertTextFormat, MarkupKind } from 'vscode-languageserver';
import type { Version } from '../../core/bpftrace/catalog';
import { PROBE_TYPES, probeType } from '../../core/bpftrace/probeTypes';
import { splitAttachPoint } from '../../core/bpftrace/attachPoints';
import { probeTypeDoc, sinceNote } from '../catalogDocs';
import type { Doc } from '../document';
import type { NodeProbes } from '../nodeProbes';
import { listProvider } from '../nodeProbes';
import type { Target } from '../target';

/** Completion in a probe header: probe types and top-level keywords, then each part of an attach point. */

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
const RETRIGGER = { title: 'more', command: 'editor.action.triggerSuggest' };

/** An attach point's provider and parts, as the analyser splits them. */
function segments(text: string): string[] {
  const a = splitAttachPoint(text, 0);
  return [a.provider, ...a.parts];
}

export async function attachCompletions(
  doc: Doc,
  word: string,
  wordStart: number,
  offset: number,
  probes: NodeProbes | undefined,
): Promise<CompletionList> {
  if (word.indexOf(':') < 0)
    return { isIncomplete: false, items: probeTypeItems(doc.target, doc.range({ start: wordStart, end: offset })) };
  const segs = segments(word);
  const provider = segs[0] ?? '';
  const typed = segs.slice(1);
  const last = typed[typed.length - 1] ?? '';
  const range = doc.range({ start: offset - last.length, end: offset });
  const t = probeType(provider);
  if (!t) return { isIncomplete: false, items: [] };
  const fixed = typed.length === 1 ? fixedPart(t.name) : undefined;
  if (fixed) {
    return {
      isIncomplete: false,
      items: fixed.values.map((v) => ({
        label: v,
        kind: fixed.kind,
        textEdit: { range, newText: fixed.more ? `${v}:` : v },
        ...(fixed.more ? { command: RETRIGGER } : {}),
      })),
    };
  }
  return listedCompletions(doc.target, provider, typed, range, probes);
}

/** The first word of a probe: every probe type and alias, and the top-level keywords. */
function probeTypeItems(target: Target, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
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
  return items;
}

/** The probe types whose first part is one of a fixed set, known without a node. */
function fixedPart(probe: string): { values: readonly string[]; kind: CompletionItemKind; more: boolean } | undefined {
  switch (probe) {
    case 'profile':
    case 'interval':
      return { values: PROFILE_UNITS, kind: CompletionItemKind.Unit, more: true };
    case 'software':
      return { values: SOFTWARE_EVENTS, kind: CompletionItemKind.EnumMember, more: false };
    case 'hardware':
      return { values: HARDWARE_EVENTS, kind: CompletionItemKind.EnumMember, more: false };
    case 'iter':
      return { values: ['task', 'task_file', 'task_vma'], kind: CompletionItemKind.EnumMember, more: false };
    default:
      return undefined;
  }
}

/** The part being typed, from the node's `bpftrace -l`: the values that follow the parts typed before it. */
async function listedCompletions(
  target: Target,
  provider: string,
  typed: readonly string[],
  range: Range,
  probes: NodeProbes | undefined,
): Promise<CompletionList> {
  const listAs = listProvider(provider, target);
  if (!listAs || !probes) return { isIncomplete: false, items: [] };
  // uprobe/usdt list one binary at a time: the path must be typed first
  const perBinary = listAs === 'uprobe' || listAs === 'usdt';
  if (perBinary && typed.length < 2) return { isIncomplete: false, items: [] };
  const binary = perBinary ? (typed[0] ?? '') : '';
  if (perBinary && (!binary.startsWith('/') || /[*?\n]/.test(binary))) return { isIncomplete: false, items: [] };
  const listed = await probes.list(perBinary ? `${listAs}:${binary}:*` : `${listAs}:*`);
  if (!listed || 'error' in listed) return { isIncomplete: false, items: [] };
  let entries = [...nextParts(listed.lines, typed)];
  let incomplete = listed.truncated;
  if (entries.length > MAX_ITEMS) {
    entries = bestMatches(entries, typed[typed.length - 1] ?? '');
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

/** Each value of the last typed part's place in the listed lines that match the parts before it, and whether more parts follow. */
function nextParts(lines: readonly string[], typed: readonly string[]): Map<string, boolean> {
  const index = typed.length - 1;
  const labels = new Map<string, boolean>();
  for (const line of lines) {
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
  return labels;
}

/** Too many to send: those containing what was typed, the ones starting with it first, at most MAX_ITEMS. */
function bestMatches(entries: [string, boolean][], last: string): [string, boolean][] {
  const l = last.toLowerCase();
  const best = entries
    .filter(([k]) => k.toLowerCase().includes(l))
    .sort(([a], [b]) => Number(!a.toLowerCase().startsWith(l)) - Number(!b.toLowerCase().startsWith(l)) || a.localeCompare(b));
  return best.length > MAX_ITEMS ? best.slice(0, MAX_ITEMS) : best;
}
