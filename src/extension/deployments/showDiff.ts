import * as vscode from 'vscode';
import type { ProgramChange, SnapshotDiff } from '../../core/snapshot/diff';
import { reasonText } from '../../core/snapshot/diff';
import type { Snapshot } from '../../core/snapshot/model';
import { EMPTY, programUri } from './snapshotDocuments';

/** A snapshot and the file it is stored in. */
export type StoredSnapshot = readonly [Snapshot, string];

/**
 * Two snapshots' differences: every changed program side by side in one multi-diff editor, the
 * summary in a message (its details in a Markdown document on request) and in the log.
 */
export async function presentDiff(
  log: vscode.LogOutputChannel,
  d: SnapshotDiff,
  [a, fileA]: StoredSnapshot,
  [b, fileB]: StoredSnapshot,
): Promise<void> {
  const s = d.summary;
  const title = `${a.node} ${a.takenAt.slice(11, 19)} ↔ ${b.node} ${b.takenAt.slice(11, 19)}: ${d.same ? 'no change' : `${s.changed} changed, ${s.added} added, ${s.removed} removed`}`;
  const idx = (snap: Snapshot, p: ProgramChange['before']): number => (p ? snap.programs.indexOf(p) : -1);
  const changed = d.programs.filter((p) => p.status !== 'unchanged');
  const resources = changed.map((p) => {
    const left = p.before ? programUri(fileA, a.node, idx(a, p.before), p.before.name) : EMPTY;
    const right = p.after ? programUri(fileB, b.node, idx(b, p.after), p.after.name) : EMPTY;
    return [p.after ? right : left, left, right] as [vscode.Uri, vscode.Uri, vscode.Uri];
  });
  const details = changed.map((p) => `${p.status} ${p.label}${p.reasons.length ? `: ${p.reasons.map(reasonText).join('; ')}` : ''}`);
  log.info(`${title}\n  ${details.join('\n  ')}`);
  if (resources.length > 0) await vscode.commands.executeCommand('vscode.changes', title, resources);
  // not awaited: the command returns while the message is up
  void vscode.window.showInformationMessage(title, ...(details.length ? ['Show Details'] : [])).then(async (pick) => {
    if (pick !== 'Show Details') return;
    const doc = await vscode.workspace.openTextDocument({
      language: 'markdown',
      content: `# ${title}\n\n${details.map((l) => `- ${l}`).join('\n')}\n`,
    });
    await vscode.window.showTextDocument(doc, { preview: true });
  });
}
