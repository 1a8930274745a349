import * as vscode from 'vscode';
import { InputError } from '../../core/base/errors';
import type { AnnotationsController } from './annotationsController';

/** What a measurement is asked with (commands, hover links, live mode). */
export interface AnnotateArgs {
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

export function nodeFor(ctrl: AnnotationsController, a: AnnotateArgs): string {
  const { fleet } = ctrl.ctx.nodes;
  const n = a.node ?? fleet.activeNode;
  if (!n) throw new InputError('no active node: pick one (eBPF: Select Active Node…)');
  if (!fleet.names().includes(n)) throw new InputError(`unknown node ${n}`);
  return n;
}

export async function docFor(a: AnnotateArgs): Promise<vscode.TextDocument> {
  const doc = a.uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(a.uri)) : vscode.window.activeTextEditor?.document;
  if (!doc) throw new InputError('open a source file first');
  return doc;
}
