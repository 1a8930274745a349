import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { MapDelta } from '../../core/trace/merge';
import { mergeResults } from '../../core/trace/merge';
import { endLabel } from '../../core/trace/outcome';
import type { MapSnapshot } from '../../core/trace/output';
import type { OutputLine } from '../../core/trace/results';
import type { NodeFacts } from '../../core/trace/labels';
import { keyLabeller } from '../../core/trace/labels';
import type { NodePart, TraceSession } from '../../ssh/traceSession';

/** What the webview reported it shows (tests read it; it proves the page rendered). */
export interface ViewSummary {
  readonly mode: 'run' | 'compare';
  readonly tab: string | null;
  readonly state: string;
  readonly lines: number;
  readonly shownLines: readonly string[];
  readonly maps: readonly {
    readonly name: string;
    readonly rows: number;
    readonly bars: number;
    readonly cells: readonly (readonly string[])[];
  }[];
  readonly error: string;
  readonly tabs: readonly string[];
}

export interface PanelActions {
  stop(session: TraceSession): void;
  rerun(session: TraceSession): void;
  copyMarkdown(session: TraceSession | undefined, compare?: { markdown: string }): Promise<void>;
  saveJson(session: TraceSession): Promise<void>;
  /** what the node's listing says (program and device names), for the one-liners' key labels */
  nodeFacts?(node: string): NodeFacts | undefined;
}

const UPDATE_MS = 250;
/** at most this many new lines per update and node (the view keeps 20,000) */
const LINES_PER_UPDATE = 4000;

/**
 * The results webview of a session (or a comparison of two runs). The page (media/results.js)
 * is local, under a strict CSP with a nonce; every string from a node is set as text there.
 * Updates go out at most 4 times a second with only what is new: lines since the last update,
 * maps only when bpftrace printed them again.
 */
export class ResultsPanel {
  private static readonly open = new Map<string, ResultsPanel>();
  readonly panel: vscode.WebviewPanel;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly cursors = new Map<
    string,
    { seq: number; mapsVersion: number; events: number; at: number; rate: number; sentFrozen: boolean }
  >();
  private lastSummary: ViewSummary | undefined;
  private readonly summaryWaiters: ((s: ViewSummary) => void)[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private labeller: ReturnType<typeof keyLabeller> | null | undefined;
  private compareData: { labels: [string, string]; deltas: readonly MapDelta[]; a: string; b: string; markdown: string } | undefined;

  static forSession(extensionUri: vscode.Uri, session: TraceSession, actions: PanelActions, reveal = true): ResultsPanel {
    const existing = ResultsPanel.open.get(session.id);
    if (existing) {
      if (reveal) existing.panel.reveal(undefined, true);
      return existing;
    }
    const p = new ResultsPanel(
      extensionUri,
      session.id,
      `${session.title} · ${session.nodes.length === 1 ? session.nodes[0] : `${session.nodes.length} nodes`}`,
      actions,
      session,
    );
    return p;
  }

  static forCompare(
    extensionUri: vscode.Uri,
    data: { labels: [string, string]; deltas: readonly MapDelta[]; a: string; b: string; markdown: string },
    actions: PanelActions,
  ): ResultsPanel {
    const p = new ResultsPanel(
      extensionUri,
      `compare-${randomBytes(4).toString('hex')}`,
      `Compare: ${data.labels[0]} ↔ ${data.labels[1]}`,
      actions,
      undefined,
    );
    p.compareData = data;
    return p;
  }

  static get(id: string): ResultsPanel | undefined {
    return ResultsPanel.open.get(id);
  }

  static all(): ResultsPanel[] {
    return [...ResultsPanel.open.values()];
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    readonly id: string,
    title: string,
    private readonly actions: PanelActions,
    readonly session: TraceSession | undefined,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(
      'ebpfLens.results',
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        localResourceRoots: [media],
        retainContextWhenHidden: true,
      },
    );
    this.panel.iconPath = vscode.Uri.joinPath(media, 'ebpf.svg');
    this.panel.webview.html = this.html();
    ResultsPanel.open.set(id, this);
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((m: { type?: string; summary?: ViewSummary }) => this.onMessage(m)),
      this.panel.onDidDispose(() => this.dispose()),
    );
    if (session) this.disposables.push(session.onChange(() => this.kick()));
  }

  get summary(): ViewSummary | undefined {
    return this.lastSummary;
  }

  /** The next summary the page reports (after asking it to report). */
  nextSummary(timeoutMs = 10_000): Promise<ViewSummary | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.lastSummary), timeoutMs);
      this.summaryWaiters.push((s) => {
        clearTimeout(t);
        resolve(s);
      });
      void this.panel.webview.postMessage({ type: 'report' });
    });
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const css = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'results.css'));
    const js = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'results.js'));
    const csp = `default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}'; img-src ${w.cspSource} data:; font-src ${w.cspSource};`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>eBPF Lens results</title>
</head>
<body>
<div id="header"></div>
<div id="tabs" hidden></div>
<div id="error" hidden></div>
<div id="maps"></div>
<div id="output">
  <div class="toolbar">
    <strong>Output</strong>
    <input id="filter" type="text" placeholder="Filter lines (text or regular expression)" aria-label="Filter output lines">
    <label><input id="follow" type="checkbox" checked> follow</label>
    <span id="lines-count" class="dim"></span>
  </div>
  <div id="lines"><div id="lines-spacer"></div><div id="lines-window"></div></div>
