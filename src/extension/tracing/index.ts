import * as vscode from 'vscode';
import { errorKind, errorMessage } from '../../core/errors';
import { mapText } from '../../core/trace/format';
import type { ResultsSnapshot } from '../../core/trace/results';
import type { TraceOutcome } from '../../ssh/trace';
import { TraceRun } from '../../ssh/trace';
import type { CommandTable } from '../commands';
import type { NodesApi } from '../nodes';

/** What `ebpfLens.getTrace` answers: plain data. */
export interface TraceInfo {
  readonly id: string;
  readonly node: string;
  readonly state: string;
  readonly startedAt: number;
  readonly script: string;
  readonly bpftracePid?: number | undefined;
  readonly results: ResultsSnapshot;
  readonly outcome?: TraceOutcome | undefined;
}

export interface TracingApi {
  list(): TraceInfo[];
  get(id: string): TraceInfo | undefined;
  /** fires with the trace id on every state change and (throttled) on new output */
  readonly onDidChange: vscode.Event<string>;
}

interface RunTraceArgs {
  readonly node?: string;
  readonly script?: string;
  readonly durationSec?: number;
}

/** Traces: start (guarded), follow, stop. The results view and CodeLens build on this. */
export function registerTracing(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodesApi): { api: TracingApi; commands: CommandTable } {
  const runs = new Map<string, { run: TraceRun; outcome?: TraceOutcome; out: vscode.OutputChannel }>();
  const changed = new vscode.EventEmitter<string>();
  context.subscriptions.push(changed);
  const running = (): TraceRun[] => [...runs.values()].map((r) => r.run).filter((r) => r.state === 'running' || r.state === 'starting' || r.state === 'stopping');
  // stop what runs when the extension stops (the node's guard would stop it anyway: EOF)
  context.subscriptions.push({ dispose: () => running().forEach((r) => r.stop('extension stopped')) });

  const info = (id: string): TraceInfo | undefined => {
    const e = runs.get(id);
    if (!e) return undefined;
    return {
      id,
      node: e.run.node,
      state: e.run.state,
      startedAt: e.run.startedAt,
      script: e.run.options.script,
      bpftracePid: e.run.bpftracePid,
      results: e.outcome?.results ?? e.run.results.snapshot(),
      outcome: e.outcome,
    };
  };

  async function start(args: RunTraceArgs): Promise<{ id: string }> {
    const editor = vscode.window.activeTextEditor;
    const script =
      args.script ??
      (editor ? (editor.selection.isEmpty ? editor.document.getText() : editor.document.getText(editor.selection)) : undefined);
    if (!script || script.trim() === '') throw new Error('no script: open a .bt file, select a script, or pass { script }');
    const node = args.node ?? nodes.fleet.activeNode;
    if (!node) throw new Error('no node: set an active node (eBPF: Select Active Node…) or pass { node }');
    if (args.durationSec !== undefined && (!Number.isInteger(args.durationSec) || args.durationSec < 1)) {
      throw new Error('durationSec must be a whole number of seconds, at least 1');
    }
    const client = await nodes.fleet.connect(node);
    const run = await TraceRun.start(client, { script, maxSec: args.durationSec ?? 3600 });
    const out = vscode.window.createOutputChannel(`eBPF Trace ${node} ${run.id}`);
    context.subscriptions.push(out);
    runs.set(run.id, { run, out });
    log.info(`trace ${run.id} on ${node}: started`);
    let pending = false;
    run.on('record', (r) => {
      if (r.type === 'printf' || r.type === 'time' || r.type === 'text') out.append(r.text);
      else if (r.type === 'map') out.append(mapText(r.map));
      if (!pending) {
        pending = true;
        setTimeout(() => {
          pending = false;
          changed.fire(run.id);
        }, 200);
      }
    });
    run.on('state', () => changed.fire(run.id));
    void run.finished.then((o) => {
      const e = runs.get(run.id);
      if (e) e.outcome = o;
      log.info(`trace ${run.id} on ${node}: ${o.state} (${o.reason})${o.error ? `: ${o.error.message}` : ''}`);
      if (o.error) void vscode.window.showErrorMessage(`Trace on ${node}: ${o.error.message}`, 'Show Log').then((p) => p && log.show());
      if (o.leftover) log.error(o.leftover.message);
      changed.fire(run.id);
    });
    return { id: run.id };
  }

  async function pickRunning(arg: unknown): Promise<TraceRun> {
    const id = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && 'id' in arg ? String((arg as { id: unknown }).id) : undefined;
    if (id) {
      const r = runs.get(id)?.run;
      if (!r) throw new Error(`no trace ${id}`);
      return r;
    }
    const list = running();
    if (list.length === 0) throw new Error('no trace is running');
    if (list.length === 1 && list[0]) return list[0];
    const pick = await vscode.window.showQuickPick(
      list.map((r) => ({ label: `${r.node} · ${r.id}`, description: `${Math.round((Date.now() - r.startedAt) / 1000)} s`, r })),
      { placeHolder: 'Trace to stop' },
    );
    if (!pick) throw new vscode.CancellationError();
    return pick.r;
  }

  const commands: CommandTable = {
    'ebpfLens.runTrace': async (args?: RunTraceArgs) => {
      try {
        const r = await start(args ?? {});
        runs.get(r.id)?.out.show(true);
        return r;
      } catch (e) {
        log.error(`runTrace: ${errorKind(e)}: ${errorMessage(e)}`);
        throw e;
      }
    },
    'ebpfLens.stopTrace': async (arg?: unknown) => {
      const r = await pickRunning(arg);
      r.stop('stop');
      const o = await r.finished;
      return info(r.id) ?? o;
    },
    'ebpfLens.getTrace': (id?: string) => (id ? info(id) : [...runs.keys()].map((k) => info(k))),
  };

  return {
    api: { list: () => [...runs.keys()].map((k) => info(k)).filter((x): x is TraceInfo => x !== undefined), get: info, onDidChange: changed.event },
    commands,
  };
}
