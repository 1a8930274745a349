import type { NodeConfig } from '../inventory/inventory';
import type { NodeListing, Runner } from '../nodes/listing';
import { listNode } from '../nodes/listing';
import type { NodeInfo } from '../remote/nodeInfo';
import type { KnownXlated } from './dumps';
import { xlatedTexts } from './dumps';
import type { Snapshot } from './model';
import { buildSnapshot, isTransient } from './model';

export type { KnownXlated } from './dumps';

export interface TakeOptions {
  readonly listing?: NodeListing;
  readonly note?: string;
  readonly now?: Date;
  /** instructions already stored, by (tag, xlated size): those programs are not dumped again */
  readonly known?: KnownXlated;
  /** told how many programs were dumped and how many came from `known` */
  readonly onDumps?: (d: { dumped: number; reused: number; runs: number }) => void;
}

/**
 * Take a snapshot of a node: its (scoped) listing, and the normalised xlated dump of every
 * deployed program (bpftrace's own programs are transient and skipped).
 */
export async function takeSnapshot(run: Runner, node: NodeConfig, info: NodeInfo, opts: TakeOptions = {}): Promise<Snapshot> {
  const listing = opts.listing ?? (await listNode(run, node.scope));
  const names = new Map(listing.maps.map((m) => [m.id, m.name]));
  const deployed = listing.programs.filter((p) => !isTransient(p.owners)).map((p) => p.program);
  const { texts, dumped, reused, runs } = await xlatedTexts(run, deployed, (id) => names.get(id), opts.known);
  opts.onDumps?.({ dumped, reused, runs });
  return buildSnapshot({
    node: node.name,
    takenAt: opts.now ?? new Date(),
    kernel: info.kernel,
    bootId: info.bootId,
    bpftoolVersion: info.bpftool?.version ?? '',
    scope: node.scope,
    listing,
    xlated: texts,
    ...(opts.note ? { note: opts.note } : {}),
  });
}
