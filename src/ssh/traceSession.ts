import { randomBytes } from 'node:crypto';
import type { CancellationTokenLike } from '../core/base/cancel';
import type { Aggregation } from '../core/bpftrace/blocks';
import { mapAggregations } from '../core/bpftrace/blocks';
import { mapLimit } from '../core/base/concurrency';
import { errorKind, errorMessage } from '../core/base/errors';
import type { MergedMap } from '../core/trace/merge';
import { mergeResults } from '../core/trace/merge';
import type { ResultsSnapshot } from '../core/trace/results';
import type { ScriptOrigin } from '../core/trace/origin';
import type { NodeRunResult, SavedRun } from '../core/trace/savedRun';
import { forSaving, runTitle } from '../core/trace/savedRun';
import type { NodeClient } from './nodeClient';
import type { TraceOutcome } from './trace';
import { TraceRun } from './trace';

/** One node's part of a session: a live trace, its outcome, or why it never started. */
export interface NodePart {
  readonly node: string;
  run?: TraceRun;
  outcome?: TraceOutcome;
  error?: { kind: string; message: string };
  /** what was thrown when it never started (the CLI's exit code follows its class) */
  failure?: unknown;
  /** the results of a saved run (no live trace behind them) */
  frozen?: NodeRunResult;
  startedAt: number;
}

/** The document a session's script came from, and where its probe blocks are there. */
export interface SessionSource {
  readonly uri: string;
  /** per probe block of the script that runs: its line in the document */
  readonly probes: readonly { readonly index: number; readonly line: number; readonly label: string; readonly filtered: boolean }[];
}

export interface SessionOptions {
  readonly script: string;
  /** what runs when it is not `script` (the script with eBPF Lens's probe-hit counting added) */
  readonly runScript?: string;
  readonly source?: SessionSource;
  /** where the text that runs is in a document (what bpftrace says at a line:col is shown there) */
  readonly origin?: ScriptOrigin;
  readonly nodes: readonly string[];
  readonly maxSec: number;
  readonly title?: string;
  readonly concurrency?: number;
  /** cancelled: connections under way give up (the CLI's Ctrl-C; the editor lets them finish) */
  readonly token?: CancellationTokenLike;
}

/** How a session reaches a node: the editor's Fleet (its shared sessions), or the CLI's own clients. */
export interface TraceConnector {
  connect(node: string, token?: CancellationTokenLike): Promise<NodeClient>;
}

/**
 * A trace session: one script on one node or many (a fleet run), started with a concurrency
 * limit; a node that fails does not stop the others. A session can also be a saved run opened
 * again (frozen: nothing runs).
 */
export class TraceSession {
  readonly id: string;
  readonly title: string;
  readonly script: string;
  readonly nodes: readonly string[];
  readonly maxSec: number;
  readonly startedAt: number;
  readonly parts = new Map<string, NodePart>();
  readonly aggregations: ReadonlyMap<string, Aggregation>;
  readonly source: SessionSource | undefined;
  readonly origin: ScriptOrigin | undefined;
  readonly runScript: string;
  endedAt: number | undefined;
  /** resolves when every node's trace has ended (or never started) */
  readonly finished: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private stopRequested: string | undefined;

  private constructor(o: SessionOptions, id?: string, startedAt?: number) {
    this.id = id ?? randomBytes(6).toString('hex');
    this.script = o.script;
    this.title = o.title ?? runTitle(o.script);
    this.nodes = [...o.nodes];
    this.maxSec = o.maxSec;
    this.startedAt = startedAt ?? Date.now();
    this.aggregations = mapAggregations(o.script);
    this.source = o.source;
    this.origin = o.origin;
    this.runScript = o.runScript ?? o.script;
    for (const n of o.nodes) this.parts.set(n, { node: n, startedAt: this.startedAt });
    this.finished = Promise.resolve();
  }

