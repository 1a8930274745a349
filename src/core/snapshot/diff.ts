// a static import: esbuild keeps only diffArrays of diff's ES module build (a lazy require would
// bundle all of its CommonJS build)
import { diffArrays } from 'diff';
import type { Snapshot, SnapshotProgram } from './model';
import { attachUnknown } from './model';

/**
 * What changed between two snapshots (two times of one node, or two nodes). Programs are
 * matched by identity — name, type and attach kinds (ids change on every load; attach detail one
 * bpftool version lacks is not a change) — and, among programs of the same identity, by pinned
 * path, then by load order. Two times of one node are compared more closely: a program reloaded
 * where the node's bpftool cannot name its attach point may have moved, and is reported so.
 */

export type ChangeStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export type Reason =
  | { readonly kind: 'tag'; readonly before: string; readonly after: string }
  | { readonly kind: 'instructions'; readonly added: number; readonly removed: number }
  | { readonly kind: 'maps'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'mapDefinition'; readonly map: string; readonly field: string; readonly before: unknown; readonly after: unknown }
  | { readonly kind: 'attach'; readonly attachKind: string; readonly before: string; readonly after: string }
  /** reloaded (new id or load time) where the node's bpftool does not name the attach point */
  | { readonly kind: 'attachUnknown'; readonly bpftool: string; readonly beforeId: number; readonly afterId: number }
  | { readonly kind: 'pins'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'metadata'; readonly key: string; readonly before: unknown; readonly after: unknown };

export interface ProgramChange {
  readonly status: ChangeStatus;
  /** name · type, what a person calls the program */
  readonly label: string;
  readonly before?: SnapshotProgram;
  readonly after?: SnapshotProgram;
  readonly reasons: readonly Reason[];
  /** offset-free instructions of both sides, when they differ (for hunks and diff editors) */
  readonly instructions?: { readonly before: string; readonly after: string };
}

/** Where a program's instruction text comes from (a stored snapshot keeps it in objects/). */
export type XlatedSource = (p: SnapshotProgram) => string | undefined;
export const inlineXlated: XlatedSource = (p) => p.xlated;

export interface SnapshotDiff {
  readonly before: { readonly node: string; readonly takenAt: string; readonly contentHash: string };
  readonly after: { readonly node: string; readonly takenAt: string; readonly contentHash: string };
  readonly programs: readonly ProgramChange[];
  readonly summary: Readonly<Record<ChangeStatus, number>>;
  /** nothing deployed differs */
  readonly same: boolean;
}

export function identity(p: SnapshotProgram): string {
  return `${p.name}\u0000${p.type}\u0000${p.attach.map((a) => a.kind).join(',')}`;
}

/** Instruction lines without their offsets (`  12: (15) …` → `(15) …`): an inserted instruction does not shift the rest. */
export function instructionsForDiff(xlated: string): string {
  return xlated.replace(/^[ \t]*\d+:[ \t]/gm, '');
}

/**
 * Lines added and removed between two texts. Lines are interned to numbers first and the common
 * head and tail are cut off, so the diff (jsdiff's Myers) runs on a short array of integers.
 */
export function countLineChanges(a: string, b: string): { added: number; removed: number } {
  const la = a.split('\n');
  const lb = b.split('\n');
  let head = 0;
  while (head < la.length && head < lb.length && la[head] === lb[head]) head++;
  let tail = 0;
  while (tail < la.length - head && tail < lb.length - head && la[la.length - 1 - tail] === lb[lb.length - 1 - tail]) tail++;
  const ids = new Map<string, number>();
  const intern = (l: string): number => {
    let id = ids.get(l);
    if (id === undefined) ids.set(l, (id = ids.size));
    return id;
  };
  const xa = la.slice(head, la.length - tail).map(intern);
  const xb = lb.slice(head, lb.length - tail).map(intern);
  let added = 0;
  let removed = 0;
  for (const part of diffArrays(xa, xb)) {
    if (part.added) added += part.value.length;
    else if (part.removed) removed += part.value.length;
  }
  return { added, removed };
}

