import { mapText } from '../core/trace/format';
import type { keyParts } from '../core/trace/keys';
import { mapWithKeyArrays } from '../core/trace/keys';
import type { TraceOutcome } from '../ssh/trace';
import type { NodePart, TraceSession } from '../ssh/traceSession';
import type { CliIO, InvalidNode } from './common';
import { Exit, exitCodeFor } from './exitCodes';

/** Human output of one node: with several nodes each line starts with the node's name. */
export class Lines {
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

export interface ReportOptions {
  readonly io: CliIO;
  readonly json: boolean;
  readonly several: boolean;
  readonly parts: ReturnType<typeof keyParts>;
}

function outcomeCode(o: TraceOutcome): number {
  if (!o.error) return Exit.ok;
  return o.error.kind.startsWith('ssh.') ? Exit.connection : Exit.nodeTool;
}

/** a node whose trace never ran: the class of what was thrown decides (a stop before its start is Ctrl-C's) */
function failureCode(p: NodePart): number {
  if (p.failure !== undefined) return exitCodeFor(p.failure);
  return p.error?.kind === 'cancelled' ? Exit.cancelled : Exit.nodeTool;
}

/** One node's end: a summary record (--json) or its warnings and errors on stderr. Returns its exit code. */
export function reportNode(p: NodePart, o: ReportOptions): number {
  const { io, json } = o;
  const prefix = o.several ? `${p.node}: ` : '';
  const out = p.outcome;
  if (!out) {
    const error = p.error ?? { kind: 'internal', message: 'the trace never started' };
    if (json) io.out(JSON.stringify({ type: 'summary', node: p.node, state: 'failed', error }));
    else io.err(`ebpf-lens: ${prefix}${error.message}`);
    return failureCode(p);
  }
  if (json) {
    io.out(JSON.stringify({ type: 'summary', node: p.node, ...out, results: { ...out.results, lines: undefined } }));
    return outcomeCode(out);
  }
  const say = (s: string): void => io.err(`${prefix}${s}`);
  const drops = out.results.droppedByRate + out.results.droppedOldest;
  if (drops > 0 || out.results.lostByBpftrace > 0)
    say(`dropped ${drops} event(s) over the output limits; bpftrace lost ${out.results.lostByBpftrace}`);
  // what bpftrace said about the node itself: once, as a fact of the node, not as the script's warning
  for (const n of out.environment) say(`note: ${n.title}: ${n.meaning}`);
  for (const d of out.diagnostics)
    say(`${d.severity}${d.line !== undefined ? ` line ${d.line}${d.col !== undefined ? `:${d.col}` : ''}` : ''}: ${d.message}`);
  if (out.error && out.error.kind !== 'tool.script') say(`ebpf-lens: ${out.error.message}`);
  if (out.leftover) say(`ebpf-lens: WARNING: ${out.leftover.message}`);
  return outcomeCode(out);
}

const mapsText = (maps: readonly Parameters<typeof mapText>[0][]): string =>
  maps.length === 0 ? '(no maps)\n' : maps.map((m) => mapText(m)).join('');

/**
 * After a trace on several nodes: a section per node (its state, its last maps, or its error),
 * then the merged maps, as the extension's results view shows them.
 */
export function sectionsText(session: TraceSession, invalid: readonly InvalidNode[]): string {
  const out: string[] = [];
  for (const p of session.parts.values()) {
    out.push(`== ${p.node}: ${session.stateOf(p)}${p.outcome ? `, ${p.outcome.reason}` : ''} ==\n`);
    if (p.error) out.push(`ERROR (${p.error.kind}): ${p.error.message}\n`);
    const results = session.resultsOf(p);
    if (results) out.push(mapsText(results.maps));
  }
  for (const n of invalid) out.push(`== ${n.name}: failed ==\nERROR (config): ${n.message}\n`);
  const merged = session.merged();
  out.push(`== merged (${merged.nodes.length} node${merged.nodes.length === 1 ? '' : 's'}) ==\n`, mapsText(merged.maps));
  for (const m of merged.maps) if (m.note) out.push(`(${m.name}: ${m.note})\n`);
  return out.join('');
}

/** --json after a trace on several nodes: one record with the merged maps */
export function mergedRecord(session: TraceSession, parts: ReportOptions['parts']): string {
  const merged = session.merged();
  return JSON.stringify({ type: 'merged', nodes: merged.nodes, maps: merged.maps.map((m) => mapWithKeyArrays(m, parts)) });
}
