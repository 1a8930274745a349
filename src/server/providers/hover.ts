import type { Hover } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { AttachPoint } from '../../core/bpftrace/ast';
import { BUILTINS, CONFIG_KEYS, versionText } from '../../core/bpftrace/catalog';
import { FUNCTION_BY_NAME } from '../../core/bpftrace/functions';
import { probeType } from '../../core/bpftrace/probeTypes';
import type { Token } from '../../core/bpftrace/lexer';
import { functionDoc, probeTypeDoc, sinceNote } from '../catalogDocs';
import { cursorContext } from '../context';
import type { Doc } from '../document';
import type { NodeProbes } from '../nodeProbes';
import { listPattern } from '../nodeProbes';
import type { ListProbesResult } from '../protocol';
import type { Provider } from '../provider';
import { docAt, guardAsync } from '../provider';

/** Hover: an attach point's probe type (and a wildcard's matches on the node), a map, a variable, a catalog entry, a macro. */
export async function hover(doc: Doc, offset: number, probes?: NodeProbes): Promise<Hover | null> {
  const ap = attachPointAt(doc, offset);
  if (ap) return attachPointHover(doc, ap, probes);
  const t = doc.tokenAt(offset);
  if (!t) return null;
  const value = tokenHover(doc, offset, t);
  return value === undefined ? null : { contents: { kind: MarkupKind.Markdown, value }, range: doc.range(t) };
}

function attachPointAt(doc: Doc, offset: number): AttachPoint | undefined {
  for (const item of doc.analysis.program.items) {
    if (item.kind !== 'probe' || offset < item.start || offset > item.body.start) continue;
    const ap = item.attachPoints.find((a) => a.start <= offset && offset <= a.end);
    if (ap) return ap;
  }
  return undefined;
}

async function attachPointHover(doc: Doc, ap: AttachPoint, probes: NodeProbes | undefined): Promise<Hover | null> {
  const t = probeType(ap.provider);
  if (!t) return null;
  let value = probeTypeDoc(t, doc.target, ap.provider);
  if (ap.wildcard && probes) {
    const pattern = listPattern(ap, doc.target);
    const r = pattern ? await probes.list(pattern) : undefined;
    if (r) value += matchesNote(ap, r);
  }
  return { contents: { kind: MarkupKind.Markdown, value }, range: doc.range(ap) };
}

/** How many attach points a wildcard matches on the node, and the first few. */
function matchesNote(ap: AttachPoint, r: ListProbesResult): string {
  if ('error' in r) return `\n\n---\nCould not list matches on the node: ${r.error}`;
  const n = r.lines.filter((l) => l.trim() !== '').length;
  return `\n\n---\n**${n}${r.truncated ? '+' : ''} attach point${n === 1 ? '' : 's'}** match \`${ap.text}\` on ${r.node}${
    n > 0
      ? `: ${r.lines
          .slice(0, 5)
          .map((l) => `\`${l}\``)
          .join(', ')}${n > 5 ? ', …' : ''}`
      : ''
  }`;
}

/** The Markdown for the token under the cursor, undefined when there is nothing to say. */
function tokenHover(doc: Doc, offset: number, t: Token): string | undefined {
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (t.kind === 'map') {
    const m = doc.analysis.symbols.maps.get(t.text);
    if (!m) return undefined;
    const first = m.defs[0] ?? m.refs[0];
    const line = first ? doc.lines.position(first.start).line + 1 : 0;
    return `map \`${m.name}\`: ${plural(m.defs.length, 'assignment')}, ${plural(m.refs.length, 'use')}${first ? ` · first on line ${line}` : ''}`;
  }
  if (t.kind === 'var') {
    const item = doc.itemAt(offset);
    const toks = doc.varsAround(offset).get(t.text) ?? [];
    const first = toks[0];
    return `variable \`${t.text}\`${first ? ` · first on line ${doc.lines.position(first.start).line + 1}` : ''} · ${plural(toks.length, 'use')} in this ${item?.kind === 'probe' ? 'probe' : (item?.kind ?? 'script')}`;
  }
  if (t.kind !== 'ident') return undefined;
  const f = FUNCTION_BY_NAME.get(t.text);
  if (f) return functionDoc(f, doc.target);
  const b = BUILTINS.find((x) => x.name === t.text);
  if (b) {
    const n = sinceNote(b.since, doc.target, b.until);
    const note = n.note ? ['', `⚠️${n.note}`] : [];
    return ['```bpftrace', `${b.name}: ${b.type}`, '```', b.doc, '', `since bpftrace ${versionText(b.since)}`, ...note].join('\n');
  }
  if (/^arg\d+$/.test(t.text)) return `\`${t.text}\`: argument ${t.text.slice(3)} of the traced function (kprobe, uprobe, usdt) as uint64`;
  const macro = doc.analysis.symbols.macros.get(t.text);
  if (macro)
    return `macro \`${t.text}\` (${plural(macro.params, 'parameter')}) · defined on line ${doc.lines.position(macro.def.start).line + 1}`;
  const key = CONFIG_KEYS.find((k) => k.name === t.text.toLowerCase().replace(/^bpftrace_/, ''));
  if (key && cursorContext(doc.text, offset).kind === 'config')
    return `config \`${key.name}\`: ${key.values} · since bpftrace ${versionText(key.since)}`;
  return undefined;
}

export const hoverProvider: Provider = {
  capabilities: { hoverProvider: true },
  register(ctx) {
    ctx.connection.onHover((p) =>
      guardAsync(
        ctx,
        'hover',
        async () => {
          const at = docAt(ctx, p);
          return at ? hover(at.doc, at.offset, ctx.probes) : null;
        },
        null,
      ),
    );
  },
};
