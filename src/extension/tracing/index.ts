import * as path from 'node:path';
import type { Config } from '../config';
import type { Ctx } from '../ctx';
import * as vscode from 'vscode';
import { Consent } from '../consent';
import { instrumentProbes } from '../../core/annotate/probeHits';
import { probeBlocks, standaloneProbe } from '../../core/bpftrace/blocks';
import { InputError, errorKind, errorMessage } from '../../core/base/errors';
import { writeFileAtomic } from '../../core/base/files';
import type { TraceEntry } from '../../core/nodes/tree';
import { SNIPPETS, buildSnippet, checkParam } from '../../core/trace/library';
import { compareMaps, compareMarkdown } from '../../core/trace/merge';
import { endLabel } from '../../core/trace/outcome';
import type { ResultsSnapshot } from '../../core/trace/results';
import type { SavedRun } from '../../core/trace/savedRun';
import { runMaps, runMarkdown } from '../../core/trace/savedRun';
import type { TraceOutcome, TraceRun } from '../../ssh/trace';
import type { CommandsOf } from '../commandIds';
import type { NodesApi } from '../nodes/nodesController';
import { TraceCodeLens } from './codelens';
import type { PanelActions, ViewSummary } from './resultsPanel';
import { ResultsPanel } from './resultsPanel';
import { RunStore } from './runStore';
import type { SessionSource } from './session';
import { TraceSession } from './session';
import { deviceNames } from '../../core/nodes/listing';

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
  lastCompare(): { id: string; deltas: ReturnType<typeof compareMaps> } | undefined;
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
  /** open the results view (default true) */
  readonly show?: boolean;
}

/** What a script from a document runs with: eBPF Lens's probe-hit counting, when it parses. */
export function withProbeHits(
  config: Config,
  script: string,
  uri: string | undefined,
  lineOf: (line: number) => number,
): { runScript?: string; source?: SessionSource } {
  if (!uri || !config.get('annotations.probeHits')) return {};
  const ins = instrumentProbes(script);
  if (!ins) return {};
  return {
    runScript: ins.script,
    source: { uri, probes: ins.probes.map((p) => ({ index: p.index, line: lineOf(p.line), label: p.label, filtered: p.filtered })) },
  };
}

interface RunArgs {
  readonly node?: string;
  readonly nodes?: readonly string[];
  readonly tag?: string;
  readonly script?: string;
  readonly snippet?: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly durationSec?: number;
  readonly title?: string;
}

