import { parseArgs } from 'node:util';
import { mapLimit } from '../core/base/concurrency';
import { errorKind, errorMessage } from '../core/base/errors';
import type { NodeConfig } from '../core/inventory/inventory';
import type { Snapshot } from '../core/snapshot/model';
import { knownFromStore } from '../core/snapshot/known';
import { SnapshotStore } from '../core/snapshot/store';
import { takeSnapshot } from '../core/snapshot/take';
import { NodeClient } from '../ssh/nodeClient';
import type { CliIO } from './common';
import { UsageError, positiveSeconds } from './common';
import { Exit, exitCodeFor } from './exitCodes';
import { CONNECT_OPTIONS } from './list';
import { fleetExit, openSelection } from './select';
import { diffJson, diffSnapshots, diffText, objectsBeside, readSnapshotFile } from './snapshot';

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

export async function cmdSnapshot(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      node: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      out: { type: 'string', default: 'ebpf-lens-snapshots' },
      note: { type: 'string' },
      ...CONNECT_OPTIONS,
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const timeoutS = positiveSeconds(values.timeout, '--timeout');
  const { inv, sel, ctx } = openSelection(values, timeoutS, io, false);
  const store = new SnapshotStore(values.out ?? 'ebpf-lens-snapshots');
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

export function cmdDiff(args: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, 'no-instructions': { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError('give two snapshot files: ebpf-lens diff A.json B.json');
  let a: Snapshot;
  let b: Snapshot;
  try {
    a = readSnapshotFile(positionals[0] ?? '');
    b = readSnapshotFile(positionals[1] ?? '');
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const fromA = objectsBeside(positionals[0] ?? '');
  const fromB = objectsBeside(positionals[1] ?? '');
  const d = diffSnapshots(a, b, (p) => (a.programs.includes(p) ? fromA(p) : fromB(p)));
  io.out(values.json ? JSON.stringify(diffJson(d), null, 1) : diffText(d, !values['no-instructions']));
  if (io.outputClosed?.()) return Exit.outputClosed;
  return d.same ? Exit.ok : Exit.findings;
}
