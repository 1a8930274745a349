import * as vscode from 'vscode';
import type { BpfProgramFacts } from '../../core/annotate/bpf';
import { bpfAnnotations, matchPrograms } from '../../core/annotate/bpf';
import type { SourceFunction } from '../../core/annotate/functions';
import type { HelperCall } from '../../core/annotate/helpers';
import { helperCalls } from '../../core/annotate/helpers';
import type { FileAnnotations } from '../../core/annotate/model';
import { errorMessage } from '../../core/base/errors';
import { xlatedDump } from '../../core/bpftool/xlated';
import type { ListedProgram } from '../../core/nodes/listing';
import type { AnnotateArgs } from './target';
import { nodeFor } from './target';
import type { AnnotationsController } from './annotationsController';
import { functionsOf } from './sources';

/** how long a burst of fleet changes settles before BPF files are annotated again */
const SETTLE_MS = 300;

/** BPF C: each `SEC("…")` function shows the run stats of the programs loaded under its name on the node. */
export async function annotateBpf(
  ctrl: AnnotationsController,
  doc: vscode.TextDocument,
  a: AnnotateArgs,
  fns: readonly SourceFunction[],
): Promise<FileAnnotations> {
  const node = nodeFor(ctrl, a);
  const { fleet } = ctrl.ctx.nodes;
  await fleet.connect(node);
  if (!fleet.view(node)?.statsOn && !a.quiet) {
    // run stats need the kernel-wide switch: the Nodes capability asks first
    await vscode.commands.executeCommand('ebpfLens.enableStats', node);
  }
  const file = await bpfFile(ctrl, doc, node, fns);
  ctrl.bpfWatch.watch(doc.uri.toString(), node, fns);
  ctrl.setState(doc.uri.toString(), file, { ...a, node });
  return file;
}

async function bpfFile(
  ctrl: AnnotationsController,
  doc: vscode.TextDocument,
  node: string,
  fns: readonly SourceFunction[],
): Promise<FileAnnotations> {
  const { fleet } = ctrl.ctx.nodes;
  const view = fleet.view(node);
  const listing = fleet.listing(node) ?? (await fleet.refresh(node));
  const matches = matchPrograms(fns, listing);
  const facts = new Map<number, BpfProgramFacts>();
  for (const progs of matches.values()) {
    const newest = progs[0];
    for (const p of progs) {
      const stats = view?.stats?.get(p.program.id);
      const helpers = p === newest ? await helpersOf(ctrl, node, p.program) : undefined;
      facts.set(p.program.id, { ...(stats ? { stats } : {}), ...(helpers ? { helpers } : {}) });
    }
  }
  const items = bpfAnnotations(matches, facts, (f) => doc.positionAt(f.nameStart).line, view?.statsOn === true);
  const windowSec = [...(view?.stats?.values() ?? [])][0]?.windowSec ?? 0;
  const notes = view?.statsOn ? [] : ['live stats are off: eBPF: Enable Live Stats on the node shows runs per second'];
  return { kind: 'bpf', node, windowSec, at: Date.now(), items, notes };
}

/** the helpers a loaded program calls (its translated code), once per program */
async function helpersOf(
  ctrl: AnnotationsController,
  node: string,
  program: ListedProgram['program'],
): Promise<readonly HelperCall[] | undefined> {
  const key = `${node}\u0000${program.id}\u0000${program.tag}`;
  const hit = ctrl.helperCache.get(key);
  if (hit) return hit;
  try {
    const helpers = helperCalls(await ctrl.ctx.nodes.fleet.run(node, xlatedDump(program.id, true)));
    ctrl.helperCache.set(key, helpers);
    return helpers;
  } catch (e) {
    ctrl.ctx.log.warn(`${node}: xlated dump of program ${program.id}: ${errorMessage(e)}`);
    return undefined;
  }
}

/** BPF C files follow the node's stats as they refresh. */
export class BpfWatch implements vscode.Disposable {
  private readonly files = new Map<string, { node: string; fns: SourceFunction[] }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly sub: { dispose(): void };

  constructor(private readonly ctrl: AnnotationsController) {
    this.sub = ctrl.ctx.nodes.fleet.onDidChange((name) => this.onFleet(name));
  }

  watch(uri: string, node: string, fns: readonly SourceFunction[]): void {
    this.files.set(uri, { node, fns: [...fns] });
  }

  forget(uri: string): void {
    this.files.delete(uri);
  }

  dispose(): void {
    this.sub.dispose();
    if (this.timer) clearTimeout(this.timer);
  }

  private onFleet(name?: string): void {
    if (this.timer || this.files.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const [uri, w] of this.files) if (!name || name === w.node) this.refresh(uri, w.node);
    }, SETTLE_MS);
  }

  private refresh(uri: string, node: string): void {
    const { ctrl } = this;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (!doc || ctrl.states.get(uri)?.file.kind !== 'bpf') {
      this.files.delete(uri);
      return;
    }
    void functionsOf(doc)
      .then(({ fns }) =>
        bpfFile(
          ctrl,
          doc,
          node,
          fns.filter((f) => f.section !== undefined),
        ),
      )
      .then((file) => {
        if (ctrl.states.get(uri)?.file.kind === 'bpf') ctrl.setState(uri, file, ctrl.states.get(uri)?.args ?? {});
      })
      .catch((e: unknown) => ctrl.ctx.log.debug(`annotations of ${uri}: ${errorMessage(e)}`));
  }
}
