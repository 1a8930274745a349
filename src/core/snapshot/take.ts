import { normalizeXlated, xlatedDump } from '../bpftool/xlated';
import { mapLimit } from '../concurrency';
import type { NodeConfig } from '../inventory';
import type { NodeListing, Runner } from '../listing';
import { listNode } from '../listing';
import type { NodeInfo } from '../nodeInfo';
import type { Snapshot } from './model';
import { buildSnapshot, isTransient } from './model';

/**
 * Take a snapshot of a node: its (scoped) listing, and the normalised xlated dump of every
 * deployed program (bpftrace's own programs are transient and skipped).
 */
export async function takeSnapshot(run: Runner, node: NodeConfig, info: NodeInfo, opts: { listing?: NodeListing; note?: string; now?: Date } = {}): Promise<Snapshot> {
  const listing = opts.listing ?? (await listNode(run, node.scope));
  const names = new Map(listing.maps.map((m) => [m.id, m.name]));
  const xlated = new Map<number, string>();
  const deployed = listing.programs.filter((p) => !isTransient(p.owners));
  await mapLimit(deployed, 8, async (lp) => {
    try {
      xlated.set(lp.program.id, normalizeXlated(await run(xlatedDump(lp.program.id)), (id) => names.get(id)));
    } catch {
      // unloaded between the listing and the dump: the snapshot keeps it without instructions
      xlated.set(lp.program.id, '');
    }
  });
  return buildSnapshot({
    node: node.name,
    takenAt: opts.now ?? new Date(),
    kernel: info.kernel,
    bootId: info.bootId,
    bpftoolVersion: info.bpftool?.version ?? '',
    scope: node.scope,
    listing,
    xlated,
    ...(opts.note ? { note: opts.note } : {}),
  });
}