</div>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`;
  }

  private onMessage(m: { type?: string; summary?: ViewSummary }): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.cursors.clear();
        if (this.compareData) {
          void this.panel.webview.postMessage({
            type: 'compare',
            labels: this.compareData.labels,
            deltas: this.compareData.deltas,
            a: this.compareData.a,
            b: this.compareData.b,
          });
        } else if (this.session) {
          void this.panel.webview.postMessage({
            type: 'init',
            meta: {
              mode: 'run',
              title: this.session.title,
              nodes: this.session.nodes,
              maxSec: this.session.maxSec,
              startedAt: this.session.startedAt,
            },
          });
          this.update();
          this.kick();
        }
        return;
      case 'rendered':
        if (m.summary) {
          this.lastSummary = m.summary;
          for (const w of this.summaryWaiters.splice(0)) w(m.summary);
        }
        return;
      case 'stop':
        if (this.session) this.actions.stop(this.session);
        return;
      case 'rerun':
        if (this.session) this.actions.rerun(this.session);
        return;
      case 'copyMarkdown':
        void this.actions.copyMarkdown(this.session, this.compareData);
        return;
      case 'saveJson':
        if (this.session) void this.actions.saveJson(this.session);
        return;
      default:
        return;
    }
  }

  /** Keep sending updates while the session runs (and once more after it ends). */
  private kick(): void {
    if (!this.ready || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
      if (this.session?.running) this.kick();
    }, UPDATE_MS);
  }

  private nodeUpdate(p: NodePart, now: number): Record<string, unknown> {
    const s = this.session as TraceSession;
    const c = this.cursors.get(p.node) ?? { seq: 0, mapsVersion: -1, events: 0, at: now, rate: 0, sentFrozen: false };
    const base = {
      node: p.node,
      state: s.stateOf(p),
      reason: p.outcome?.reason ?? p.frozen?.reason,
      error: p.error,
      // an end the node or the link decided: "stopped by the node", "connection lost"
      ended: endLabel(p.error),
      elapsedMs: (p.outcome?.endedAt ?? p.frozen?.endedAt ?? (s.running ? now : (s.endedAt ?? now))) - p.startedAt,
    };
    let newLines: readonly OutputLine[] = [];
    let maps: readonly MapSnapshot[] | undefined;
    let resetLines = false;
    let events = 0;
    let dropped = 0;
    let lost = 0;
    if (p.run) {
      const r = p.run.results;
      const since = r.linesSince(c.seq, LINES_PER_UPDATE);
      newLines = since.lines;
      c.seq = since.next;
      if (r.mapsVersion !== c.mapsVersion) {
        maps = r.snapshot().maps;
        c.mapsVersion = r.mapsVersion;
      }
      events = r.events;
      dropped = r.droppedByRate + r.droppedOldest;
      lost = r.lostByBpftrace;
    } else if (p.frozen && !c.sentFrozen) {
      const r = p.frozen.results;
      newLines = r.lines;
      maps = r.maps;
      resetLines = true;
      c.sentFrozen = true;
      events = r.events;
      dropped = r.droppedByRate + r.droppedOldest;
      lost = r.lostByBpftrace;
    } else if (p.frozen) {
      events = p.frozen.results.events;
    }
    const dt = (now - c.at) / 1000;
    if (dt >= 0.5) {
      c.rate = (events - c.events) / dt;
      c.events = events;
      c.at = now;
    }
    this.cursors.set(p.node, c);
    return { ...base, events, dropped, lost, rate: c.rate, newLines, ...(maps ? { maps: this.labelled(p.node, maps) } : {}), resetLines };
  }

  /** the maps with a `label` on each key a library one-liner fixes the meaning of */
  private labelled(node: string, maps: readonly MapSnapshot[]): readonly unknown[] {
    const s = this.session;
    this.labeller ??= (s && keyLabeller(s.script)) || null;
    const label = this.labeller;
    const facts = label ? this.actions.nodeFacts?.(node) : undefined;
    if (!label) return maps;
    const known = facts ?? { programs: new Map(), interfaces: new Map() };
    return maps.map((m) => ({ ...m, entries: m.entries.map((e) => (e.key === null ? e : { ...e, label: label(m.name, e.key, known) })) }));
  }

  private update(): void {
    const s = this.session;
    if (!s || !this.ready) return;
    const now = Date.now();
    const nodes = [...s.parts.values()].map((p) => this.nodeUpdate(p, now));
    const anyMaps = nodes.some((n) => 'maps' in n);
    let merged;
    if (s.nodes.length > 1 && anyMaps) {
      merged = mergeResults(
        [...s.parts.values()].flatMap((p) => {
          const maps = p.run ? p.run.results.snapshot().maps : (p.frozen?.results.maps ?? []);
          return maps.length ? [{ node: p.node, maps }] : [];
        }),
        s.aggregations,
      );
    }
    void this.panel.webview.postMessage({ type: 'update', nodes, ...(merged ? { merged } : {}) });
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    ResultsPanel.open.delete(this.id);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