  /** Start the script on every node (at most `concurrency` connecting at once). */
  static start(fleet: TraceConnector, o: SessionOptions, onTrace: (run: TraceRun) => void): TraceSession {
    const s = new TraceSession(o);
    (s as { finished: Promise<void> }).finished = (async () => {
      const ends: Promise<void>[] = [];
      // the limit is on starting (connect, write the script, start the guard), not on running
      await mapLimit([...s.nodes], Math.max(1, o.concurrency ?? 8), async (node) => {
        const part = s.parts.get(node) as NodePart;
        if (s.stopRequested) {
          part.error = { kind: 'cancelled', message: 'stopped before it started' };
          return;
        }
        try {
          const client = await fleet.connect(node, o.token);
          const run = await TraceRun.start(client, { script: s.runScript, maxSec: o.maxSec, ...(o.token ? { token: o.token } : {}) });
          part.run = run;
          part.startedAt = run.startedAt;
          onTrace(run);
          run.onDidChangeState(() => s.changed());
          if (s.stopRequested) run.stop(s.stopRequested);
          s.changed();
          ends.push(
            run.finished.then((out) => {
              part.outcome = out;
              if (out.error) part.error = out.error;
              s.changed();
            }),
          );
        } catch (e) {
          part.error = { kind: errorKind(e), message: errorMessage(e) };
          part.failure = e;
          s.changed();
        }
      });
      await Promise.all(ends);
      s.endedAt = Date.now();
      s.changed();
    })();
    return s;
  }

  /** A saved run, to look at again. */
  static fromSaved(r: SavedRun): TraceSession {
    const s = new TraceSession({ script: r.script, nodes: r.nodes.map((n) => n.node), maxSec: 0, title: r.title }, r.id, r.startedAt);
    s.endedAt = r.endedAt ?? r.startedAt;
    for (const n of r.nodes) {
      const part = s.parts.get(n.node) as NodePart;
      part.frozen = n;
      part.startedAt = n.startedAt;
      if (n.error) part.error = { ...n.error };
    }
    return s;
  }

  get running(): boolean {
    return this.endedAt === undefined;
  }

  /** every live trace of this session */
  runs(): TraceRun[] {
    return [...this.parts.values()].flatMap((p) => (p.run ? [p.run] : []));
  }

  stop(reason = 'stop'): void {
    this.stopRequested ??= reason;
    for (const r of this.runs()) if (r.state === 'running' || r.state === 'starting') r.stop(reason);
  }

  onChange(f: () => void): { dispose(): void } {
    this.listeners.add(f);
    return { dispose: () => this.listeners.delete(f) };
  }

  private changed(): void {
    for (const f of this.listeners) f();
  }

  stateOf(p: NodePart): string {
    if (p.frozen) return p.frozen.state;
    if (p.run) return p.outcome?.state ?? p.run.state;
    if (p.error) return 'failed';
    return 'starting';
  }

  resultsOf(p: NodePart): ResultsSnapshot | undefined {
    if (p.frozen) return p.frozen.results;
    if (p.outcome) return p.outcome.results;
    return p.run?.results.snapshot();
  }

  /** The fleet view: the maps of every node that has some, merged by each map's aggregation. */
  merged(): { readonly nodes: string[]; readonly maps: MergedMap[] } {
    const perNode = [...this.parts.values()].flatMap((p) => {
      const maps = this.resultsOf(p)?.maps ?? [];
      return maps.length > 0 ? [{ node: p.node, maps }] : [];
    });
    return { nodes: perNode.map((p) => p.node), maps: mergeResults(perNode, this.aggregations) };
  }

  toSaved(): SavedRun {
    return forSaving({
      version: 1,
      id: this.id,
      title: this.title,
      script: this.script,
      startedAt: this.startedAt,
      ...(this.endedAt !== undefined ? { endedAt: this.endedAt } : {}),
      nodes: [...this.parts.values()].map((p) => {
        if (p.frozen) return p.frozen;
        const results = this.resultsOf(p) ?? emptyResults();
        return {
          node: p.node,
          state: this.stateOf(p),
          ...(p.outcome
            ? {
                reason: p.outcome.reason,
                endedAt: p.outcome.endedAt,
                ...(p.outcome.attachedMs !== undefined ? { attachedMs: p.outcome.attachedMs } : {}),
              }
            : {}),
          ...(p.error ? { error: p.error } : {}),
          startedAt: p.startedAt,
          results,
        };
      }),
    });
  }
}

export function emptyResults(): ResultsSnapshot {
  return {
    attachedProbes: undefined,
    lines: [],
    maps: [],
    values: [],
    events: 0,
    droppedByRate: 0,
    droppedOldest: 0,
    lostByBpftrace: 0,
    helperErrors: 0,
    diagnostics: [],
  };
}
