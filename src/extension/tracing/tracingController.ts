import * as path from 'node:path';
import * as vscode from 'vscode';
import { InputError, errorKind, errorMessage } from '../../core/base/errors';
import type { TraceEntry } from '../../core/nodes/tree';
import type { compareMaps } from '../../core/trace/merge';
import { endLabel } from '../../core/trace/outcome';
import type { ResultsSnapshot } from '../../core/trace/results';
import type { SavedRun } from '../../core/trace/savedRun';
import type { TraceOutcome, TraceRun } from '../../ssh/trace';
import { Consent } from '../consent';
import type { Ctx } from '../ctx';
import type { NodesApi } from '../nodes/nodesController';
import { TraceActivity, isLive } from './activity';
import { TraceCodeLens } from './codelens';
import { panelActions } from './panelActions';
import type { PanelActions, ViewSummary } from './resultsPanel';
import { ResultsPanel } from './resultsPanel';
import { RunDiagnostics } from './runDiagnostics';
import { RunStore } from '../../core/trace/runStore';
import type { ScriptOrigin } from '../../core/trace/origin';
import type { SessionSource } from '../../ssh/traceSession';
import { TraceSession } from '../../ssh/traceSession';

/** What `ebpfLens.getTrace` answers: plain data. */
export interface TraceInfo {
  readonly id: string;
  readonly node: string;
  readonly session: string;
  readonly title: string;
  readonly state: string;
  readonly startedAt: number;
  readonly script: string;
  readonly bpftracePid?: number | undefined;
  readonly results: ResultsSnapshot;
  readonly outcome?: TraceOutcome | undefined;
}

/** What `ebpfLens.runTrace` answers. */
export interface RunResult {
  /** the first node's trace (single-node runs: the trace) */
  readonly id: string | undefined;
  readonly session: string;
  readonly ids: Readonly<Record<string, string>>;
  readonly errors: Readonly<Record<string, string>>;
}

type Comparison = { id: string; deltas: ReturnType<typeof compareMaps> };

export interface TracingApi {
  list(): TraceInfo[];
  get(id: string): TraceInfo | undefined;
  /** fires with a session id on every state change and (throttled) on new output */
  readonly onDidChange: vscode.Event<string>;
  session(id: string): TraceSession | undefined;
  sessions(): TraceSession[];
  /** what the results view of a session reports it shows (asks the page to report first) */
  viewSummary(sessionOrCompareId: string): Promise<ViewSummary | undefined>;
  /** the last comparison opened: its panel id and the deltas */
  lastCompare(): Comparison | undefined;
  readonly store: RunStore;
  /** traces running on a node (the Nodes tree shows them) */
  tracesOn(node: string): TraceEntry[];
  /** start a script (another capability's: call counts, …) as a session of its own */
  start(o: StartOptions): Promise<TraceSession>;
}

export interface StartOptions {
  readonly script: string;
  readonly nodes: readonly string[];
  readonly title?: string;
  readonly maxSec: number;
  readonly runScript?: string;
  readonly source?: SessionSource;
  readonly origin?: ScriptOrigin;
  /** open the results view (default true) */
  readonly show?: boolean;
}

type TracingCtx = Ctx & { readonly nodes: NodesApi };

/**
 * Traces: start (guarded) on one node or many, follow in the results view, stop, save, compare.
 * Owns the sessions of this window (live and reopened), the traces by id, the saved runs, the
 * status bar and the CodeLens; its commands are in commands/ (tracingCommands.ts lists them).
 */
