import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunningBinary } from '../../core/annotate/binaries';
import { executablesUnder, mapPath, rankBinaries, runningBinaries } from '../../core/annotate/binaries';
import { errorMessage } from '../../core/base/errors';
import { checkParam } from '../../core/trace/library';
import type { AnnotationsController } from './annotationsController';
import { fileLabel } from './sources';

const BINARIES_KEY = 'ebpfLens.annotations.binaries';

const binaryKey = (node: string, doc: vscode.TextDocument): string => `${node}\u0000${path.dirname(doc.uri.fsPath)}`;

/** The binary the user picked for the document's folder on a node, remembered in the workspace. */
export function rememberedBinary(ctrl: AnnotationsController, node: string, doc: vscode.TextDocument): string | undefined {
  return ctrl.ctx.context.workspaceState.get<Record<string, string>>(BINARIES_KEY, {})[binaryKey(node, doc)];
}

export async function rememberBinary(ctrl: AnnotationsController, node: string, doc: vscode.TextDocument, bin: string): Promise<void> {
  const state = ctrl.ctx.context.workspaceState;
  await state.update(BINARIES_KEY, { ...state.get<Record<string, string>>(BINARIES_KEY, {}), [binaryKey(node, doc)]: bin });
}

type Item = vscode.QuickPickItem & { bin?: string; manual?: boolean };

/**
 * Which binary on the node the document is built into: the ones under its mapped folder
 * (`ebpfLens.annotations.pathMappings`), the running ones ranked by likeness to its name, or a
 * path typed in.
 */
export async function pickBinary(ctrl: AnnotationsController, node: string, doc: vscode.TextDocument): Promise<string | undefined> {
  const [running, mapped] = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `eBPF Lens: binaries on ${node}` },
    () => candidates(ctrl, node, doc),
  );
  const pick = await vscode.window.showQuickPick(pickItems(node, doc, running, mapped), {
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

async function candidates(
  ctrl: AnnotationsController,
  node: string,
  doc: vscode.TextDocument,
): Promise<readonly [RunningBinary[], string[]]> {
  const { fleet } = ctrl.ctx.nodes;
  const r = await fleet.run(node, runningBinaries()).catch((e: unknown) => {
    ctrl.ctx.log.warn(`${node}: listing running binaries: ${errorMessage(e)}`);
    return [];
  });
  const remoteDir = mapPath(path.dirname(doc.uri.fsPath), ctrl.ctx.config.get('annotations.pathMappings'));
  const m = remoteDir ? await fleet.run(node, executablesUnder(remoteDir)).catch(() => []) : [];
  return [r, m] as const;
}

function pickItems(node: string, doc: vscode.TextDocument, running: readonly RunningBinary[], mapped: readonly string[]): Item[] {
  const items: Item[] = [];
  if (mapped.length) {
    items.push({ label: 'From ebpfLens.annotations.pathMappings', kind: vscode.QuickPickItemKind.Separator });
    for (const p of rankBinaries(mapped, doc.uri.fsPath)) items.push({ label: path.basename(p), description: p, bin: p });
  }
  const runPaths = rankBinaries(
    running.filter((r) => !r.deleted).map((r) => r.path),
    doc.uri.fsPath,
  );
  if (runPaths.length) items.push({ label: `Running on ${node}`, kind: vscode.QuickPickItemKind.Separator });
  for (const p of runPaths) {
    const r = running.find((x) => x.path === p);
    const pids = r
      ? `${r.pids.length} process${r.pids.length === 1 ? '' : 'es'}: ${r.pids.slice(0, 6).join(', ')}${r.pids.length > 6 ? ' …' : ''}`
      : '';
    items.push({ label: path.basename(p), description: p, detail: pids, bin: p });
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(edit) Enter a path on the node…', manual: true });
  return items;
}
