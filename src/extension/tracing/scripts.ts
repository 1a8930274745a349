import * as path from 'node:path';
import * as vscode from 'vscode';
import { instrumentProbes } from '../../core/annotate/probeHits';
import { probeBlocks, standaloneProbe } from '../../core/bpftrace/blocks';
import { InputError } from '../../core/base/errors';
import type { Config } from '../config';
import type { SessionSource } from '../../ssh/traceSession';

/** What runs on the node when it differs from what the user wrote, and where its probes are. */
export interface Counted {
  readonly runScript?: string;
  readonly source?: SessionSource;
}

/** A script to run, taken from a document. */
export interface ScriptToRun extends Counted {
  readonly script: string;
  readonly title?: string;
}

/** What a script from a document runs with: eBPF Lens's probe-hit counting, when it parses. */
function withProbeHits(config: Config, script: string, uri: string | undefined, lineOf: (line: number) => number): Counted {
  if (!uri || !config.get('annotations.probeHits')) return {};
  const ins = instrumentProbes(script);
  if (!ins) return {};
  return {
    runScript: ins.script,
    source: { uri, probes: ins.probes.map((p) => ({ index: p.index, line: lineOf(p.line), label: p.label, filtered: p.filtered })) },
  };
}

/** the whole text of an editor's document as a script */
export function documentScript(config: Config, doc: vscode.TextDocument): ScriptToRun {
  const script = doc.getText();
  return { script, ...withProbeHits(config, script, doc.uri.toString(), (l) => l) };
}

/** the selection of an editor as a script, its probes placed on the document's lines */
export function selectionScript(config: Config, ed: vscode.TextEditor): ScriptToRun {
  const script = ed.document.getText(ed.selection);
  return { script, ...withProbeHits(config, script, ed.document.uri.toString(), (l) => l + ed.selection.start.line) };
}

/** A document's script (the one in front when no uri), or its probe number `index` on its own. */
export async function scriptOf(config: Config, uri: string | undefined, index?: number): Promise<ScriptToRun> {
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
