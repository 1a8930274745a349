import type { ScriptDiagnostic } from './diagnostics';

/**
 * Where the script a node runs came from in a document, so that what bpftrace says at a line and
 * column of it (a compile error, a warning, a runtime_error, errorf or warnf of 0.24+) is shown
 * where the user wrote it. The script may be the whole document, a selection, one probe block with
 * the file's other items, and it may carry text eBPF Lens added (probe-hit counting): every piece
 * copied from the document is mapped, anything else is eBPF Lens's own and maps nowhere.
 */
export interface ScriptOrigin {
  readonly uri: string;
  /** runs of the script copied from the document: [start in the script, start in the document, length], ascending */
  readonly pieces: readonly Piece[];
}

export type Piece = readonly [script: number, document: number, length: number];

/** text added to a script: at an offset of the script before any addition, this many characters */
export interface Insertion {
  readonly at: number;
  readonly length: number;
}

/** a script copied whole from the document, starting at `start` there */
export function copiedFrom(uri: string, start: number, length: number): ScriptOrigin {
  return { uri, pieces: length > 0 ? [[0, start, length]] : [] };
}

/**
 * The origin of the script with text inserted (insertions ascending, offsets of the script before
 * them); its text from `kept` on was dropped (what follows it is added too).
 */
export function withInsertions(origin: ScriptOrigin, inserted: readonly Insertion[], kept: number): ScriptOrigin {
  const pieces: Piece[] = [];
  for (const [s, d, len] of origin.pieces) {
    const end = Math.min(s + len, kept);
    let from = s;
    while (from < end) {
      // the text before `from` moved by every insertion at or before it
      const shift = inserted.filter((i) => i.at <= from).reduce((a, i) => a + i.length, 0);
      const next = inserted.find((i) => i.at > from && i.at < end)?.at ?? end;
      pieces.push([from + shift, d + (from - s), next - from]);
      from = next;
    }
  }
  return { uri: origin.uri, pieces };
}

/** the document offset of a script offset, or undefined when that text is eBPF Lens's own */
export function documentOffset(origin: ScriptOrigin, offset: number): number | undefined {
  for (const [s, d, len] of origin.pieces) if (offset >= s && offset < s + len) return d + (offset - s);
  // the end of the last piece (a diagnostic just past the last character) is still the user's
  const last = origin.pieces[origin.pieces.length - 1];
  return last && offset === last[0] + last[2] ? last[1] + last[2] : undefined;
}

/** A diagnostic of a run placed in its document: offsets there, and the nodes that said it. */
export interface PlacedDiagnostic {
  readonly start: number;
  /** exclusive; undefined when bpftrace gave a column only */
  readonly end: number | undefined;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly nodes: readonly string[];
}

/**
 * What each node's bpftrace said at a line and column of the script it ran, placed in the
 * document: said once however often it came (a runtime_error per event) and by however many
 * nodes (named); what points into eBPF Lens's own text, or has no line, is left out.
 */
export function placeDiagnostics(
  runScript: string,
  origin: ScriptOrigin,
  said: readonly { readonly node: string; readonly diagnostics: readonly ScriptDiagnostic[] }[],
): PlacedDiagnostic[] {
  const starts = [0];
  for (let i = 0; i < runScript.length; i++) if (runScript.charCodeAt(i) === 10) starts.push(i + 1);
  const at = (line: number, col: number): number | undefined => {
    const ls = starts[line - 1];
    return ls === undefined ? undefined : documentOffset(origin, ls + Math.max(0, col - 1));
  };
  const out = new Map<string, { d: Omit<PlacedDiagnostic, 'nodes'>; nodes: string[] }>();
  for (const { node, diagnostics } of said)
    for (const d of diagnostics) {
      if (d.line === undefined) continue;
      const start = at(d.line, d.col ?? 1);
      if (start === undefined) continue;
      const endAt = d.endCol !== undefined ? at(d.endLine ?? d.line, d.endCol) : undefined;
      const end = endAt !== undefined && endAt > start ? endAt : undefined;
      const key = `${start}\u0000${end ?? ''}\u0000${d.severity}\u0000${d.message}`;
      const seen = out.get(key) ?? { d: { start, end, severity: d.severity, message: d.message }, nodes: [] };
      if (!seen.nodes.includes(node)) seen.nodes.push(node);
      out.set(key, seen);
    }
  return [...out.values()].map(({ d, nodes }) => ({ ...d, nodes }));
}
