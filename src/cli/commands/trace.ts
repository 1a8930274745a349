import * as fs from 'node:fs';
import { CancellationSource } from '../../core/base/cancel';
import { errorMessage } from '../../core/base/errors';
import type { NodeConfig } from '../../core/inventory/inventory';
import { mapText } from '../../core/trace/format';
import { keyParts, mapWithKeyArrays } from '../../core/trace/keys';
import { NodeClient } from '../../ssh/nodeClient';
import type { TraceRun } from '../../ssh/trace';
import type { TraceConnector } from '../../ssh/traceSession';
import { TraceSession } from '../../ssh/traceSession';
import type { CliIO } from '../common';
import { UsageError, positiveInteger, positiveSeconds, slowLoginNote } from '../common';
import { Exit } from '../exitCodes';
import type { Parsed } from '../options';
import { fleetExit, openSelection } from '../select';
import type { ReportOptions } from '../traceReport';
import { Lines, mergedRecord, reportNode, sectionsText } from '../traceReport';

/** a trace's longest run from the command line (the extension's setting allows the same) */
const MAX_DURATION_S = 86_400;
const DEFAULT_DURATION_S = 600;

function readScript(file: string): string {
  try {
    return file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(e)}`);
  }
}

function durationOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DURATION_S;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DURATION_S)
    throw new UsageError(`--duration must be a whole number of seconds from 1 to ${MAX_DURATION_S}`);
  return n;
}

/** Stream one node's trace as it runs: its records to stdout (each line named with several nodes). */
function follow(run: TraceRun, o: ReportOptions): void {
  const { io, json } = o;
  const node = run.node;
  const lines = new Lines(o.several ? `${node}: ` : '', io.write ?? ((s) => void process.stdout.write(s)));
  const note = slowLoginNote(run.client);
  if (note && !json) io.err(`${node}${note.trimEnd()}`);
  run.onDidRecord((r) => {
    if (io.outputClosed?.()) return;
    if (json) io.out(JSON.stringify(r.type === 'map' ? { type: 'map', node, map: mapWithKeyArrays(r.map, o.parts) } : { ...r, node }));
    else if (r.type === 'printf' || r.type === 'time' || r.type === 'text') lines.text(r.text);
    else if (r.type === 'value') lines.text(`${JSON.stringify(r.value)}\n`);
    // maps print when bpftrace prints them (print(), and once at the end of the run)
    else if (r.type === 'map') lines.text(`${mapText(r.map).trimEnd()}\n`);
    else if (r.type === 'attached') io.err(`Attached ${r.probes} probe${r.probes === 1 ? '' : 's'} on ${node}`);
  });
  void run.finished.then(() => lines.end());
}

/** The CLI's way to the nodes: a client of its own per node, closed when the command ends. */
function connector(inv: readonly NodeConfig[], ctx: Parameters<typeof NodeClient.open>[2]): TraceConnector & { close(): void } {
  const clients: NodeClient[] = [];
  return {
    connect: async (name, token) => {
      const node = inv.find((n) => n.name === name);
      if (!node) throw new UsageError(`unknown node ${JSON.stringify(name)}`);
      const c = await NodeClient.open(node, inv, ctx, token);
      clients.push(c);
      return c;
    },
    close: () => {
      for (const c of clients) c.close();
    },
  };
}

/** Ctrl-C (and SIGTERM, and a closed stdout) stops every node's trace; a second Ctrl-C leaves at once. */
function stopOnSignals(session: TraceSession, cancel: CancellationSource, io: CliIO): () => void {
  let interrupts = 0;
  const stopAll = (): void => {
    session.stop('interrupt');
    cancel.cancel();
  };
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1 && session.runs().length > 0) io.err('stopping… (Ctrl-C again to leave now: the node stops the trace by itself)');
    else if (interrupts > 1) process.exit(Exit.cancelled);
    stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.onOutputClosed?.(stopAll);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

export async function cmdTrace({ values, positionals }: Parsed<'trace'>, io: CliIO): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give one script file (or - for standard input)');
  const timeoutS = positiveSeconds(values.timeout, '--timeout');
  const maxSec = durationOf(values.duration);
  const concurrency = positiveInteger(values.concurrency, '--concurrency');
  const { inv, sel, ctx } = openSelection(values, timeoutS, io, false);
  const script = readScript(positionals[0] ?? '');
  const o: ReportOptions = {
    io,
    json: values.json,
    several: sel.nodes.length + sel.invalid.length > 1,
    parts: values.json ? keyParts(script) : new Map(),
  };
  const nodes = connector(inv.nodes, ctx);
  const cancel = new CancellationSource();
  const session = TraceSession.start(
    nodes,
    { script, nodes: sel.nodes.map((n) => n.name), maxSec, concurrency, token: cancel.token },
    (run) => follow(run, o),
  );
  const unlisten = stopOnSignals(session, cancel, io);
  try {
    await session.finished;
  } finally {
    unlisten();
    nodes.close();
  }
  await io.flush?.();
  if (io.outputClosed?.()) return Exit.outputClosed;
  const codes = [...session.parts.values()].map((p) => reportNode(p, o));
  for (const n of sel.invalid) {
    io.err(`ebpf-lens: ${n.name}: ${n.message}`);
    codes.push(Exit.usage);
  }
  if (o.several) {
    if (o.json) io.out(mergedRecord(session, o.parts));
    else (io.write ?? ((s: string) => void process.stdout.write(s)))(sectionsText(session, sel.invalid));
  }
  return fleetExit(codes, Exit.ok, Exit.someNodesFailed);
}
