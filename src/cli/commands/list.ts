import { CancellationSource } from '../../core/base/cancel';
import { mapLimit } from '../../core/base/concurrency';
import { errorKind, errorMessage } from '../../core/base/errors';
import type { NodeConfig } from '../../core/inventory/inventory';
import { listNode, listingJson } from '../../core/nodes/listing';
import { NodeClient } from '../../ssh/nodeClient';
import type { CliIO, InvalidNode } from '../common';
import { positiveInteger, positiveSeconds, slowLoginNote, where } from '../common';
import { Exit, exitCodeFor } from '../exitCodes';
import { formatListing, nodeHeader } from '../listFormat';
import type { Parsed } from '../options';
import { fleetExit, openSelection } from '../select';

interface Row {
  readonly ok: boolean;
  readonly text: string;
  readonly json: Record<string, unknown>;
  readonly code: number;
}

function failedRow(
  node: { name: string; host?: string; port?: number },
  whereText: string,
  kind: string,
  message: string,
  code: number,
): Row {
  return {
    ok: false,
    code,
    text: `${node.name}${whereText ? `  ${whereText}` : ''}  ERROR (${kind}): ${message}\n`,
    json: {
      node: node.name,
      ...(node.host !== undefined ? { host: node.host, port: node.port } : {}),
      ok: false,
      error: { kind, message },
    },
  };
}

export function invalidRow(n: InvalidNode): Row {
  return failedRow({ name: n.name }, '', 'config', n.message, Exit.usage);
}

async function listOne(
  node: NodeConfig,
  inventory: readonly NodeConfig[],
  ctx: Parameters<typeof NodeClient.open>[2],
  cancel: CancellationSource,
): Promise<Row> {
  let client: NodeClient | undefined;
  try {
    client = await NodeClient.open(node, inventory, ctx, cancel.token);
    const c = client;
    const listing = await listNode((cmd) => c.run(cmd, cancel.token), node.scope);
    return {
      ok: true,
      code: Exit.ok,
      text: `${nodeHeader(node.name, where(node), c.info)}\n${slowLoginNote(c)}${formatListing(listing)}\n`,
      json: {
        node: node.name,
        host: node.host,
        port: node.port,
        ok: true,
        info: c.info,
        ...(c.login ? { login: c.login } : {}),
        ...(node.scope ? { scope: node.scope } : {}),
        ...listingJson(listing),
      },
    };
  } catch (e) {
    return failedRow(node, where(node), errorKind(e), errorMessage(e), exitCodeFor(e));
  } finally {
    client?.close();
  }
}

export async function cmdList({ values }: Parsed<'list'>, io: CliIO): Promise<number> {
  const timeoutS = positiveSeconds(values.timeout, '--timeout');
  const concurrency = positiveInteger(values.concurrency, '--concurrency');
  const { inv, sel, ctx } = openSelection(values, timeoutS, io);

  const cancel = new CancellationSource();
  const onSigint = (): void => cancel.cancel();
  process.once('SIGINT', onSigint);
  io.onOutputClosed?.(() => cancel.cancel());
  // human output in node order, each node as soon as it and all nodes before it are done
  let printed = 0;
  const done: (Row | undefined)[] = sel.nodes.map(() => undefined);
  const flush = (): void => {
    while (printed < done.length && done[printed]) {
      const r = done[printed] as Row;
      if (!values.json) (r.ok ? io.out : io.err)(r.text);
      printed++;
    }
  };
  const rows = await mapLimit(sel.nodes, concurrency, async (node, i): Promise<Row> => {
    const r = await listOne(node, inv.nodes, ctx, cancel);
    done[i] = r;
    flush();
    return r;
  });
  const invalid = sel.invalid.map(invalidRow);
  if (!values.json) for (const r of invalid) io.err(r.text);
  process.removeListener('SIGINT', onSigint);
  if (io.outputClosed?.()) return Exit.outputClosed;
  const all = [...rows, ...invalid];
  if (values.json) io.out(JSON.stringify({ nodes: all.map((r) => r.json) }, null, 2));
  if (cancel.token.isCancellationRequested && all.some((r) => !r.ok)) return Exit.cancelled;
  return fleetExit(
    all.map((r) => r.code),
    Exit.ok,
    Exit.someNodesFailed,
  );
}