function pair(before: SnapshotProgram[], after: SnapshotProgram[]): [SnapshotProgram | undefined, SnapshotProgram | undefined][] {
  const pairs: [SnapshotProgram | undefined, SnapshotProgram | undefined][] = [];
  const restA = [...before].sort((x, y) => x.id - y.id);
  const restB = [...after].sort((x, y) => x.id - y.id);
  // same pinned path first
  for (const a of [...restA]) {
    const bi = restB.findIndex((b) => b.pinned.some((p) => a.pinned.includes(p)));
    if (bi >= 0) {
      pairs.push([a, restB[bi]]);
      restB.splice(bi, 1);
      restA.splice(restA.indexOf(a), 1);
    }
  }
  // then load order
  const n = Math.max(restA.length, restB.length);
  for (let i = 0; i < n; i++) pairs.push([restA[i], restB[i]]);
  return pairs;
}

/** How two snapshots relate: two times of one node, or two nodes (ids and load times compare only within a node). */
interface Sides {
  readonly sameNode: boolean;
  readonly bpftool: readonly [string, string];
}

/** A reload of a program whose attach point one side cannot name: it may have moved. */
function unknownMove(a: SnapshotProgram, b: SnapshotProgram, sides: Sides): Reason | undefined {
  if (!sides.sameNode || (a.id === b.id && a.loadedAt === b.loadedAt)) return undefined;
  const [ua, ub] = [attachUnknown(a), attachUnknown(b)];
  if (!ua && !ub) return undefined;
  return { kind: 'attachUnknown', bpftool: ub ? sides.bpftool[1] : sides.bpftool[0], beforeId: a.id, afterId: b.id };
}

function reasonsFor(
  a: SnapshotProgram,
  b: SnapshotProgram,
  source: XlatedSource,
  texts: { before: string; after: string }[],
  sides: Sides,
): Reason[] {
  const r: Reason[] = [];
  if (a.tag !== b.tag) r.push({ kind: 'tag', before: a.tag, after: b.tag });
  // equal hashes: same instructions, no text needed
  if (a.xlatedHash !== b.xlatedHash && a.xlatedHash !== '' && b.xlatedHash !== '') {
    const ta = source(a);
    const tb = source(b);
    if (ta !== undefined && tb !== undefined) {
      const da = instructionsForDiff(ta);
      const db = instructionsForDiff(tb);
      if (da !== db) {
        const { added, removed } = countLineChanges(da, db);
        r.push({ kind: 'instructions', added, removed });
        texts.push({ before: da, after: db });
      }
    }
  }
  const mapsA = new Map(a.maps.map((m) => [m.name, m]));
  const mapsB = new Map(b.maps.map((m) => [m.name, m]));
  const addedMaps = [...mapsB.keys()].filter((k) => !mapsA.has(k));
  const removedMaps = [...mapsA.keys()].filter((k) => !mapsB.has(k));
  if (addedMaps.length || removedMaps.length) r.push({ kind: 'maps', added: addedMaps, removed: removedMaps });
  for (const [name, ma] of mapsA) {
    const mb = mapsB.get(name);
    if (!mb) continue;
    for (const field of ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const) {
      if (ma[field] !== mb[field]) r.push({ kind: 'mapDefinition', map: name, field, before: ma[field], after: mb[field] });
    }
  }
  for (const aa of a.attach) {
    const ab = b.attach.find((x) => x.kind === aa.kind);
    // detail one bpftool version does not print is not a change
    if (ab && aa.target && ab.target && aa.target !== ab.target)
      r.push({ kind: 'attach', attachKind: aa.kind, before: aa.target, after: ab.target });
  }
  const moved = unknownMove(a, b, sides);
  if (moved) r.push(moved);
  const pinsAdded = b.pinned.filter((p) => !a.pinned.includes(p));
  const pinsRemoved = a.pinned.filter((p) => !b.pinned.includes(p));
  if (pinsAdded.length || pinsRemoved.length) r.push({ kind: 'pins', added: pinsAdded, removed: pinsRemoved });
  for (const key of new Set([...Object.keys(a.metadata), ...Object.keys(b.metadata)])) {
    if (JSON.stringify(a.metadata[key]) !== JSON.stringify(b.metadata[key]))
      r.push({ kind: 'metadata', key, before: a.metadata[key], after: b.metadata[key] });
  }
  return r;
}

