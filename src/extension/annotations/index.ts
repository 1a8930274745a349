import * as path from 'node:path';
import type { Ctx } from '../ctx';
import * as vscode from 'vscode';
import { executablesUnder, mapPath, rankBinaries, runningBinaries } from '../../core/annotate/binaries';
import type { BpfProgramFacts } from '../../core/annotate/bpf';
import { bpfAnnotations, matchPrograms } from '../../core/annotate/bpf';
import type { SourceFunction } from '../../core/annotate/functions';
import { isBpfSource } from '../../core/annotate/functions';
import type { HelperCall } from '../../core/annotate/helpers';
import { helperCalls } from '../../core/annotate/helpers';
import type { CountPlan } from '../../core/annotate/measure';
import { countAnnotations, countScript, planCounts, readCounts } from '../../core/annotate/measure';
import type { DecorationPlan, FileAnnotations, FunctionAnnotation } from '../../core/annotate/model';
import { decorationPlan, hoverMarkdown, reanchor, withShares } from '../../core/annotate/model';
import { HITS_MAP, WINDOW_MAP, probeHits, probeWindowSec } from '../../core/annotate/probeHits';
import { uprobeSymbols } from '../../core/annotate/symbols';
import type { BpftraceFeatures } from '../../core/bpftrace/nodeTools';
import { featuresCommand, listProbesCommand } from '../../core/bpftrace/nodeTools';
import { xlatedDump } from '../../core/bpftool/xlated';
import { CancelledError, InputError, errorMessage } from '../../core/base/errors';
import { compact } from '../../core/nodes/stats';
import { checkParam } from '../../core/trace/library';
import type { CommandsOf } from '../commandIds';
import type { NodesApi } from '../nodes/nodesController';
import type { TracingApi } from '../tracing/tracingController';
import type { TraceSession } from '../tracing/session';
import { HeatDecorations } from './decorations';
import { fileLabel, functionsOf, probeKeys } from './sources';

/** What the annotations capability exports (tests read it). */
export interface AnnotationsApi {
  /** the annotations of a document (uri string), as measured and re-anchored */
  state(uri: string): FileAnnotations | undefined;
  /** what is drawn for a document */
  decorations(uri: string): DecorationPlan | undefined;
  readonly visible: boolean;
  /** the document uris with live re-measuring on */
  live(): string[];
  /** a measurement of the document under way: its window counting, or a live one being prepared */
  measuring(uri: string): 'counting' | 'preparing' | undefined;
  /** show annotations measured elsewhere (a saved run, another tool) on a document */
  show(uri: string, file: FileAnnotations): void;
}

interface AnnotateArgs {
  readonly uri?: string;
  readonly node?: string;
  readonly binary?: string;
  readonly windowSec?: number;
  readonly pid?: number;
  /** functions (qualified names) to time too (latency histograms) */
  readonly latency?: readonly string[];
  /** no progress notification (live mode) */
  readonly quiet?: boolean;
}

interface DocState {
  file: FileAnnotations;
  /** for re-measuring: what was asked */
  args: AnnotateArgs;
}

const BINARIES_KEY = 'ebpfLens.annotations.binaries';

/**
 * Call-frequency annotations: heat on the line, the rate at its end, the story in a hover.
 * User functions are counted with uprobes for a window (a guarded trace); BPF C functions show
 * the run stats of the programs loaded under their names; bpftrace blocks show how often they
 * fired in the last run started from the editor.
 */
