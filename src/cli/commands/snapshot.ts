import { mapLimit } from '../../core/base/concurrency';
import { errorKind, errorMessage } from '../../core/base/errors';
import type { NodeConfig } from '../../core/inventory/inventory';
import { knownFromStore } from '../../core/snapshot/known';
import { SnapshotStore } from '../../core/snapshot/store';
import { takeSnapshot } from '../../core/snapshot/take';
import { NodeClient } from '../../ssh/nodeClient';
import type { CliIO } from '../common';
import { positiveSeconds } from '../common';
import { Exit, exitCodeFor } from '../exitCodes';
import type { Parsed } from '../options';
import { fleetExit, openSelection } from '../select';

interface Taken {
  readonly node: string;
  readonly kind?: string;
  readonly code: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
}

async function snapshotOne(
  node: NodeConfig,
  inventory: readonly NodeConfig[],
  ctx: Parameters<typeof NodeClient.open>[2],
  store: SnapshotStore,
  note: string | undefined,
): Promise<Taken> {
  let client: NodeClient | undefined;
  try {
    client = await NodeClient.open(node, inventory, ctx);
    const c = client;
    // programs the store already holds (same tag and size, same kernel) are not dumped again
    const known = await knownFromStore(store, node.name, c.info.kernel);
    const snap = await takeSnapshot((cmd) => c.run(cmd), node, c.info, { known, ...(note ? { note } : {}) });
    const { entry, saved, noteAdded } = await store.save(snap);
    const what = `${snap.programs.length} programs${snap.transient ? `, ${snap.transient} bpftrace programs left out` : ''}`;
    return {
      node: node.name,
      code: Exit.ok,
      json: {
        node: node.name,
        path: entry.path,
        saved,
        noteAdded,
        programs: snap.programs.length,
        transient: snap.transient,
        contentHash: snap.contentHash,
      },
      text: saved ? `${entry.path}  (${what})` : `unchanged since ${entry.path}${noteAdded ? ' (note added)' : ''}`,
    };
  } catch (e) {
    return {
      node: node.name,
      kind: errorKind(e),
      code: exitCodeFor(e),
      json: { node: node.name, error: { kind: errorKind(e), message: errorMessage(e) } },
      text: errorMessage(e),
    };
  } finally {
    client?.close();
  }
}

export async function cmdSnapshot({ values }: Parsed<'snapshot'>, io: CliIO): Promise<number> {
  const timeoutS = positiveSeconds(values.timeout, '--timeout');
  const { inv, sel, ctx } = openSelection(values, timeoutS, io, false);
  const store = new SnapshotStore(values.out);
  const several = sel.nodes.length + sel.invalid.length > 1;
  const taken = await mapLimit(sel.nodes, 4, (node) => snapshotOne(node, inv.nodes, ctx, store, values.note));
  const all: Taken[] = [
    ...taken,
    ...sel.invalid.map((n) => ({
      node: n.name,
      kind: 'config',
      code: Exit.usage,
      json: { node: n.name, error: { kind: 'config', message: n.message } },
      text: n.message,
    })),
  ];
  for (const t of all) {
    if (values.json) io.out(JSON.stringify(t.json));
    else if (t.code === Exit.ok) io.out(several ? `${t.node}  ${t.text}` : t.text);
    else io.err(several ? `${t.node}  ERROR (${t.kind ?? 'error'}): ${t.text}` : `ebpf-lens: ${t.text}`);
  }
  if (io.outputClosed?.()) return Exit.outputClosed;
  return fleetExit(
    all.map((t) => t.code),
    Exit.ok,
    Exit.someNodesFailed,
  );
}
