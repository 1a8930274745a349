import * as vscode from 'vscode';
import { InputError } from '../../../core/base/errors';
import { pickNodes } from '../pickers';
import { scriptOf, selectionScript } from '../scripts';
import type { RunResult, StartOptions, TracingController } from '../tracingController';

/** What a CodeLens passes: the document, and for one probe its index (and a node, when not the active one). */
export interface FileArgs {
  readonly uri?: string;
  readonly index?: number;
  readonly node?: string;
}

/**
 * Run, after a confirmation when the caller chose a document other than the editor in front, or
 * a node other than the active one (a CodeLens click runs the script in front on the active node).
 */
async function guarded(c: TracingController, r: StartOptions, uri: string | undefined, node?: string): Promise<RunResult | undefined> {
  const front = vscode.window.activeTextEditor?.document.uri.toString();
  const asked = (uri !== undefined && uri !== front) || (node !== undefined && node !== c.ctx.nodes.fleet.activeNode);
  if (asked && !(await c.consent.confirmTrace({ nodes: r.nodes, script: r.script, durationSec: r.maxSec, title: r.title })))
    return undefined;
  return c.run(r);
}

/** `ebpfLens.runFile`: the whole script on the active node. */
export async function runFile(c: TracingController, a?: FileArgs): Promise<RunResult | undefined> {
  return guarded(c, { ...(await scriptOf(c.ctx.config, a?.uri)), nodes: [c.needActive()], maxSec: c.maxSec() }, a?.uri);
}

/** `ebpfLens.runFileOn`: the whole script on nodes the user picks. */
export async function runFileOn(c: TracingController, a?: FileArgs): Promise<RunResult | undefined> {
  const s = await scriptOf(c.ctx.config, a?.uri);
  const ns = await pickNodes(c.ctx.nodes.fleet, 'Run the script on…');
  return ns ? guarded(c, { ...s, nodes: ns, maxSec: c.maxSec() }, a?.uri) : undefined;
}

/** `ebpfLens.runProbe`: one probe block on its own, on the active node (or the one given). */
export async function runProbe(c: TracingController, a?: FileArgs): Promise<RunResult | undefined> {
  const s = await scriptOf(c.ctx.config, a?.uri, a?.index ?? 0);
  return guarded(c, { ...s, nodes: [a?.node ?? c.needActive()], maxSec: c.maxSec() }, a?.uri, a?.node);
}

/** `ebpfLens.runProbeOn`: one probe block on nodes the user picks. */
export async function runProbeOn(c: TracingController, a?: FileArgs): Promise<RunResult | undefined> {
  const s = await scriptOf(c.ctx.config, a?.uri, a?.index ?? 0);
  const ns = await pickNodes(c.ctx.nodes.fleet, 'Run the probe on…');
  return ns ? guarded(c, { ...s, nodes: ns, maxSec: c.maxSec() }, a?.uri) : undefined;
}

/** `ebpfLens.runSelection`: the selected lines on the active node. */
export async function runSelection(c: TracingController): Promise<RunResult> {
  const ed = vscode.window.activeTextEditor;
  if (!ed || ed.selection.isEmpty) throw new InputError('select the lines of a script first');
  return c.run({ ...selectionScript(c.ctx.config, ed), nodes: [c.needActive()], maxSec: c.maxSec() });
}

/** `ebpfLens.rerunLastTrace`: what ran last from a command of this window, again. */
export async function rerunLastTrace(c: TracingController): Promise<RunResult> {
  if (!c.last) throw new InputError('nothing has run yet in this window');
  return c.run(c.last);
}
