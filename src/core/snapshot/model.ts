import { createHash } from 'node:crypto';
import type { AttachPoint, NodeListing } from '../nodes/listing';
import type { NodeScope } from '../inventory/inventory';

/**
 * A snapshot: what was deployed on a node at a time, as plain JSON. Written by the extension and
 * by `ebpf-lens snapshot`, read by both, diffed by `ebpf-lens diff` and the Deployments view.
 */
export const SNAPSHOT_VERSION = 1;

export interface SnapshotMap {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly keySize?: number;
  readonly valueSize?: number;
  readonly maxEntries?: number;
  readonly flags?: number;
  readonly pinned: readonly string[];
}

export interface SnapshotAttach {
  readonly kind: string;
  /** absent when this bpftool does not print it (a missing detail is not a change) */
  readonly target?: string;
}

export interface SnapshotProgram {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly tag: string;
  readonly loadedAt?: string;
  readonly uid?: number;
  readonly btfId?: number;
  readonly bytesXlated?: number;
  readonly bytesJited?: number;
  readonly bytesMemlock?: number;
  readonly maps: readonly SnapshotMap[];
  readonly attach: readonly SnapshotAttach[];
  readonly pinned: readonly string[];
  readonly owners: readonly { readonly pid: number; readonly comm?: string }[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** sha256 of the normalised instructions ('' when they could not be read) */
  readonly xlatedHash: string;
  /**
   * normalised `bpftool prog dump xlated` (map ids → names, no helper addresses). Present in a
   * snapshot just taken (and in self-contained files); a stored snapshot keeps it in
   * `objects/<xlatedHash>` beside the node folders, shared by every snapshot that has it.
   */
  readonly xlated?: string;
}

export interface Snapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly node: string;
  /** ISO time */
  readonly takenAt: string;
  readonly kernel: string;
  readonly bootId: string;
  readonly bpftoolVersion: string;
  readonly scope?: NodeScope;
  /** hash of what is deployed (no ids, times or owners): equal hashes = nothing changed */
  readonly contentHash: string;
  readonly programs: readonly SnapshotProgram[];
  /** programs of running bpftrace processes at the time (not part of the deployment) */
  readonly transient: number;
  /** free text the user attached (postmortem notes) */
  readonly note?: string;
}