export function diffSnapshots(a: Snapshot, b: Snapshot, source: XlatedSource = inlineXlated): SnapshotDiff {
  const groups = new Map<string, { before: SnapshotProgram[]; after: SnapshotProgram[] }>();
  const group = (k: string): { before: SnapshotProgram[]; after: SnapshotProgram[] } => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { before: [], after: [] }));
    return g;
  };
  for (const p of a.programs) group(identity(p)).before.push(p);
  for (const p of b.programs) group(identity(p)).after.push(p);
  // a file written before snapshots named their bpftool has no version
  const sides: Sides = { sameNode: a.node === b.node, bpftool: [a.bpftoolVersion ?? '', b.bpftoolVersion ?? ''] };
  const programs: ProgramChange[] = [];
  for (const g of groups.values()) {
    for (const [x, y] of pair(g.before, g.after)) {
      const p = (y ?? x) as SnapshotProgram;
      const label = `${p.name || '(no name)'} · ${p.type}`;
      if (!x) programs.push({ status: 'added', label, after: y as SnapshotProgram, reasons: [] });
      else if (!y) programs.push({ status: 'removed', label, before: x, reasons: [] });
      else {
        const texts: { before: string; after: string }[] = [];
        const reasons = reasonsFor(x, y, source, texts, sides);
        programs.push({
          status: reasons.length ? 'changed' : 'unchanged',
          label,
          before: x,
          after: y,
          reasons,
          ...(texts[0] ? { instructions: texts[0] } : {}),
        });
      }
    }
  }
  const order: Record<ChangeStatus, number> = { changed: 0, added: 1, removed: 2, unchanged: 3 };
  programs.sort((p, q) => order[p.status] - order[q.status] || p.label.localeCompare(q.label));
  const summary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const p of programs) summary[p.status]++;
  return {
    before: { node: a.node, takenAt: a.takenAt, contentHash: a.contentHash },
    after: { node: b.node, takenAt: b.takenAt, contentHash: b.contentHash },
    programs,
    summary,
    same: summary.added === 0 && summary.removed === 0 && summary.changed === 0,
  };
}

export function reasonText(r: Reason): string {
  switch (r.kind) {
    case 'tag':
      return `tag ${r.before} → ${r.after}`;
    case 'instructions':
      return `instructions +${r.added} −${r.removed}`;
    case 'maps':
      return `maps${r.added.length ? ` +${r.added.join(', +')}` : ''}${r.removed.length ? ` −${r.removed.join(', −')}` : ''}`;
    case 'mapDefinition':
      return `map ${r.map}: ${r.field} ${String(r.before)} → ${String(r.after)}`;
    case 'attach':
      return `attach point ${r.before} → ${r.after}`;
    case 'attachUnknown':
      return `attach point unknown on this node (bpftool ${r.bpftool || 'version unknown'}): reloaded (${r.beforeId === r.afterId ? `#${r.afterId} at another time` : `#${r.beforeId} → #${r.afterId}`}), it may have moved`;
    case 'pins':
      return `pins${r.added.length ? ` +${r.added.join(', +')}` : ''}${r.removed.length ? ` −${r.removed.join(', −')}` : ''}`;
    case 'metadata':
      return `metadata ${r.key}: ${JSON.stringify(r.before)} → ${JSON.stringify(r.after)}`;
  }
}

/** Program name × node → tag, for a fleet matrix. */
export function fleetMatrix(snapshots: readonly Snapshot[]): {
  programs: string[];
  nodes: string[];
  tags: Record<string, Record<string, string[]>>;
} {
  const tags: Record<string, Record<string, string[]>> = {};
  for (const s of snapshots) {
    for (const p of s.programs) {
      const key = `${p.name} · ${p.type}`;
      ((tags[key] ??= {})[s.node] ??= []).push(p.tag);
    }
  }
  return { programs: Object.keys(tags).sort(), nodes: snapshots.map((s) => s.node), tags };
}
