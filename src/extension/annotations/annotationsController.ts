import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HelperCall } from '../../core/annotate/helpers';
import type { MeasuringView } from '../../core/annotate/measureState';
import { MeasureState, SYSTEM_CLOCK } from '../../core/annotate/measureState';
import type { DecorationPlan, FileAnnotations } from '../../core/annotate/model';
import { decorationPlan } from '../../core/annotate/model';
import type { BpftraceFeatures } from '../../core/bpftrace/nodeTools';
import type { Ctx } from '../ctx';
import type { NodesApi } from '../nodes/nodesController';
import type { TracingApi } from '../tracing/tracingController';
import type { TraceSession } from '../../ssh/traceSession';
import type { AnnotateArgs } from './target';
import { HeatDecorations } from './decorations';
import { followEdits } from './followEdits';
import { hoverProvider } from './hover';
import { followProbeHits } from './probeHitAnnotations';
import { AnnotationsStatus } from './statusBar';
import { BpfWatch } from './bpfAnnotations';

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
  measuring(uri: string): MeasuringView;
  /** show annotations measured elsewhere (a saved run, another tool) on a document */
  show(uri: string, file: FileAnnotations): void;
}

export type AnnotationsCtx = Ctx & { readonly nodes: NodesApi; readonly tracing: TracingApi };

interface DocState {
  file: FileAnnotations;
  /** for re-measuring: what was asked */
  args: AnnotateArgs;
}

/**
 * Call-frequency annotations: heat on the line, the rate at its end, the story in a hover.
 * User functions are counted with uprobes for a window (a guarded trace); BPF C functions show
 * the run stats of the programs loaded under their names; bpftrace blocks show how often they
 * fired in the last run started from the editor. The controller owns the per-document state,
 * the drawing and the measuring state machine; the work is in the files next to it.
 */
export class AnnotationsController implements vscode.Disposable {
  readonly states = new Map<string, DocState>();
  /** which measurements of a file are under way, and live mode's timers */
  readonly measure: MeasureState<TraceSession>;
  /** per node and boot: what its bpftrace supports */
  readonly features = new Map<string, BpftraceFeatures>();
  /** per node, program id and tag: the helpers a program calls */
  readonly helperCache = new Map<string, readonly HelperCall[]>();
  readonly bpfWatch: BpfWatch;
  readonly api: AnnotationsApi;
  visible = true;
  private readonly decorations = new HeatDecorations();
  private readonly status = new AnnotationsStatus();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: AnnotationsCtx) {
    this.measure = new MeasureState<TraceSession>(SYSTEM_CLOCK, () => this.updateStatus());
    this.bpfWatch = new BpfWatch(this);
    this.disposables.push(
      this.decorations,
      this.status,
      this.bpfWatch,
      vscode.window.onDidChangeVisibleTextEditors((eds) => eds.forEach((ed) => this.render(ed))),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
      vscode.workspace.onDidCloseTextDocument((d) => void this.measure.stopLive(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('ebpfLens.annotations.gutterIcons')) this.renderAll();
      }),
      followEdits(this),
      hoverProvider(this),
      followProbeHits(this),
      // a window still counting when the extension stops is stopped (the guard would anyway)
      { dispose: () => this.measure.dispose('extension stopped') },
    );
    ctx.context.subscriptions.push(this);
    this.api = this.makeApi();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  planOf(uri: string): DecorationPlan | undefined {
    const st = this.states.get(uri);
    if (!st) return undefined;
    return decorationPlan(st.file, path.basename(vscode.Uri.parse(uri).path));
  }

  setState(uri: string, file: FileAnnotations, args: AnnotateArgs): void {
    this.states.set(uri, { file, args });
    this.renderAll(uri);
  }

  /** draws the annotations of the document (all documents if none) in every visible editor */
  renderAll(uri?: string): void {
    for (const ed of vscode.window.visibleTextEditors) if (!uri || ed.document.uri.toString() === uri) this.render(ed);
    this.updateStatus();
  }

  updateStatus(): void {
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    this.status.update(
      uri && {
        counting: this.measure.counting(uri),
        file: this.states.get(uri)?.file,
        visible: this.visible,
        live: this.measure.isLive(uri),
      },
    );
  }

  private render(editor: vscode.TextEditor): void {
    const plan = this.visible ? this.planOf(editor.document.uri.toString()) : undefined;
    if (!plan) this.decorations.clear(editor);
    else this.decorations.apply(editor, plan, this.ctx.config.get('annotations.gutterIcons'));
  }

  private makeApi(): AnnotationsApi {
    const isVisible = (): boolean => this.visible;
    return {
      state: (uri) => this.states.get(uri)?.file,
      decorations: (uri) => this.planOf(uri),
      get visible() {
        return isVisible();
      },
      live: () => this.measure.liveFiles(),
      measuring: (uri) => this.measure.measuring(uri),
      show: (uri, file) => this.setState(uri, file, {}),
    };
  }
}