/** A program that belongs to a running bpftrace (someone's trace, ours included), not to a deployment. */
export function isTransient(owners: readonly { readonly comm?: string }[]): boolean {
  return owners.some((o) => o.comm === 'bpftrace');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function hashText(text: string): string {
  return text === '' ? '' : createHash('sha256').update(text).digest('hex');
}

/**
 * The program is attached somewhere this node's bpftool does not name (bpftool 7.1 prints no
 * tracepoint for a perf_event link, no device for an XDP link): a reload may have moved it. A link
 * without detail is named well enough when another view (`bpftool net`, `bpftool perf`) gives the
 * same program's attach point.
 */
export function attachUnknown(p: Pick<SnapshotProgram, 'attach'>): boolean {
  const named = new Set(p.attach.filter((a) => a.target !== undefined).map((a) => a.kind.split(':')[0]));
  return p.attach.some((a) => a.target === undefined && !(a.kind.startsWith('link:') && (named.has('net') || named.has('perf'))));
}

/**
 * What identifies a deployment's content: everything but ids, load times, owners and sizes that
 * follow from the code — except where the attach point is unknown on this node: there the load
 * (id and time) stands for it, so that a redeploy that may have moved the program is recorded.
 */
export function contentHash(programs: readonly SnapshotProgram[]): string {
  return hashPrograms(programs, true);
}

/**
 * What the deployed code is, wherever and whenever it was loaded: the content hash without the
 * load identity. Two snapshots with the same code hash ran the same deployment (a rollback is
 * one whose code matches an earlier deployment's, even where the attach point is unknown).
 */
export function codeHash(programs: readonly SnapshotProgram[]): string {
  return hashPrograms(programs, false);
}

function hashPrograms(programs: readonly SnapshotProgram[], withLoad: boolean): string {
  const content = programs
    .map((p) => ({
      name: p.name,
      type: p.type,
      tag: p.tag,
      xlated: p.xlatedHash,
      attach: p.attach.map((a) => (a.target === undefined ? a.kind : `${a.kind}=${a.target}`)).sort(),
      ...(withLoad && attachUnknown(p) ? { load: `${p.id}@${p.loadedAt ?? ''}` } : {}),
      pinned: [...p.pinned].sort(),
      maps: p.maps.map((m) => ({
        name: m.name,
        type: m.type,
        k: m.keySize,
        v: m.valueSize,
        n: m.maxEntries,
        f: m.flags,
        pinned: [...m.pinned].sort(),
      })),
      metadata: p.metadata,
    }))
    .map(canonical)
    .sort();
  return createHash('sha256').update(content.join('\n')).digest('hex');
}

export interface SnapshotInput {
  readonly node: string;
  readonly takenAt: Date;
  readonly kernel: string;
  readonly bootId: string;
  readonly bpftoolVersion: string;
  readonly scope?: NodeScope | undefined;
  readonly listing: NodeListing;
  /** normalised xlated text per program id (missing → '') */
  readonly xlated: ReadonlyMap<number, string>;
  readonly note?: string;
}

function attachOf(a: AttachPoint): SnapshotAttach {
  return a.target ? { kind: `${a.via}:${a.kind}`, target: a.target } : { kind: `${a.via}:${a.kind}` };
}

/** Build a snapshot from a node listing (already scoped) and the programs' xlated dumps. */
export function buildSnapshot(i: SnapshotInput): Snapshot {
  const mapsById = new Map(i.listing.maps.map((m) => [m.id, m]));
  let transient = 0;
  const programs: SnapshotProgram[] = [];
  for (const lp of i.listing.programs) {
    if (isTransient(lp.owners)) {
      transient++;
      continue;
    }
    const p = lp.program;
    programs.push({
      id: p.id,
      name: p.name,
      type: p.type,
      tag: p.tag,
      ...(p.loadedAt !== undefined ? { loadedAt: new Date(p.loadedAt * 1000).toISOString() } : {}),
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
      ...(p.btfId !== undefined ? { btfId: p.btfId } : {}),
      ...(p.bytesXlated !== undefined ? { bytesXlated: p.bytesXlated } : {}),
      ...(p.bytesJited !== undefined ? { bytesJited: p.bytesJited } : {}),
      ...(p.bytesMemlock !== undefined ? { bytesMemlock: p.bytesMemlock } : {}),
      maps: p.mapIds.map((id) => {
        const m = mapsById.get(id);
        return {
          id,
          name: m?.name ?? `map ${id}`,
          type: m?.type ?? 'unknown',
          ...(m?.bytesKey !== undefined ? { keySize: m.bytesKey } : {}),
          ...(m?.bytesValue !== undefined ? { valueSize: m.bytesValue } : {}),
          ...(m?.maxEntries !== undefined ? { maxEntries: m.maxEntries } : {}),
          ...(m?.flags !== undefined ? { flags: m.flags } : {}),
          pinned: m?.pinned ?? [],
        };
      }),
      // one entry per attach kind: the same attachment seen through link and net is one
      attach: dedupeAttach(lp.attach.map(attachOf)),
      pinned: p.pinned,
      owners: lp.owners,
      metadata: p.metadata,
      xlatedHash: hashText(i.xlated.get(p.id) ?? ''),
      xlated: i.xlated.get(p.id) ?? '',
    });
  }
  programs.sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.id - b.id);
  return {
    version: SNAPSHOT_VERSION,
    node: i.node,
    takenAt: i.takenAt.toISOString(),
    kernel: i.kernel,
    bootId: i.bootId,
    bpftoolVersion: i.bpftoolVersion,
    ...(i.scope ? { scope: i.scope } : {}),
    contentHash: contentHash(programs),
    programs,
    transient,
    ...(i.note ? { note: i.note } : {}),
  };
}

function dedupeAttach(list: SnapshotAttach[]): SnapshotAttach[] {
  const out = new Map<string, SnapshotAttach>();
  for (const a of list) {
    const prev = out.get(a.kind);
    if (!prev || (!prev.target && a.target)) out.set(a.kind, a);
  }
  return [...out.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

export type SnapshotParse = { readonly snapshot: Snapshot } | { readonly error: string };

/** Read a snapshot file's text; never throws. */
export function parseSnapshot(text: string): SnapshotParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!doc || typeof doc !== 'object') return { error: 'not a snapshot object' };
  const d = doc as Record<string, unknown>;
  if (d['version'] !== SNAPSHOT_VERSION) return { error: `unknown snapshot version ${JSON.stringify(d['version'])}` };
  if (typeof d['node'] !== 'string' || typeof d['takenAt'] !== 'string' || !Array.isArray(d['programs'])) {
    return { error: 'missing node, takenAt or programs' };
  }
  for (const [i, p] of (d['programs'] as unknown[]).entries()) {
    const q = p as Record<string, unknown> | null;
    if (
      !q ||
      typeof q['name'] !== 'string' ||
      typeof q['type'] !== 'string' ||
      typeof q['tag'] !== 'string' ||
      !Array.isArray(q['maps']) ||
      !Array.isArray(q['attach'])
    ) {
      return { error: `program ${i + 1} is incomplete` };
    }
    if (typeof q['xlatedHash'] !== 'string') {
      // a self-contained file may carry the text only
      if (typeof q['xlated'] !== 'string') return { error: `program ${i + 1} has no instructions (xlatedHash)` };
      q['xlatedHash'] = hashText(q['xlated']);
    }
  }
  return { snapshot: doc as Snapshot };
}
