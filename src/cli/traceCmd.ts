import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CancellationSource } from '../core/base/cancel';
import { errorKind, errorMessage } from '../core/base/errors';
import type { NodeConfig } from '../core/inventory/inventory';
import { mapText } from '../core/trace/format';
import { keyParts, mapWithKeyArrays } from '../core/trace/keys';
import { NodeClient } from '../ssh/nodeClient';
import type { TraceOutcome } from '../ssh/trace';
import { TraceRun } from '../ssh/trace';
import type { CliIO } from './common';
import { UsageError, positiveSeconds, slowLoginNote } from './common';
import { Exit, exitCodeFor } from './exitCodes';
import { CONNECT_OPTIONS } from './list';
import { fleetExit, openSelection } from './select';
import { USAGE } from './usage';

/** a trace's longest run from the command line (the extension's setting allows the same) */
const MAX_DURATION_S = 86_400;
const DEFAULT_DURATION_S = 600;

/** Human output of one node: with several nodes each line starts with the node's name. */
class Lines {
  private partial = '';
  constructor(
    private readonly prefix: string,
    private readonly write: (s: string) => void,
  ) {}
  text(s: string): void {
    if (!this.prefix) return this.write(s);
    const all = this.partial + s;
    const cut = all.lastIndexOf('\n');
    if (cut < 0) {
      this.partial = all;
      return;
    }
    this.partial = all.slice(cut + 1);
    this.write(all.slice(0, cut + 1).replace(/^(?=.)/gm, this.prefix));
  }
  end(): void {
    if (this.partial) this.write(`${this.prefix}${this.partial}\n`);
    this.partial = '';
  }
}

interface Run {
  readonly node: NodeConfig;
  client?: NodeClient;
  trace?: TraceRun;
  outcome?: TraceOutcome;
  failure?: unknown;
}

function readScript(file: string): string {
  try {
    return file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(e)}`);
  }
}

function outcomeCode(o: TraceOutcome): number {
  if (!o.error) return Exit.ok;
  return o.error.kind.startsWith('ssh.') ? Exit.connection : Exit.nodeTool;
}

function report(run: Run, io: CliIO, json: boolean, prefix: string): number {
  const name = run.node.name;
  if (run.failure !== undefined || !run.outcome) {
    const e = run.failure;
    if (json)
      io.out(JSON.stringify({ type: 'summary', node: name, state: 'failed', error: { kind: errorKind(e), message: errorMessage(e) } }));
    else io.err(`ebpf-lens: ${prefix ? `${name}: ` : ''}${errorMessage(e)}`);
    return exitCodeFor(e);
  }
  const o = run.outcome;
  if (json) {
    io.out(JSON.stringify({ type: 'summary', node: name, ...o, results: { ...o.results, lines: undefined } }));
    return outcomeCode(o);
  }
  const say = (s: string): void => io.err(`${prefix}${s}`);
  const drops = o.results.droppedByRate + o.results.droppedOldest;
  if (drops > 0 || o.results.lostByBpftrace > 0)
    say(`dropped ${drops} event(s) over the output limits; bpftrace lost ${o.results.lostByBpftrace}`);
  for (const d of o.diagnostics)
    say(`${d.severity}${d.line !== undefined ? ` line ${d.line}${d.col !== undefined ? `:${d.col}` : ''}` : ''}: ${d.message}`);
  if (o.error && o.error.kind !== 'tool.script') say(`ebpf-lens: ${o.error.message}`);
  if (o.leftover) say(`ebpf-lens: WARNING: ${o.leftover.message}`);
  return outcomeCode(o);
}

function durationOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DURATION_S;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DURATION_S)
    throw new UsageError(`--duration must be a whole number of seconds from 1 to ${MAX_DURATION_S}`);
  return n;
}

export async function cmdTrace(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      node: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      ...CONNECT_OPTIONS,
      duration: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(USAGE);
    return Exit.ok;
  }
  if (positionals.length !== 1) throw new UsageError('give one script file (or - for standard input)');
  const timeoutS = positiveSeconds(values.timeout, '--timeout');
  const maxSec = durationOf(values.duration);
  const { inv, sel, ctx } = openSelection(values, timeoutS, io, false);
  const script = readScript(positionals[0] ?? '');
  const several = sel.nodes.length + sel.invalid.length > 1;
  const parts = values.json ? keyParts(script) : new Map();
  const runs: Run[] = sel.nodes.map((node) => ({ node }));
  const cancel = new CancellationSource();
  let interrupts = 0;
  const stopAll = (why: string): void => {
    for (const r of runs) r.trace?.stop(why);
    cancel.cancel();
  };
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1 && runs.some((r) => r.trace)) io.err('stopping… (Ctrl-C again to leave now: the node stops the trace by itself)');
    else if (interrupts > 1) process.exit(Exit.cancelled);
    stopAll('interrupt');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  io.onOutputClosed?.(() => stopAll('interrupt'));
  try {
    await Promise.all(
      runs.map((run) => traceOne(run, { inv: inv.nodes, ctx, cancel, script, maxSec, json: values.json, parts, several, io })),
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    for (const r of runs) r.client?.close();
  }
  await io.flush?.();
  if (io.outputClosed?.()) return Exit.outputClosed;
  const codes = runs.map((r) => report(r, io, values.json, several ? `${r.node.name}: ` : ''));
  for (const n of sel.invalid) {
    io.err(`ebpf-lens: ${n.name}: ${n.message}`);
    codes.push(Exit.usage);
  }
  return fleetExit(codes, Exit.ok, Exit.someNodesFailed);
}

interface TraceOne {
  readonly inv: readonly NodeConfig[];
  readonly ctx: Parameters<typeof NodeClient.open>[2];
  readonly cancel: CancellationSource;
  readonly script: string;
  readonly maxSec: number;
  readonly json: boolean;
  readonly parts: ReturnType<typeof keyParts>;
  readonly several: boolean;
  readonly io: CliIO;
}

async function traceOne(run: Run, o: TraceOne): Promise<void> {
  const { io, node } = { io: o.io, node: run.node };
  const lines = new Lines(o.several ? `${node.name}: ` : '', io.write ?? ((s) => void process.stdout.write(s)));
  try {
    run.client = await NodeClient.open(node, o.inv, o.ctx, o.cancel.token);
    const note = slowLoginNote(run.client);
    if (note && !o.json) io.err(`${node.name}${note.trimEnd()}`);
    run.trace = await TraceRun.start(run.client, { script: o.script, maxSec: o.maxSec, token: o.cancel.token });
    run.trace.onDidRecord((r) => {
      if (io.outputClosed?.()) return;
      if (o.json)
        io.out(
          JSON.stringify(
            r.type === 'map' ? { type: 'map', node: node.name, map: mapWithKeyArrays(r.map, o.parts) } : { ...r, node: node.name },
          ),
        );
      else if (r.type === 'printf' || r.type === 'time' || r.type === 'text') lines.text(r.text);
      else if (r.type === 'value') lines.text(`${JSON.stringify(r.value)}\n`);
      // maps print when bpftrace prints them (print(), and once at the end of the run)
      else if (r.type === 'map') lines.text(`${mapText(r.map).trimEnd()}\n`);
      else if (r.type === 'attached') io.err(`Attached ${r.probes} probe${r.probes === 1 ? '' : 's'} on ${node.name}`);
    });
    run.outcome = await run.trace.finished;
  } catch (e) {
    run.failure = e;
  } finally {
    lines.end();
  }
}