export function registerAnnotations(ctx: Ctx & { readonly nodes: NodesApi; readonly tracing: TracingApi }): {
  api: AnnotationsApi;
  commands: CommandsOf<'annotations'>;
} {
  const { context, log, config, nodes, tracing } = ctx;
  const states = new Map<string, DocState>();
  const decorations = new HeatDecorations();
  const lives = new Map<string, NodeJS.Timeout>();
  const measuring = new Map<string, TraceSession>();
  /** a re-measurement live mode's timer started and that has not ended, per document */
  const liveRuns = new Map<string, Promise<void>>();
  /** documents whose counting trace is being started (not yet in `measuring`) */
  const starting = new Set<string>();
  const features = new Map<string, BpftraceFeatures>();
  const helperCache = new Map<string, readonly HelperCall[]>();
  let visible = true;
  context.subscriptions.push(decorations, { dispose: () => lives.forEach((t) => clearInterval(t)) });
  // a window still counting when the extension stops is stopped (the guard would anyway)
  context.subscriptions.push({ dispose: () => measuring.forEach((s) => s.stop('extension stopped')) });

  const status = vscode.window.createStatusBarItem('ebpfLens.annotations', vscode.StatusBarAlignment.Right, 100);
  status.name = 'eBPF call-frequency annotations';
  status.command = 'ebpfLens.toggleAnnotations';
  context.subscriptions.push(status);

  // ------------------------------------------------------------------ drawing
  const planOf = (uri: string): DecorationPlan | undefined => {
    const st = states.get(uri);
    if (!st) return undefined;
    return decorationPlan(st.file, path.basename(vscode.Uri.parse(uri).path));
  };
  const render = (editor: vscode.TextEditor): void => {
    const uri = editor.document.uri.toString();
    const plan = visible ? planOf(uri) : undefined;
    if (!plan) decorations.clear(editor);
    else decorations.apply(editor, plan, config.get('annotations.gutterIcons'));
  };
  const renderAll = (uri?: string): void => {
    for (const ed of vscode.window.visibleTextEditors) if (!uri || ed.document.uri.toString() === uri) render(ed);
    updateStatus();
  };
  const updateStatus = (): void => {
    const ed = vscode.window.activeTextEditor;
    const uri = ed?.document.uri.toString();
    const running = uri ? measuring.get(uri) : undefined;
    const st = uri ? states.get(uri) : undefined;
    if (running) {
      status.text = `$(sync~spin) counting calls on ${running.nodes[0] ?? ''}…`;
      status.tooltip = `${running.title}: a window of call counting is running. Stop it from the Traces in the Nodes view or eBPF: Stop Trace….`;
      status.show();
    } else if (st) {
      const n = st.file.items.filter((i) => i.rate !== undefined).length;
      const top = [...st.file.items].sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0))[0];
      status.text = `$(flame) ${n} ${st.file.kind === 'bpftrace' ? 'probes' : 'functions'}${visible ? '' : ' (hidden)'}${lives.has(uri ?? '') ? ' · live' : ''}`;
      status.tooltip = new vscode.MarkdownString(
        `**Call-frequency annotations** on \`${st.file.node}\`${top?.rate !== undefined ? `\n\nhottest: \`${top.label}\` at ${compact(top.rate)}/s` : ''}${(st.file.notes ?? []).map((x) => `\n\n- ${x}`).join('')}\n\nClick to ${visible ? 'hide' : 'show'} them.`,
      );
      status.show();
    } else status.hide();
  };

  const setState = (uri: string, file: FileAnnotations, args: AnnotateArgs): void => {
    states.set(uri, { file, args });
    renderAll(uri);
  };

  context.subscriptions.push(
    vscode.window.onDidChangeVisibleTextEditors((eds) => eds.forEach(render)),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus()),
    vscode.workspace.onDidCloseTextDocument((d) => {
      void stopLive(d.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('ebpfLens.annotations.gutterIcons')) renderAll();
    }),
  );

  // ------------------------------------------------------------------ following edits
  const pending = new Map<string, NodeJS.Timeout>();
  context.subscriptions.push(
    vscode.workspace.onDidChangeTextDocument((e) => {
      const uri = e.document.uri.toString();
      if (!states.has(uri) || e.contentChanges.length === 0) return;
      clearTimeout(pending.get(uri));
      pending.set(
        uri,
        setTimeout(() => {
          pending.delete(uri);
          void reanchorDoc(e.document);
        }, 300),
      );
    }),
    { dispose: () => pending.forEach((t) => clearTimeout(t)) },
  );
  async function reanchorDoc(doc: vscode.TextDocument): Promise<void> {
    const uri = doc.uri.toString();
    const st = states.get(uri);
    if (!st) return;
    let lines: Map<string, number>;
    if (st.file.kind === 'bpftrace') lines = probeKeys(doc.getText());
    else {
      try {
        const { fns } = await functionsOf(doc);
        lines = new Map(fns.map((f) => [f.qualified, doc.positionAt(f.nameStart).line]));
      } catch {
        return;
      }
    }
    const cur = states.get(uri);
    if (!cur) return;
    cur.file = { ...cur.file, items: reanchor(cur.file.items, lines) };
    renderAll(uri);
  }

  // ------------------------------------------------------------------ hover
  context.subscriptions.push(
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
      provideHover(doc, pos) {
        if (!visible) return undefined;
        const uri = doc.uri.toString();
        const st = states.get(uri);
        const a = st?.file.items.find((i) => i.line === pos.line);
        if (!st || !a) return undefined;
        const cmd = (id: string, arg: unknown): string => `command:${id}?${encodeURIComponent(JSON.stringify([arg]))}`;
        const md = new vscode.MarkdownString(
          hoverMarkdown(a, st.file, {
            ...(st.file.kind !== 'bpftrace' ? { remeasure: cmd('ebpfLens.annotate', { uri }) } : {}),
            ...(st.file.kind === 'uprobe' ? { latency: cmd('ebpfLens.measureLatency', { uri, function: a.key }) } : {}),
            ...(st.file.session ? { results: cmd('ebpfLens.showTraceResults', st.file.session) } : {}),
            toggle: cmd('ebpfLens.toggleAnnotations', {}),
          }),
        );
        md.isTrusted = {
          enabledCommands: ['ebpfLens.annotate', 'ebpfLens.measureLatency', 'ebpfLens.showTraceResults', 'ebpfLens.toggleAnnotations'],
        };
        return new vscode.Hover(md, doc.lineAt(pos.line).range);
      },
    }),
  );

  // ------------------------------------------------------------------ bpftrace: probe hits of runs from the editor
  const throttle = new Map<string, NodeJS.Timeout>();
  context.subscriptions.push(
    tracing.onDidChange((id) => {
      const s = tracing.session(id);
      if (!s?.source || throttle.has(id)) return;
      throttle.set(
        id,
        setTimeout(() => {
          throttle.delete(id);
          probeHitAnnotations(s);
        }, 500),
      );
    }),
    { dispose: () => throttle.forEach((t) => clearTimeout(t)) },
  );
  function probeHitAnnotations(s: TraceSession): void {
    const src = s.source;
    if (!src) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === src.uri);
    const keyAt = new Map<number, string>();
    if (doc) for (const [k, l] of probeKeys(doc.getText())) keyAt.set(l, k);
    const hits = new Map<number, number>();
    let windowMs = 0;
    const now = Date.now();
    for (const p of s.parts.values()) {
      const r = s.resultsOf(p);
      if (!r) continue;
      for (const [i, n] of probeHits(r.hidden?.find((m) => m.name === HITS_MAP))) hits.set(i, (hits.get(i) ?? 0) + n);
      if (r.attachedAt === undefined) continue;
      // the window the counts were printed with (kernel clock) when the script measured it; else
      // this host's view of the run, which is late by the stop's round trip and bpftrace's exit
      const seen = p.outcome?.attachedMs ?? (p.outcome?.endedAt ?? (s.running ? now : (s.endedAt ?? now))) - (p.startedAt + r.attachedAt);
      const kernel = probeWindowSec(r.hidden?.find((m) => m.name === WINDOW_MAP));
      windowMs = Math.max(windowMs, kernel !== undefined && kernel * 1000 <= seen + 2000 ? kernel * 1000 : seen);
    }
    if (hits.size === 0 && s.running) return;
    const secs = windowMs / 1000;
    const items = src.probes.map((p): FunctionAnnotation => ({
      key: keyAt.get(p.line) ?? `${p.label}#0`,
      label: p.label,
      line: p.line,
      count: hits.get(p.index) ?? 0,
      ...(secs > 0 ? { rate: (hits.get(p.index) ?? 0) / secs } : {}),
      filtered: p.filtered,
    }));
    setState(
      src.uri,
      {
        kind: 'bpftrace',
        node: s.nodes.length === 1 ? (s.nodes[0] ?? '') : `${s.nodes.length} nodes`,
        windowSec: secs,
        at: s.endedAt ?? now,
        items: withShares(items),
        session: s.id,
      },
      {},
    );
  }

  // ------------------------------------------------------------------ picking a binary
  const binaryKey = (node: string, doc: vscode.TextDocument): string => `${node}\u0000${path.dirname(doc.uri.fsPath)}`;
  const remembered = (node: string, doc: vscode.TextDocument): string | undefined =>
    context.workspaceState.get<Record<string, string>>(BINARIES_KEY, {})[binaryKey(node, doc)];
  const remember = async (node: string, doc: vscode.TextDocument, bin: string): Promise<void> => {
    const all = { ...context.workspaceState.get<Record<string, string>>(BINARIES_KEY, {}), [binaryKey(node, doc)]: bin };
    await context.workspaceState.update(BINARIES_KEY, all);
  };

  async function pickBinary(node: string, doc: vscode.TextDocument): Promise<string | undefined> {
    const mappings = config.get('annotations.pathMappings');
    const [running, mapped] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `eBPF Lens: binaries on ${node}` },
      async () => {
        const r = await nodes.fleet.run(node, runningBinaries()).catch((e: unknown) => {
          log.warn(`${node}: listing running binaries: ${errorMessage(e)}`);
          return [];
        });
        const remoteDir = mapPath(path.dirname(doc.uri.fsPath), mappings);
        const m = remoteDir ? await nodes.fleet.run(node, executablesUnder(remoteDir)).catch(() => []) : [];
        return [r, m] as const;
      },
    );
    type Item = vscode.QuickPickItem & { bin?: string; manual?: boolean };
    const items: Item[] = [];
    if (mapped.length) {
      items.push({ label: 'From ebpfLens.annotations.pathMappings', kind: vscode.QuickPickItemKind.Separator });
      for (const p of rankBinaries(mapped, doc.uri.fsPath)) items.push({ label: path.basename(p), description: p, bin: p });
    }
    const runPaths = rankBinaries(
      running.filter((r) => !r.deleted).map((r) => r.path),
      doc.uri.fsPath,
    );
    if (runPaths.length) {
      items.push({ label: `Running on ${node}`, kind: vscode.QuickPickItemKind.Separator });
      for (const p of runPaths) {
        const r = running.find((x) => x.path === p);
        items.push({
          label: path.basename(p),
          description: p,
          detail: r
            ? `${r.pids.length} process${r.pids.length === 1 ? '' : 'es'}: ${r.pids.slice(0, 6).join(', ')}${r.pids.length > 6 ? ' …' : ''}`
            : '',
          bin: p,
        });
      }
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(edit) Enter a path on the node…', manual: true });
    const pick = await vscode.window.showQuickPick(items, {
      title: `The binary ${fileLabel(doc)} is built into, on ${node}`,
      placeHolder: 'Binary or library (its functions are counted with uprobes)',
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!pick) return undefined;
    if (pick.bin) return pick.bin;
    return vscode.window.showInputBox({
      title: `Binary on ${node}`,
      prompt: 'Absolute path of the binary or library on the node',
      placeHolder: '/usr/sbin/nginx',
      ignoreFocusOut: true,
      validateInput: (v) => checkParam('binary', v.trim()),
    });
  }

  // ------------------------------------------------------------------ measuring
  const nodeFor = (a: AnnotateArgs): string => {
    const n = a.node ?? nodes.fleet.activeNode;
    if (!n) throw new InputError('no active node: pick one (eBPF: Select Active Node…)');
    if (!nodes.fleet.names().includes(n)) throw new InputError(`unknown node ${n}`);
    return n;
  };
  const docFor = async (a: AnnotateArgs): Promise<vscode.TextDocument> => {
    const doc = a.uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(a.uri)) : vscode.window.activeTextEditor?.document;
    if (!doc) throw new InputError('open a source file first');
    return doc;
  };
  const lineOf = (doc: vscode.TextDocument) => (f: SourceFunction) => doc.positionAt(f.nameStart).line;

  async function featuresOf(node: string): Promise<BpftraceFeatures> {
    const boot = nodes.fleet.client(node)?.info.bootId ?? '';
    const key = `${node}\u0000${boot}`;
    const hit = features.get(key);
    if (hit) return hit;
    const f = await nodes.fleet.run(node, featuresCommand()).catch((e: unknown) => {
      log.warn(`${node}: bpftrace --info: ${errorMessage(e)} (counting without multi-attach)`);
      return { uprobeMulti: false, kprobeMulti: false };
    });
    features.set(key, f);
    return f;
  }

  /** functions on screen first: they are the ones a probe limit should keep */
  function byVisibility(doc: vscode.TextDocument, fns: readonly SourceFunction[]): SourceFunction[] {
    const ed = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const ranges = ed?.visibleRanges ?? [];
    const shown = (f: SourceFunction): boolean => ranges.some((r) => r.contains(doc.positionAt(f.nameStart)));
    return [...fns.filter(shown), ...fns.filter((f) => !shown(f))];
  }

  async function measureUser(
    doc: vscode.TextDocument,
    a: AnnotateArgs,
    fns: readonly SourceFunction[],
    lang: Parameters<typeof planCounts>[2],
    wanted?: () => boolean,
  ): Promise<FileAnnotations | undefined> {
    const node = nodeFor(a);
    const uri = doc.uri.toString();
    // one measurement of a file at a time (live mode skips its turn instead of failing)
    const refuseIfBusy = (): void => {
      if (measuring.has(uri) || starting.has(uri))
        throw wanted ? new CancelledError() : new InputError(`${fileLabel(doc)} is being measured already`);
    };
    refuseIfBusy();
    await nodes.fleet.connect(node);
    let binary = a.binary ?? remembered(node, doc);
    if (!binary) {
      binary = await pickBinary(node, doc);
      if (!binary) return undefined;
    }
    binary = binary.trim();
    const why = checkParam('binary', binary);
    if (why) throw new InputError(`binary ${JSON.stringify(binary.slice(0, 120))} is not ${why}`);
    const windowSec = a.windowSec ?? config.get('annotations.windowSeconds');
    const [listing, feat] = await Promise.all([nodes.fleet.run(node, listProbesCommand(`uprobe:${binary}:*`)), featuresOf(node)]);
    const symbols = uprobeSymbols(listing.lines, binary);
    if (symbols.length === 0)
      throw new InputError(`${binary} on ${node} has no function symbols bpftrace can see (not a binary there, or stripped)`);
    await remember(node, doc, binary);
    const plan: CountPlan = planCounts(byVisibility(doc, fns), symbols, lang, {
      multi: feat.uprobeMulti,
      maxProbes: config.get('annotations.maxProbes'),
    });
    if (plan.measured.length === 0)
      throw new InputError(`none of the ${fns.length} functions of ${fileLabel(doc)} is in ${binary} (${plan.notes.join('; ')})`);
    const latency = (a.latency ?? []).flatMap(
      (q) => plan.measured.find((m) => m.fn.qualified === q || m.fn.name === q)?.symbols.slice(0, 1) ?? [],
    );
    const script = countScript({
      binary,
      plan: plan.plan,
      windowSec,
      ...(a.pid !== undefined ? { pid: a.pid } : {}),
      ...(latency.length ? { latency } : {}),
    });
    const probes = plan.plan.exact.length + plan.plan.patterns.length;
    // attaching and detaching many single uprobes takes time (~0.1 s each on bpftrace 0.17)
    const maxSec = windowSec + 30 + Math.ceil(probes * 0.25);
    log.info(
      `annotate ${fileLabel(doc)} on ${node}: ${plan.measured.length} functions in ${binary}, ${probes} probe(s)${feat.uprobeMulti ? ' (uprobe_multi)' : ''}, ${windowSec} s`,
    );
    if (wanted && !wanted()) throw new CancelledError();
    // checked again: another measurement of this file may have got this far meanwhile
    refuseIfBusy();
    starting.add(uri);
    let session: TraceSession;
    try {
      session = await tracing.start({
        script,
        nodes: [node],
        title: `Call counts: ${fileLabel(doc)} in ${path.basename(binary)}`,
        maxSec,
        show: false,
      });
    } finally {
      starting.delete(uri);
    }
    measuring.set(uri, session);
    // turned off while the trace was starting: stopLive found nothing to stop yet
    if (wanted && !wanted()) session.stop('cancel');
    updateStatus();
    const wait = async (
      token?: vscode.CancellationToken,
      progress?: vscode.Progress<{ message?: string; increment?: number }>,
    ): Promise<void> => {
      token?.onCancellationRequested(() => session.stop('cancel'));
      const t0 = Date.now();
      const tick = setInterval(() => {
        const left = Math.max(0, windowSec - Math.round((Date.now() - t0) / 1000));
        progress?.report({ message: left > 0 ? `${left} s left` : 'detaching…', increment: 100 / (windowSec + 2) });
      }, 1000);
      try {
        await session.finished;
      } finally {
        clearInterval(tick);
      }
    };
    try {
      if (a.quiet) await wait();
      else
        await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `Counting calls of ${plan.measured.length} function${plan.measured.length === 1 ? '' : 's'} of ${fileLabel(doc)} on ${node} for ${windowSec} s`,
            cancellable: true,
          },
          (progress, token) => wait(token, progress),
        );
    } finally {
      measuring.delete(uri);
      updateStatus();
    }
    const part = session.parts.get(node);
    const outcome = part?.outcome;
    if (outcome?.reason === 'cancel') throw new CancelledError();
    if (part?.error && !outcome) throw new Error(part.error.message);
    if (!outcome || outcome.state === 'failed')
      throw new Error(`counting on ${node} failed: ${outcome?.error?.message ?? part?.error?.message ?? 'no result'}`);
    const r = readCounts(outcome.results.maps, { binary, plan: plan.plan, ...(latency.length ? { latency } : {}) });
    const notes = [...plan.notes];
    if (r.windowNs === undefined) notes.push('the window was cut short: rates are over the time the trace ran');
    const secs =
      r.windowNs !== undefined
        ? r.windowNs / 1e9
        : Math.max(0.001, (outcome.attachedMs ?? outcome.endedAt - outcome.startedAt - (outcome.results.attachedAt ?? 0)) / 1000);
    const items = countAnnotations(plan, r, lineOf(doc), secs);
    const file: FileAnnotations = { kind: 'uprobe', node, windowSec: secs, at: outcome.endedAt, binary, items, session: session.id, notes };
    setState(uri, file, { ...a, node, binary });
    return file;
  }

  async function annotateBpf(doc: vscode.TextDocument, a: AnnotateArgs, fns: readonly SourceFunction[]): Promise<FileAnnotations> {
    const node = nodeFor(a);
    await nodes.fleet.connect(node);
    if (!nodes.fleet.view(node)?.statsOn && !a.quiet) {
      // run stats need the kernel-wide switch: the Nodes capability asks first
      await vscode.commands.executeCommand('ebpfLens.enableStats', node);
    }
    const file = await bpfFile(doc, node, fns);
    bpfWatch.set(doc.uri.toString(), { node, fns: [...fns] });
    setState(doc.uri.toString(), file, { ...a, node });
    return file;
  }

  async function bpfFile(doc: vscode.TextDocument, node: string, fns: readonly SourceFunction[]): Promise<FileAnnotations> {
    const view = nodes.fleet.view(node);
    const listing = nodes.fleet.listing(node) ?? (await nodes.fleet.refresh(node));
    const matches = matchPrograms(fns, listing);
    const facts = new Map<number, BpfProgramFacts>();
    for (const progs of matches.values()) {
      const newest = progs[0];
      for (const p of progs) {
        const stats = view?.stats?.get(p.program.id);
        let helpers: readonly HelperCall[] | undefined;
        if (p === newest) {
          const key = `${node}\u0000${p.program.id}\u0000${p.program.tag}`;
          helpers = helperCache.get(key);
          if (!helpers) {
            try {
              helpers = helperCalls(await nodes.fleet.run(node, xlatedDump(p.program.id, true)));
              helperCache.set(key, helpers);
            } catch (e) {
              log.warn(`${node}: xlated dump of program ${p.program.id}: ${errorMessage(e)}`);
            }
          }
        }
        facts.set(p.program.id, { ...(stats ? { stats } : {}), ...(helpers ? { helpers } : {}) });
      }
    }
    const items = bpfAnnotations(matches, facts, lineOf(doc), view?.statsOn === true);
    const windowSec = [...(view?.stats?.values() ?? [])][0]?.windowSec ?? 0;
    const notes = view?.statsOn ? [] : ['live stats are off: eBPF: Enable Live Stats on the node shows runs per second'];
    return { kind: 'bpf', node, windowSec, at: Date.now(), items, notes };
  }

  // BPF C files follow the node's stats as they refresh
  const bpfWatch = new Map<string, { node: string; fns: SourceFunction[] }>();
  let bpfTimer: NodeJS.Timeout | undefined;
  const onFleet = (name?: string): void => {
    if (bpfTimer || bpfWatch.size === 0) return;
    bpfTimer = setTimeout(() => {
      bpfTimer = undefined;
      for (const [uri, w] of bpfWatch) {
        if (name && name !== w.node) continue;
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
        const st = states.get(uri);
        if (!doc || !st || st.file.kind !== 'bpf') {
          bpfWatch.delete(uri);
          continue;
        }
        void functionsOf(doc)
          .then(({ fns }) =>
            bpfFile(
              doc,
              w.node,
              fns.filter((f) => f.section !== undefined),
            ),
          )
          .then((file) => {
            if (states.get(uri)?.file.kind === 'bpf') setState(uri, file, states.get(uri)?.args ?? {});
          })
          .catch((e: unknown) => log.debug(`annotations of ${uri}: ${errorMessage(e)}`));
      }
    }, 300);
  };
  context.subscriptions.push(nodes.fleet.onDidChange(onFleet), { dispose: () => bpfTimer && clearTimeout(bpfTimer) });

  /** `wanted`: asked again before the window starts (live mode may have been turned off meanwhile) */
  async function annotate(a: AnnotateArgs = {}, wanted?: () => boolean): Promise<FileAnnotations | undefined> {
    const doc = await docFor(a);
    const uri = doc.uri.toString();
    if (doc.languageId === 'bpftrace') {
      // a script's blocks are annotated by its runs: the last one from this document
      const s = [...tracing.sessions()].reverse().find((x) => x.source?.uri === uri);
      if (!s) throw new InputError('run the script first (CodeLens ▶ Run, or eBPF: Run Trace…): each probe then shows how often it fired');
      probeHitAnnotations(s);
      visible = true;
      renderAll();
      return states.get(uri)?.file;
    }
    const { lang, fns } = await functionsOf(doc);
    if (fns.length === 0) throw new InputError(`no function definitions found in ${fileLabel(doc)}`);
    visible = true;
    if (isBpfSource(fns))
      return annotateBpf(
        doc,
        a,
        fns.filter((f) => f.section !== undefined),
      );
    return measureUser(doc, a, fns, lang, wanted);
  }

  // ------------------------------------------------------------------ live mode
  /** live mode off for a document; a window it started that is still counting, or still being
   * prepared, is stopped too, and this resolves once it has ended (nothing left attached) */
  async function stopLive(uri: string): Promise<void> {
    const t = lives.get(uri);
    if (t) clearInterval(t);
    const wasLive = lives.delete(uri);
    updateStatus();
    const s = wasLive ? measuring.get(uri) : undefined;
    s?.stop('cancel');
    await Promise.all([s?.finished, liveRuns.get(uri)]);
  }

  const commands: CommandsOf<'annotations'> = {
    'ebpfLens.annotate': (a?: AnnotateArgs) => annotate(a ?? {}),
    'ebpfLens.measureLatency': async (a?: AnnotateArgs & { function?: string }) => {
      const doc = await docFor(a ?? {});
      let fn = a?.function;
      if (!fn) {
        const ed = vscode.window.activeTextEditor;
        const { fns } = await functionsOf(doc);
        const at = ed && ed.document === doc ? doc.offsetAt(ed.selection.active) : -1;
        fn = fns.find((f) => at >= f.start && at <= f.end)?.qualified;
        if (!fn) {
          const pick = await vscode.window.showQuickPick(
            fns.map((f) => ({ label: f.qualified })),
            { title: 'Measure the latency of…' },
          );
          fn = pick?.label;
        }
      }
      if (!fn) return undefined;
      const prev = states.get(doc.uri.toString())?.args ?? {};
      return annotate({ ...prev, ...a, uri: doc.uri.toString(), latency: [fn] });
    },
    'ebpfLens.toggleAnnotations': () => {
      visible = !visible;
      renderAll();
      return visible;
    },
    'ebpfLens.clearAnnotations': async (a?: { uri?: string }) => {
      const uri = a?.uri ?? vscode.window.activeTextEditor?.document.uri.toString();
      if (!uri) return false;
      await stopLive(uri);
      bpfWatch.delete(uri);
      const had = states.delete(uri);
      renderAll(uri);
      return had;
    },
    'ebpfLens.toggleLiveAnnotations': async (a?: AnnotateArgs & { intervalSec?: number }) => {
      const doc = await docFor(a ?? {});
      const uri = doc.uri.toString();
      if (lives.has(uri)) {
        await stopLive(uri);
        return false;
      }
      const first = await annotate({ ...(states.get(uri)?.args ?? {}), ...a, uri });
      if (!first) return false;
      if (first.kind !== 'uprobe') {
        void vscode.window.showInformationMessage(
          first.kind === 'bpf'
            ? 'BPF program annotations are live already: they follow the node’s stats.'
            : 'bpftrace annotations follow the script’s runs.',
        );
        return false;
      }
      const every = Math.max(first.windowSec + 2, a?.intervalSec ?? config.get('annotations.liveIntervalSeconds')) * 1000;
      lives.set(
        uri,
        setInterval(() => {
          if (measuring.has(uri) || liveRuns.has(uri)) return;
          const args = states.get(uri)?.args ?? {};
          const run = annotate({ ...args, uri, quiet: true }, () => lives.has(uri))
            .then(
              () => undefined,
              (e: unknown) => {
                if (CancelledError.is(e)) return;
                log.warn(`live annotations of ${fileLabel(doc)}: ${errorMessage(e)}`);
                void stopLive(uri);
              },
            )
            .finally(() => liveRuns.delete(uri));
          liveRuns.set(uri, run);
        }, every),
      );
      updateStatus();
      return true;
    },
    'ebpfLens.selectBinary': async (a?: { uri?: string; node?: string; binary?: string }) => {
      const doc = await docFor(a ?? {});
      const node = nodeFor(a ?? {});
      await nodes.fleet.connect(node);
      const bin = a?.binary ?? (await pickBinary(node, doc));
      if (!bin) return undefined;
      const why = checkParam('binary', bin);
      if (why) throw new InputError(`binary ${JSON.stringify(bin.slice(0, 120))} is not ${why}`);
      await remember(node, doc, bin);
      return bin;
    },
  };

  return {
    api: {
      state: (uri) => states.get(uri)?.file,
      decorations: (uri) => planOf(uri),
      get visible() {
        return visible;
      },
      live: () => [...lives.keys()],
      measuring: (uri) => (measuring.has(uri) ? 'counting' : liveRuns.has(uri) || starting.has(uri) ? 'preparing' : undefined),
      show: (uri, file) => setState(uri, file, {}),
    },
    commands,
  };
}
