import * as path from 'node:path';
import * as vscode from 'vscode';
import { instrumentProbes } from '../../core/annotate/probeHits';
import { probeBlocks, standaloneProbeFrom } from '../../core/bpftrace/blocks';
import { InputError } from '../../core/base/errors';
import type { ScriptOrigin } from '../../core/trace/origin';
import { copiedFrom, withInsertions } from '../../core/trace/origin';
import type { Config } from '../config';
import type { SessionSource } from '../../ssh/traceSession';

/** What runs on the node when it differs from what the user wrote, where its probes are, and where its text is. */
export interface Counted {
  readonly runScript?: string;
  readonly source?: SessionSource;
  /** where the text that runs is in the document (bpftrace's line:col shown there) */
  readonly origin?: ScriptOrigin;
}

/** A script to run, taken from a document. */
export interface ScriptToRun extends Counted {
  readonly script: string;
  readonly title?: string;
}

/** What a script from a document runs with: eBPF Lens's probe-hit counting when it parses, and where its text is. */
function withProbeHits(config: Config, script: string, origin: ScriptOrigin, lineOf: (line: number) => number): Counted {
  const ins = config.get('annotations.probeHits') ? instrumentProbes(script) : undefined;
  if (!ins) return { origin };
  return {
    runScript: ins.script,
    source: {
      uri: origin.uri,
      probes: ins.probes.map((p) => ({ index: p.index, line: lineOf(p.line), label: p.label, filtered: p.filtered })),
    },
    origin: withInsertions(origin, ins.inserted, ins.kept),
  };
}

/** the whole text of an editor's document as a script */
export function documentScript(config: Config, doc: vscode.TextDocument): ScriptToRun {
  const script = doc.getText();
  return { script, ...withProbeHits(config, script, copiedFrom(doc.uri.toString(), 0, script.length), (l) => l) };
}

/** the selection of an editor as a script, its probes placed on the document's lines */
export function selectionScript(config: Config, ed: vscode.TextEditor): ScriptToRun {
  const script = ed.document.getText(ed.selection);
  const origin = copiedFrom(ed.document.uri.toString(), ed.document.offsetAt(ed.selection.start), script.length);
  return { script, ...withProbeHits(config, script, origin, (l) => l + ed.selection.start.line) };
}

/** A document's script (the one in front when no uri), or its probe number `index` on its own. */
export async function scriptOf(config: Config, uri: string | undefined, index?: number): Promise<ScriptToRun> {
  const doc = uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : vscode.window.activeTextEditor?.document;
  if (!doc) throw new InputError('no script: open a .bt file');
  const text = doc.getText();
  const name = doc.isUntitled ? 'untitled' : path.basename(doc.fileName);
  const docUri = doc.uri.toString();
  if (index === undefined)
    return { script: text, title: name, ...withProbeHits(config, text, copiedFrom(docUri, 0, text.length), (l) => l) };
  const cut = standaloneProbeFrom(text, index);
  if (cut === undefined) throw new InputError('this probe cannot be run on its own until the syntax errors in the file are fixed');
  const block = probeBlocks(text)[index];
  const label = block?.label ?? `probe ${index + 1}`;
  return {
    script: cut.script,
    title: `${name}: ${label.length > 50 ? `${label.slice(0, 49)}…` : label}`,
    ...withProbeHits(config, cut.script, { uri: docUri, pieces: cut.pieces }, () => block?.line ?? 0),
  };
}
