import * as vscode from 'vscode';
import type { TreeRow } from '../../../core/nodes/tree';
import { objectUri } from '../documents';

type ObjectRow = TreeRow & { ref: NonNullable<TreeRow['ref']> };

/** the program, map or link row a command was invoked on (from the Nodes view's menus) */
function rowRef(arg: unknown, type?: 'program' | 'map' | 'link'): ObjectRow {
  const row = arg as TreeRow | undefined;
  if (!row?.ref || (type && row.ref.type !== type)) throw new Error(`pick a ${type ?? 'program, map or link'} in the eBPF Nodes view`);
  return row as ObjectRow;
}

/** `ebpfLens.copyId`: a program's, map's or link's id, to the clipboard. */
export async function copyId(arg: unknown): Promise<number> {
  const row = rowRef(arg);
  await vscode.env.clipboard.writeText(String(row.ref.id));
  return row.ref.id;
}

/** `ebpfLens.showProgram`: a program's translated instructions in an editor. */
export async function showProgram(arg: unknown): Promise<string> {
  const row = rowRef(arg, 'program');
  const doc = await vscode.workspace.openTextDocument(objectUri(row.node, 'program', row.ref.id, row.label, 'xlated'));
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc.uri.toString();
}

/** `ebpfLens.showJson`: what bpftool says of an object, as JSON in an editor. */
export async function showJson(arg: unknown): Promise<string> {
  const row = rowRef(arg);
  const doc = await vscode.workspace.openTextDocument(objectUri(row.node, row.ref.type, row.ref.id, row.label, 'json'));
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc.uri.toString();
}
