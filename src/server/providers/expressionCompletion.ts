import type { CompletionItem, CompletionList, Range } from 'vscode-languageserver';
import { CompletionItemKind, InsertTextFormat, MarkupKind } from 'vscode-languageserver';
import { BUILTINS, versionText } from '../../core/bpftrace/catalog';
import { FUNCTIONS } from '../../core/bpftrace/functions';
import { functionDoc, sinceNote } from '../catalogDocs';
import { wordBefore } from '../context';
import type { Doc } from '../document';
import type { Target } from '../target';

/** Completion in a predicate or a block: after `@` the maps, after `$` the variables, else everything callable or readable. */

const KEYWORDS = ['if', 'else', 'while', 'for', 'unroll', 'return', 'break', 'continue', 'let'];

export function expressionCompletions(doc: Doc, offset: number): CompletionList {
  const w = wordBefore(doc.text, offset);
  const range = doc.range({ start: w.start, end: offset });
  if (w.sigil === '@') return { isIncomplete: false, items: mapItems(doc, offset, range) };
  if (w.sigil === '$') return { isIncomplete: false, items: variableItems(doc, offset, range) };
  return {
    isIncomplete: false,
    items: [
      ...KEYWORDS.map((k) => ({ label: k, kind: CompletionItemKind.Keyword, textEdit: { range, newText: k }, sortText: `4${k}` })),
      ...builtinItems(doc.target, range),
      ...argItems(range),
      ...functionItems(doc.target, range),
      ...scriptFunctionItems(doc, range),
    ],
  };
}

/** The script's maps, but for one used only where the cursor is (being typed). */
function mapItems(doc: Doc, offset: number, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const m of doc.analysis.symbols.maps.values()) {
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
  return items;
}

/** The variables of the enclosing item, but for one used only where the cursor is, and positional `$1`. */
function variableItems(doc: Doc, offset: number, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const [name, toks] of doc.varsAround(offset)) {
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
  return items;
}

function builtinItems(target: Target, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
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
  return items;
}

function argItems(range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (let i = 0; i < 6; i++)
    items.push({
      label: `arg${i}`,
      kind: CompletionItemKind.Constant,
      detail: `uint64 · argument ${i} (kprobe, uprobe, usdt)`,
      textEdit: { range, newText: `arg${i}` },
      sortText: `3arg${i}`,
    });
  return items;
}

function functionItems(target: Target, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
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
  return items;
}

/** The script's own macros and functions, first. */
function scriptFunctionItems(doc: Doc, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
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
  return items;
}
