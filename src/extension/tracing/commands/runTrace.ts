import * as vscode from 'vscode';
import { InputError } from '../../../core/base/errors';
import { SNIPPETS, buildSnippet } from '../../../core/trace/library';
import type { Counted } from '../scripts';
import { documentScript, selectionScript } from '../scripts';
import type { RunResult, TracingController } from '../tracingController';

/** `ebpfLens.runTrace`'s arguments (a walkthrough, a test or another extension passes them). */
export interface RunArgs {
  readonly node?: string;
  readonly nodes?: readonly string[];
  readonly tag?: string;
  readonly script?: string;
  readonly snippet?: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly durationSec?: number;
  readonly title?: string;
}

const NO_SCRIPT = 'no script: open a .bt file, select a script, or pass { script }';

/**
 * Run the script (or one-liner) the arguments give, else the editor's selection or document, on
 * the nodes they name, else the active node. What a caller chose is confirmed first (Consent).
 */
export async function runTrace(c: TracingController, args?: RunArgs): Promise<RunResult | undefined> {
  const a = args ?? {};
  if (a.durationSec !== undefined && (!Number.isInteger(a.durationSec) || a.durationSec < 1))
    throw new InputError('durationSec must be a whole number of seconds, at least 1');
  let script = a.script;
  let title = a.title;
  if (a.snippet) {
    script = buildSnippet(a.snippet, a.params ?? {});
    title ??= SNIPPETS.find((x) => x.id === a.snippet)?.title;
  }
  let counted: Counted = {};
  if (script === undefined) {
    const ed = vscode.window.activeTextEditor;
    if (!ed) throw new InputError(NO_SCRIPT);
    ({ script, ...counted } = ed.selection.isEmpty ? documentScript(c.ctx.config, ed.document) : selectionScript(c.ctx.config, ed));
  }
  if (script.trim() === '') throw new InputError(NO_SCRIPT);
  const ns = resolveNodes(c, a);
  const chosenByCaller =
    a.script !== undefined || a.snippet !== undefined || a.node !== undefined || a.nodes !== undefined || a.tag !== undefined;
  const maxSec = a.durationSec ?? c.maxSec();
  if (chosenByCaller && !(await c.consent.confirmTrace({ nodes: ns, script, durationSec: maxSec, title }))) return undefined;
  const r = await c.run({ script, nodes: ns, maxSec, ...(title ? { title } : {}), ...counted });
  // a single node that could not start: say why (as before fleets existed)
  if (ns.length === 1 && r.id === undefined) throw new Error(Object.values(r.errors)[0] ?? 'the trace did not start');
  return r;
}

function resolveNodes(c: TracingController, a: RunArgs): string[] {
  const { fleet } = c.ctx.nodes;
  if (a.nodes) return [...a.nodes];
  if (a.tag) {
    const ns = fleet.names().filter((n) => fleet.config(n)?.tags.includes(a.tag ?? ''));
    if (ns.length === 0) throw new InputError(`no node has the tag ${a.tag}`);
    return ns;
  }
  return [a.node ?? c.needActive()];
}
