import * as path from 'node:path';
import * as vscode from 'vscode';
import { instructionsForDiff } from '../../core/snapshot/diff';
import type { Snapshot } from '../../core/snapshot/model';
import type { SnapshotStore } from '../../core/snapshot/store';

export const SNAP_SCHEME = 'ebpf-lens-snap';

/** ebpf-lens-snap:/<node>/<file>/<index>/<name>.xlated: one program of a stored snapshot, offsets removed. */
export function programUri(file: string, node: string, index: number, name: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: SNAP_SCHEME,
    path: `/${node}/${path.basename(file)}/${index}/${(name || 'program').replace(/[^\w.-]/g, '_')}.xlated`,
  });
}

/** the other side of a program's diff when it was added or removed */
export const EMPTY = vscode.Uri.from({ scheme: SNAP_SCHEME, path: '/-/empty/0/none.xlated' });

/** A stored snapshot, or an error saying why it cannot be read. */
export async function loadOrThrow(store: SnapshotStore, file: string): Promise<Snapshot> {
  const r = await store.load(file);
  if ('error' in r) throw new Error(r.error);
  return r.snapshot;
}

/** The documents of programUri: what the diff editor shows on each side. */
export class SnapshotDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly store: () => SnapshotStore) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, node = '', file = '', index = '0'] = uri.path.split('/');
    if (node === '-') return '';
    const s = await loadOrThrow(this.store(), path.join(this.store().root, node, file));
    const p = s.programs[Number(index)];
    if (!p) return `; no program ${index} in ${file}\n`;
    const text = this.store().source(p);
    return `; ${p.name} — ${p.type}, tag ${p.tag}, on ${s.node} at ${s.takenAt}\n${text === undefined ? '; (instructions not kept)' : instructionsForDiff(text)}`;
  }
}
