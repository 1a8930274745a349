import type { CompletionItem, CompletionList } from 'vscode-languageserver';
import { CompletionItemKind } from 'vscode-languageserver';
import { probeType } from '../../core/bpftrace/probeTypes';
import type { Doc } from '../document';
import type { NodeProbes } from '../nodeProbes';
import { listPattern } from '../nodeProbes';

/** Completion after `args.` / `args->`: the fields of the probe around the cursor, from the node's `bpftrace -lv`. */

const WITH_FIELDS = ['tracepoint', 'rawtracepoint', 'fentry', 'fexit', 'kfunc', 'kretfunc'];

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

export async function fieldCompletions(doc: Doc, offset: number, start: number, probes: NodeProbes | undefined): Promise<CompletionList> {
  const item = doc.itemAt(offset);
  if (!item || item.kind !== 'probe' || !probes) return { isIncomplete: false, items: [] };
  const ap = item.attachPoints.find((a) => WITH_FIELDS.includes(probeType(a.provider)?.name ?? ''));
  // the pattern of the first attach point with fields (fexit/kretfunc keep their own provider)
  const pattern = ap ? listPattern(ap, doc.target) : undefined;
  if (!pattern) return { isIncomplete: false, items: [] };
  const listed = await probes.list(pattern, true);
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