/** Traces: start (guarded) on one node or many, follow in the results view, stop, save, compare. */
export function registerTracing(ctx: Ctx & { readonly nodes: NodesApi }): { api: TracingApi; commands: CommandsOf<'tracing'> } {
  const { context, log, config, nodes } = ctx;
  const consent = new Consent(context.extensionMode);
  const sessions = new Map<string, TraceSession>();
  const traces = new Map<string, { run: TraceRun; session: TraceSession }>();
  const changed = new vscode.EventEmitter<string>();
  context.subscriptions.push(changed);
  const store = new RunStore(path.join(context.globalStorageUri.fsPath, 'runs'), () => config.get('trace.savedRuns'));
  let last: StartOptions | undefined;
  let lastCompare: { id: string; deltas: ReturnType<typeof compareMaps> } | undefined;

  const liveSessions = (): TraceSession[] => [...sessions.values()].filter((s) => s.running);
  // stop what runs when the extension stops (the node's guard would stop it anyway: EOF)
  context.subscriptions.push({ dispose: () => liveSessions().forEach((s) => s.stop('extension stopped')) });

  // ------------------------------------------------------------------ status bar, tree, CodeLens
  const status = vscode.window.createStatusBarItem('ebpfLens.traces', vscode.StatusBarAlignment.Left, 49);
  status.command = 'ebpfLens.showTraceResults';
  status.name = 'eBPF traces';
  context.subscriptions.push(status);
  const lens = new TraceCodeLens(() => nodes.fleet.activeNode);
  context.subscriptions.push(lens, vscode.languages.registerCodeLensProvider({ language: 'bpftrace' }, lens));
  const onFleet = (): void => lens.refresh();
  context.subscriptions.push(nodes.fleet.onDidChange(onFleet));

  let ticking: NodeJS.Timeout | undefined;
  const refreshUi = (): void => {
    const live = liveSessions();
    const n = live.reduce(
      (a, s) => a + s.runs().filter((r) => r.state === 'running' || r.state === 'starting' || r.state === 'stopping').length,
      0,
    );
    if (n > 0) {
      status.text = `$(pulse) ${n} trace${n === 1 ? '' : 's'}`;
      status.tooltip = `${live.map((s) => `${s.title} on ${s.nodes.join(', ')}`).join('\n')}\n\nClick to open results or stop.`;
      status.show();
    } else status.hide();
    nodes.tree.rebuild();
    // the tree shows seconds and event counts: keep it moving while something runs
    if (n > 0 && !ticking) {
      ticking = setInterval(refreshUi, 2000);
    } else if (n === 0 && ticking) {
      clearInterval(ticking);
      ticking = undefined;
    }
  };
  context.subscriptions.push({ dispose: () => ticking && clearInterval(ticking) });

  const info = (id: string): TraceInfo | undefined => {
    const e = traces.get(id);
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
  };

  // ------------------------------------------------------------------ panel actions
  const actions: PanelActions = {
    nodeFacts: (node) => {
      const l = nodes.fleet.listing(node);
      return l ? { programs: new Map(l.programs.map((p) => [p.program.id, p.program.name])), interfaces: deviceNames(l) } : undefined;
    },
    stop: (s) => s.stop('stop'),
    rerun: (s) =>
      void startSession({
        script: s.script,
        nodes: [...s.nodes],
        title: s.title,
        maxSec: s.maxSec || maxSec(),
        ...(s.source ? { source: s.source, runScript: s.runScript } : {}),
      }).then(undefined, (e: unknown) => showError('Re-run', e)),
    copyMarkdown: async (s, compare) => {
      const md = compare ? compare.markdown : s ? runMarkdown(s.toSaved()) : '';
      await vscode.env.clipboard.writeText(md);
      void vscode.window.setStatusBarMessage('$(check) Copied as Markdown', 3000);
    },
    saveJson: async (s) => {
      const def = vscode.Uri.file(
        path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? context.globalStorageUri.fsPath, `trace-${s.id}.json`),
      );
      const to = await vscode.window.showSaveDialog({ defaultUri: def, filters: { JSON: ['json'] }, title: 'Save trace results as JSON' });
      if (!to) return;
      try {
        await writeFileAtomic(to.fsPath, JSON.stringify(s.toSaved(), null, 1));
      } catch (e) {
        showError('Save as JSON', e);
        return;
      }
      void vscode.window.setStatusBarMessage(`$(check) Saved ${path.basename(to.fsPath)}`, 3000);
    },
  };

  const showError = (what: string, e: unknown): void => {
    log.error(`${what}: ${errorKind(e)}: ${errorMessage(e)}`);
    void vscode.window.showErrorMessage(`${what}: ${errorMessage(e)}`, 'Show Log').then((p) => p && log.show());
  };

  const maxSec = (): number => config.get('trace.maxDurationSeconds');

  // ------------------------------------------------------------------ starting
  async function startSession(o: StartOptions, show = o.show ?? true): Promise<TraceSession> {
    if (o.script.trim() === '') throw new InputError('the script is empty');
    if (o.nodes.length === 0) throw new InputError('no node to run on');
    const unknown = o.nodes.filter((n) => !nodes.fleet.names().includes(n));
    if (unknown.length) throw new InputError(`unknown node${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`);
    // another capability's runs (call counts) are not what "re-run last" means
    if (o.show !== false) last = { ...o, nodes: [...o.nodes] };
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
      },
      (run) => {
        traces.set(run.id, { run, session: s });
        log.info(`trace ${run.id} on ${run.node}: started (session ${s.id})`);
        void run.finished.then((out) => {
          log.info(`trace ${run.id} on ${run.node}: ${out.state} (${out.reason})${out.error ? `: ${out.error.message}` : ''}`);
          if (out.leftover) log.error(out.leftover.message);
        });
      },
    );
    sessions.set(s.id, s);
    let throttle: NodeJS.Timeout | undefined;
    s.onChange(() => {
      if (throttle) return;
      throttle = setTimeout(() => {
        throttle = undefined;
        changed.fire(s.id);
        refreshUi();
      }, 200);
    });
    if (show) ResultsPanel.forSession(context.extensionUri, s, actions);
    void s.finished.then(async () => {
      refreshUi();
      changed.fire(s.id);
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
        await store.save(s.toSaved());
      } catch (e) {
        // the run stays open in this window (and in Compare Runs); the next save writes it
        log.warn(`could not save run ${s.id}: ${errorMessage(e)}`);
        void vscode.window.showWarningMessage(
          `eBPF Lens ${errorMessage(e)}. It stays available in this window; eBPF Lens saves it with the next run that ends.`,
        );
      }
    });
    refreshUi();
    return s;
  }

  /** Start and wait until every node has started (or failed to); answers the ids. */
  async function run(o: StartOptions, show = true): Promise<RunResult> {
    const s = await startSession(o, show);
    await waitStarted(s);
    const ids: Record<string, string> = {};
    const errors: Record<string, string> = {};
    for (const p of s.parts.values()) {
      if (p.run) ids[p.node] = p.run.id;
      else if (p.error) errors[p.node] = p.error.message;
    }
    const first = s.nodes.map((n) => ids[n]).find((x) => x !== undefined);
    return { id: first, session: s.id, ids, errors };
  }

  async function waitStarted(s: TraceSession): Promise<void> {
    // every node has a trace or an error (or the session is over)
    while (s.running && [...s.parts.values()].some((p) => !p.run && !p.error)) await new Promise((r) => setTimeout(r, 50));
  }

  // ------------------------------------------------------------------ picking
  async function pickNodes(title: string): Promise<string[] | undefined> {
    const all = nodes.fleet.names();
    if (all.length === 0) throw new InputError('no nodes: add one first (eBPF: Add Node…)');
    const active = nodes.fleet.activeNode;
    const tags = new Map<string, string[]>();
    for (const n of all) for (const t of nodes.fleet.config(n)?.tags ?? []) tags.set(t, [...(tags.get(t) ?? []), n]);
    type Item = vscode.QuickPickItem & { nodes: string[] };
    const items: Item[] = [
      ...all.map((n) => {
        const v = nodes.fleet.view(n);
        return {
          label: n,
          description: [n === active ? 'active' : '', v?.state ?? '', v?.info?.bpftrace ? `bpftrace ${v.info.bpftrace.version}` : '']
            .filter(Boolean)
            .join(' · '),
          nodes: [n],
          picked: n === active,
        };
      }),
    ];
    if (tags.size) {
      items.push({ label: 'Tags', kind: vscode.QuickPickItemKind.Separator, nodes: [] });
      for (const [t, ns] of [...tags.entries()].sort())
        items.push({ label: `$(tag) ${t}`, description: `${ns.length} node${ns.length === 1 ? '' : 's'}: ${ns.join(', ')}`, nodes: ns });
    }
    const picked = await vscode.window.showQuickPick(items, {
      title,
      canPickMany: true,
      placeHolder: 'Nodes (and tags) to run on',
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!picked || picked.length === 0) return undefined;
    return [...new Set(picked.flatMap((p) => p.nodes))];
  }

  async function askParams(id: string): Promise<Record<string, string> | undefined> {
    const s = SNIPPETS.find((x) => x.id === id);
    if (!s) throw new InputError(`no snippet ${id}`);
    const out: Record<string, string> = {};
    for (const [i, p] of s.params.entries()) {
      const v = await vscode.window.showInputBox({
        title: `${s.title} (${i + 1}/${s.params.length})`,
        prompt: p.prompt,
        ...(p.placeHolder ? { placeHolder: p.placeHolder } : {}),
        ignoreFocusOut: true,
        validateInput: (x) => (x.trim() === '' ? (p.optional ? undefined : 'required') : checkParam(p.kind, x.trim())),
      });
      if (v === undefined) return undefined;
      if (v.trim() !== '') out[p.name] = v.trim();
    }
    return out;
  }

  async function scriptOf(
    uri: string | undefined,
    index?: number,
  ): Promise<{ script: string; title?: string; runScript?: string; source?: SessionSource }> {
    const doc = uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : vscode.window.activeTextEditor?.document;
    if (!doc) throw new InputError('no script: open a .bt file');
    const text = doc.getText();
    const name = doc.isUntitled ? 'untitled' : path.basename(doc.fileName);
    const docUri = doc.uri.toString();
    if (index === undefined) return { script: text, title: name, ...withProbeHits(config, text, docUri, (l) => l) };
    const s = standaloneProbe(text, index);
    if (s === undefined) throw new InputError('this probe cannot be run on its own until the syntax errors in the file are fixed');
    const block = probeBlocks(text)[index];
    const label = block?.label ?? `probe ${index + 1}`;
    return {
      script: s,
      title: `${name}: ${label.length > 50 ? `${label.slice(0, 49)}…` : label}`,
      ...withProbeHits(config, s, docUri, () => block?.line ?? 0),
    };
  }

  /** the selection of an editor as a script, its probes placed on the document's lines */
  function selectionScript(ed: vscode.TextEditor): { script: string; runScript?: string; source?: SessionSource } {
    const script = ed.document.getText(ed.selection);
    return { script, ...withProbeHits(config, script, ed.document.uri.toString(), (l) => l + ed.selection.start.line) };
  }

  /** run, after a confirmation when the caller chose a document other than the editor in front, or a node other than the active one */
  async function guarded(
    r: Parameters<typeof run>[0],
    uri: string | undefined,
    node?: string,
  ): Promise<Awaited<ReturnType<typeof run>> | undefined> {
    const front = vscode.window.activeTextEditor?.document.uri.toString();
    const asked = (uri !== undefined && uri !== front) || (node !== undefined && node !== nodes.fleet.activeNode);
    if (asked && !(await consent.confirmTrace({ nodes: r.nodes, script: r.script, durationSec: r.maxSec, title: r.title })))
      return undefined;
    return run(r);
  }

  function needActive(): string {
    const n = nodes.fleet.activeNode;
    if (!n) throw new InputError('no active node: pick one (eBPF: Select Active Node…) or use Run on…');
    return n;
  }

  function resolveNodes(a: RunArgs): string[] {
    if (a.nodes) return [...a.nodes];
    if (a.tag) {
      const ns = nodes.fleet.names().filter((n) => nodes.fleet.config(n)?.tags.includes(a.tag ?? ''));
      if (ns.length === 0) throw new InputError(`no node has the tag ${a.tag}`);
      return ns;
    }
    return [a.node ?? needActive()];
  }

  function sessionOf(arg: unknown): TraceSession | undefined {
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
    return sessions.get(id) ?? traces.get(id)?.session;
  }

  async function pickSession(arg: unknown, onlyRunning: boolean, placeHolder: string): Promise<TraceSession> {
    const direct = sessionOf(arg);
    if (direct) return direct;
    if (arg !== undefined && typeof arg !== 'object') throw new InputError(`no trace ${String(arg)}`);
    const list = [...sessions.values()].filter((s) => !onlyRunning || s.running).reverse();
    if (list.length === 0)
      throw new InputError(onlyRunning ? 'no trace is running' : 'no trace has run in this window (saved runs: eBPF: Show Saved Runs…)');
    if (list.length === 1 && list[0]) return list[0];
    const pick = await vscode.window.showQuickPick(
      list.map((s) => ({
        label: s.title,
        description: `${s.nodes.length === 1 ? s.nodes[0] : `${s.nodes.length} nodes`} · ${s.running ? `running ${Math.round((Date.now() - s.startedAt) / 1000)} s` : 'ended'}`,
        s,
      })),
      { placeHolder },
    );
    if (!pick) throw new vscode.CancellationError();
    return pick.s;
  }

  async function pickSaved(title: string, exclude?: string): Promise<SavedRun | undefined> {
    const list = (await store.list()).filter((e) => e.id !== exclude);
    if (list.length === 0) throw new InputError('no saved runs yet: runs are saved when they end');
    const pick = await vscode.window.showQuickPick(
      list.map((e) => ({
        label: e.title,
        description: `${e.nodes.length === 1 ? e.nodes[0] : `${e.nodes.length} nodes`} · ${new Date(e.startedAt).toLocaleString()}`,
        e,
      })),
      // one step of several (Compare Runs): a click elsewhere must not cancel it
      { title, matchOnDescription: true, ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    const r = await store.load(pick.e.file);
    if (typeof r === 'string') throw new InputError(r);
    return r;
  }

  async function loadRun(id: string): Promise<SavedRun> {
    const live = sessions.get(id);
    if (live) return live.toSaved();
    const r = await store.find(id);
    if (!r) throw new InputError(`no saved run ${id}`);
    return r;
  }

  // ------------------------------------------------------------------ commands
  const commands: CommandsOf<'tracing'> = {
    'ebpfLens.runTrace': async (a?: RunArgs) => {
      const args = a ?? {};
      if (args.durationSec !== undefined && (!Number.isInteger(args.durationSec) || args.durationSec < 1))
        throw new InputError('durationSec must be a whole number of seconds, at least 1');
      let script = args.script;
      let title = args.title;
      if (args.snippet) {
        script = buildSnippet(args.snippet, args.params ?? {});
        title ??= SNIPPETS.find((x) => x.id === args.snippet)?.title;
      }
      let counted: { runScript?: string; source?: SessionSource } = {};
      if (script === undefined) {
        const ed = vscode.window.activeTextEditor;
        if (!ed) throw new InputError('no script: open a .bt file, select a script, or pass { script }');
        if (ed.selection.isEmpty) {
          script = ed.document.getText();
          counted = withProbeHits(config, script, ed.document.uri.toString(), (l) => l);
        } else ({ script, ...counted } = selectionScript(ed));
      }
      if (script.trim() === '') throw new InputError('no script: open a .bt file, select a script, or pass { script }');
      const ns = resolveNodes(args);
      const chosenByCaller =
        args.script !== undefined ||
        args.snippet !== undefined ||
        args.node !== undefined ||
        args.nodes !== undefined ||
        args.tag !== undefined;
      if (chosenByCaller && !(await consent.confirmTrace({ nodes: ns, script, durationSec: args.durationSec ?? maxSec(), title })))
        return undefined;
      const r = await run({ script, nodes: ns, maxSec: args.durationSec ?? maxSec(), ...(title ? { title } : {}), ...counted });
      // a single node that could not start: say why (as before fleets existed)
      if (ns.length === 1 && r.id === undefined) throw new Error(Object.values(r.errors)[0] ?? 'the trace did not start');
      return r;
    },
    'ebpfLens.runTraceOn': async () => {
      type Src = vscode.QuickPickItem & { src: 'file' | 'selection' | 'snippet'; id?: string };
      const ed = vscode.window.activeTextEditor;
      const items: Src[] = [];
      if (ed && ed.document.languageId === 'bpftrace') {
        items.push({ label: `$(file-code) ${path.basename(ed.document.fileName)}`, description: 'the script in the editor', src: 'file' });
        if (!ed.selection.isEmpty) items.push({ label: '$(selection) Selection', description: 'the selected lines', src: 'selection' });
      }
      items.push({ label: 'One-liners', kind: vscode.QuickPickItemKind.Separator, src: 'snippet' });
      for (const s of SNIPPETS) items.push({ label: s.title, detail: s.detail, src: 'snippet', id: s.id });
      const pick = await vscode.window.showQuickPick(items, { title: 'eBPF: Run Trace', placeHolder: 'What to run', matchOnDetail: true });
      if (!pick) return undefined;
      let script: string;
      let title: string | undefined;
      let counted: { runScript?: string; source?: SessionSource } = {};
      if (pick.src === 'snippet' && pick.id) {
        const params = await askParams(pick.id);
        if (!params) return undefined;
        script = buildSnippet(pick.id, params);
        title = SNIPPETS.find((x) => x.id === pick.id)?.title;
      } else if (ed && pick.src === 'selection') {
        ({ script, ...counted } = selectionScript(ed));
      } else if (ed) {
        script = ed.document.getText();
        counted = withProbeHits(config, script, ed.document.uri.toString(), (l) => l);
      } else return undefined;
      const ns = await pickNodes(`Run “${title ?? path.basename(ed?.document.fileName ?? 'script')}” on…`);
      if (!ns) return undefined;
      return run({ script, nodes: ns, maxSec: maxSec(), ...(title ? { title } : {}), ...counted });
    },
    // a CodeLens click runs the script of the editor in front on the active node: other
    // documents or nodes named by a caller are confirmed first (see Consent)
    'ebpfLens.runFile': async (a?: { uri?: string }) =>
      guarded({ ...(await scriptOf(a?.uri)), nodes: [needActive()], maxSec: maxSec() }, a?.uri),
    'ebpfLens.runFileOn': async (a?: { uri?: string }) => {
      const s = await scriptOf(a?.uri);
      const ns = await pickNodes('Run the script on…');
      return ns ? guarded({ ...s, nodes: ns, maxSec: maxSec() }, a?.uri) : undefined;
    },
    'ebpfLens.runProbe': async (a?: { uri?: string; index?: number; node?: string }) =>
      guarded({ ...(await scriptOf(a?.uri, a?.index ?? 0)), nodes: [a?.node ?? needActive()], maxSec: maxSec() }, a?.uri, a?.node),
    'ebpfLens.runProbeOn': async (a?: { uri?: string; index?: number }) => {
      const s = await scriptOf(a?.uri, a?.index ?? 0);
      const ns = await pickNodes('Run the probe on…');
      return ns ? guarded({ ...s, nodes: ns, maxSec: maxSec() }, a?.uri) : undefined;
    },
    'ebpfLens.runSelection': async () => {
      const ed = vscode.window.activeTextEditor;
      if (!ed || ed.selection.isEmpty) throw new InputError('select the lines of a script first');
      return run({ ...selectionScript(ed), nodes: [needActive()], maxSec: maxSec() });
    },
    'ebpfLens.rerunLastTrace': async () => {
      if (!last) throw new InputError('nothing has run yet in this window');
      return run(last);
    },
    'ebpfLens.stopTrace': async (arg?: unknown) => {
      const s = await pickSession(arg, true, 'Trace to stop');
      // one node's trace (an id, a tree row) or a whole session
      const id =
        typeof arg === 'string' && traces.has(arg)
          ? arg
          : typeof arg === 'object' && arg !== null && 'trace' in arg && typeof (arg as { trace: unknown }).trace === 'string'
            ? (arg as { trace: string }).trace
            : undefined;
      if (id) traces.get(id)?.run.stop('stop');
      else s.stop('stop');
      if (id) {
        await traces.get(id)?.run.finished;
        // the session records the outcome just after
        await new Promise((r) => setImmediate(r));
        return info(id);
      }
      await s.finished;
      return s.toSaved();
    },
    'ebpfLens.stopAllTraces': async () => {
      const live = liveSessions();
      live.forEach((s) => s.stop('stop'));
      await Promise.all(live.map((s) => s.finished));
      return live.length;
    },
    'ebpfLens.getTrace': (id?: string) => (id ? info(id) : [...traces.keys()].map((k) => info(k))),
    'ebpfLens.showTraceResults': async (arg?: unknown) => {
      const s = await pickSession(arg, false, 'Results of');
      ResultsPanel.forSession(context.extensionUri, s, actions).reveal();
      return s.id;
    },
    'ebpfLens.showSavedRuns': async () => {
      const r = await pickSaved('Saved runs');
      if (!r) return undefined;
      const s = sessions.get(r.id) ?? TraceSession.fromSaved(r);
      sessions.set(s.id, s);
      ResultsPanel.forSession(context.extensionUri, s, actions).reveal();
      return s.id;
    },
    'ebpfLens.compareRuns': async (a?: { a?: string; b?: string }) => {
      const ra = a?.a ? await loadRun(a.a) : await pickSaved('Compare runs: the first (A, before)');
      if (!ra) return undefined;
      const rb = a?.b ? await loadRun(a.b) : await pickSaved('Compare runs: the second (B, after)', ra.id);
      if (!rb) return undefined;
      const deltas = compareMaps(runMaps(ra), runMaps(rb));
      const label = (r: SavedRun): string =>
        `${r.title} · ${r.nodes.length === 1 ? r.nodes[0]?.node : `${r.nodes.length} nodes`} · ${new Date(r.startedAt).toLocaleTimeString()}`;
      const labels: [string, string] = ['A', 'B'];
      const markdown = `## Compare runs\n\n- **A**: ${label(ra)}\n- **B**: ${label(rb)}\n\n${compareMarkdown(deltas, labels)}`;
      const p = ResultsPanel.forCompare(context.extensionUri, { labels, deltas, a: label(ra), b: label(rb), markdown }, actions);
      lastCompare = { id: p.id, deltas };
      return { id: p.id, deltas };
    },
  };

  return {
    api: {
      list: () => [...traces.keys()].map((k) => info(k)).filter((x): x is TraceInfo => x !== undefined),
      get: info,
      onDidChange: changed.event,
      session: (id) => sessions.get(id),
      sessions: () => [...sessions.values()],
      viewSummary: async (id) => ResultsPanel.get(id)?.nextSummary(),
      lastCompare: () => lastCompare,
      store,
      tracesOn: (node) =>
        [...traces.values()]
          .filter((t) => t.run.node === node && (t.run.state === 'running' || t.run.state === 'starting' || t.run.state === 'stopping'))
          .map((t) => ({
            id: t.run.id,
            title: t.session.title,
            state: t.run.state,
            startedAt: t.run.startedAt,
            events: t.run.results.events,
          })),
      start: (o) => startSession(o),
    },
    commands,
  };
}