export class TracingController implements vscode.Disposable {
  readonly consent: Consent;
  /** every session of this window: started here, or a saved run opened again */
  readonly sessions = new Map<string, TraceSession>();
  /** every node's trace started in this window, by trace id */
  readonly traces = new Map<string, { run: TraceRun; session: TraceSession }>();
  readonly store: RunStore;
  /** what the results views' buttons do */
  readonly actions: PanelActions;
  readonly api: TracingApi;
  /** what "Re-run Last Trace" runs */
  last: StartOptions | undefined;
  lastCompare: Comparison | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  private readonly activity: TraceActivity;
  private readonly runDiagnostics = new RunDiagnostics();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: TracingCtx) {
    const { context, config, nodes } = ctx;
    context.subscriptions.push(this);
    this.consent = new Consent(context.extensionMode);
    this.disposables.push(this.changed, this.runDiagnostics);
    this.store = new RunStore(path.join(context.globalStorageUri.fsPath, 'runs'), () => config.get('trace.savedRuns'));
    // stop what runs when the extension stops (the node's guard would stop it anyway: EOF)
    this.disposables.push({ dispose: () => this.liveSessions().forEach((s) => s.stop('extension stopped')) });
    this.activity = new TraceActivity(
      () => this.liveSessions(),
      () => nodes.tree.rebuild(),
    );
    const lens = new TraceCodeLens(() => nodes.fleet.activeNode);
    this.disposables.push(
      this.activity,
      lens,
      vscode.languages.registerCodeLensProvider({ language: 'bpftrace' }, lens),
      nodes.fleet.onDidChange(() => lens.refresh()),
    );
    this.actions = panelActions(this);
    this.api = this.publicApi();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  liveSessions(): TraceSession[] {
    return [...this.sessions.values()].filter((s) => s.running);
  }

  maxSec(): number {
    return this.ctx.config.get('trace.maxDurationSeconds');
  }

  /** the active node, or an error saying how to choose one */
  needActive(): string {
    const n = this.ctx.nodes.fleet.activeNode;
    if (!n) throw new InputError('no active node: pick one (eBPF: Select Active Node…) or use Run on…');
    return n;
  }

  showError(what: string, e: unknown): void {
    const { log } = this.ctx;
    log.error(`${what}: ${errorKind(e)}: ${errorMessage(e)}`);
    void vscode.window.showErrorMessage(`${what}: ${errorMessage(e)}`, 'Show Log').then((p) => p && log.show());
  }

  info(id: string): TraceInfo | undefined {
    const e = this.traces.get(id);
    if (!e) return undefined;
    const part = e.session.parts.get(e.run.node);
    return {
      id,
      node: e.run.node,
      session: e.session.id,
      title: e.session.title,
      state: part?.outcome?.state ?? e.run.state,
      startedAt: e.run.startedAt,
      script: e.session.script, // what the user wrote (the run may carry probe-hit counting)
      bpftracePid: e.run.bpftracePid,
      results: part?.outcome?.results ?? e.run.results.snapshot(),
      outcome: part?.outcome,
    };
  }

  /** a session named by a command's argument: its id, a trace id, or a tree row ({ trace } or { id }) */
  sessionOf(arg: unknown): TraceSession | undefined {
    const id =
      typeof arg === 'string'
        ? arg
        : typeof arg === 'object' && arg !== null
          ? 'trace' in arg && typeof (arg as { trace: unknown }).trace === 'string'
            ? (arg as { trace: string }).trace
            : 'id' in arg
              ? String((arg as { id: unknown }).id)
              : undefined
          : undefined;
    if (!id) return undefined;
    return this.sessions.get(id) ?? this.traces.get(id)?.session;
  }

  /** a run of this window or a saved one, by id */
  async loadRun(id: string): Promise<SavedRun> {
    const live = this.sessions.get(id);
    if (live) return live.toSaved();
    const r = await this.store.find(id);
    if (!r) throw new InputError(`no saved run ${id}`);
    return r;
  }

  /** Start a session; it is followed (results view, status bar, tree) and saved when it ends. */
  async start(o: StartOptions, show = o.show ?? true): Promise<TraceSession> {
    const { log, config, nodes } = this.ctx;
    if (o.script.trim() === '') throw new InputError('the script is empty');
    if (o.nodes.length === 0) throw new InputError('no node to run on');
    const unknown = o.nodes.filter((n) => !nodes.fleet.names().includes(n));
    if (unknown.length) throw new InputError(`unknown node${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`);
    // another capability's runs (call counts) are not what "re-run last" means
    if (o.show !== false) this.last = { ...o, nodes: [...o.nodes] };
    const s = TraceSession.start(
      nodes.fleet,
      {
        script: o.script,
        nodes: o.nodes,
        maxSec: o.maxSec,
        concurrency: config.maxConcurrentNodes,
        ...(o.title ? { title: o.title } : {}),
        ...(o.runScript ? { runScript: o.runScript } : {}),
        ...(o.source ? { source: o.source } : {}),
        ...(o.origin ? { origin: o.origin } : {}),
      },
      (run) => {
        this.traces.set(run.id, { run, session: s });
        log.info(`trace ${run.id} on ${run.node}: started (session ${s.id})`);
        void run.finished.then((out) => {
          log.info(`trace ${run.id} on ${run.node}: ${out.state} (${out.reason})${out.error ? `: ${out.error.message}` : ''}`);
          if (out.leftover) log.error(out.leftover.message);
        });
      },
    );
    this.sessions.set(s.id, s);
    this.follow(s, show);
    return s;
  }

  /** Start and wait until every node has started (or failed to); answers the ids. */
  async run(o: StartOptions, show = true): Promise<RunResult> {
    const s = await this.start(o, show);
    // every node has a trace or an error (or the session is over)
    while (s.running && [...s.parts.values()].some((p) => !p.run && !p.error)) await new Promise((r) => setTimeout(r, 50));
    const ids: Record<string, string> = {};
    const errors: Record<string, string> = {};
    for (const p of s.parts.values()) {
      if (p.run) ids[p.node] = p.run.id;
      else if (p.error) errors[p.node] = p.error.message;
    }
    const first = s.nodes.map((n) => ids[n]).find((x) => x !== undefined);
    return { id: first, session: s.id, ids, errors };
  }

  private follow(s: TraceSession, show: boolean): void {
    let throttle: NodeJS.Timeout | undefined;
    s.onChange(() => {
      if (throttle) return;
      throttle = setTimeout(() => {
        throttle = undefined;
        this.changed.fire(s.id);
        void this.runDiagnostics.update(s);
        this.activity.refresh();
      }, 200);
    });
    this.runDiagnostics.started(s);
    if (show) ResultsPanel.forSession(this.ctx.context.extensionUri, s, this.actions);
    void s.finished.then(() => this.ended(s));
    this.activity.refresh();
  }

  private async ended(s: TraceSession): Promise<void> {
    const { log } = this.ctx;
    this.activity.refresh();
    this.changed.fire(s.id);
    await this.runDiagnostics.update(s);
    const failed = [...s.parts.values()].filter((p) => p.error && p.error.kind !== 'cancelled');
    const one = failed.length === s.nodes.length && s.nodes.length === 1 ? failed[0] : undefined;
    if (one && endLabel(one.error)) {
      // the node stopped it, or the link was lost: what came until then is kept
      void vscode.window
        .showWarningMessage(`Trace on ${one.node} ${endLabel(one.error) ?? ''}: ${one.error?.message ?? ''}`, 'Show Log')
        .then((p) => p && log.show());
    } else if (one) {
      void vscode.window.showErrorMessage(`Trace on ${one.node}: ${one.error?.message ?? ''}`, 'Show Log').then((p) => p && log.show());
    } else if (failed.length) {
      void vscode.window.showWarningMessage(
        `Trace: ${failed.length} of ${s.nodes.length} nodes failed (${failed.map((f) => f.node).join(', ')}); the others ran.`,
      );
    }
    try {
      await this.store.save(s.toSaved());
    } catch (e) {
      // the run stays open in this window (and in Compare Runs); the next save writes it
      log.warn(`could not save run ${s.id}: ${errorMessage(e)}`);
      void vscode.window.showWarningMessage(
        `eBPF Lens ${errorMessage(e)}. It stays available in this window; eBPF Lens saves it with the next run that ends.`,
      );
    }
  }

  private publicApi(): TracingApi {
    return {
      list: () => [...this.traces.keys()].map((k) => this.info(k)).filter((x): x is TraceInfo => x !== undefined),
      get: (id) => this.info(id),
      onDidChange: this.changed.event,
      session: (id) => this.sessions.get(id),
      sessions: () => [...this.sessions.values()],
      viewSummary: async (id) => ResultsPanel.get(id)?.nextSummary(),
      lastCompare: () => this.lastCompare,
      store: this.store,
      tracesOn: (node) =>
        [...this.traces.values()]
          .filter((t) => t.run.node === node && isLive(t.run))
          .map((t) => ({
            id: t.run.id,
            title: t.session.title,
            state: t.run.state,
            startedAt: t.run.startedAt,
            events: t.run.results.events,
          })),
      start: (o) => this.start(o),
    };
  }
}
