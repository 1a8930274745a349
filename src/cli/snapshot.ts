import * as fs from 'node:fs';
import * as path from 'node:path';
import { structuredPatch } from 'diff';
import type { ProgramChange, SnapshotDiff } from '../core/snapshot/diff';
import { diffSnapshots, reasonText } from '../core/snapshot/diff';
import type { Snapshot } from '../core/snapshot/model';
import { parseSnapshot } from '../core/snapshot/model';

/** Human text of a snapshot diff, instruction hunks included (no ids, no addresses). */
export function diffText(d: SnapshotDiff, withInstructions: boolean): string {
  const s = d.summary;
  const out = [
    `${d.before.node} ${d.before.takenAt} → ${d.after.node} ${d.after.takenAt}: ` +
      (d.same
        ? `no change (${s.unchanged} program${s.unchanged === 1 ? '' : 's'} the same)`
        : `${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.unchanged} unchanged`),
  ];
  for (const p of d.programs) {
    if (p.status === 'unchanged') continue;
    out.push(
      `  ${p.status.padEnd(8)} ${p.label}${p.after ? ` #${p.after.id}` : ''}${p.before && p.status === 'removed' ? ` #${p.before.id}` : ''}`,
    );
    for (const r of p.reasons) out.push(`           ${reasonText(r)}`);
    if (withInstructions && p.status === 'changed' && p.reasons.some((r) => r.kind === 'instructions'))
      out.push(...hunks(p).map((l) => `           ${l}`));
  }
  return out.join('\n');
}

export function hunks(p: ProgramChange, context = 2): string[] {
  if (!p.instructions) return [];
  const patch = structuredPatch('before', 'after', p.instructions.before, p.instructions.after, '', '', { context });
  return patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
}

/** A snapshot file of a store folder (…/NODE/x.json) finds its instruction texts in …/objects. */
export function objectsBeside(file: string): (p: { readonly xlated?: string; readonly xlatedHash: string }) => string | undefined {
  const dir = path.join(path.dirname(path.resolve(file)), '..', 'objects');
  return (p) => {
    if (p.xlated !== undefined) return p.xlated;
    if (!/^[0-9a-f]{64}$/.test(p.xlatedHash)) return undefined;
    try {
      return fs.readFileSync(path.join(dir, p.xlatedHash), 'utf8');
    } catch {
      return undefined;
    }
  };
}

export function readSnapshotFile(file: string): Snapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const r = parseSnapshot(text);
  if ('error' in r) throw new Error(`${file}: ${r.error}`);
  return r.snapshot;
}

/** The diff as JSON: the reasons and instruction hunks, not whole programs. */
export function diffJson(d: SnapshotDiff): Record<string, unknown> {
  return {
    before: d.before,
    after: d.after,
    same: d.same,
    summary: d.summary,
    programs: d.programs.map((p) => ({
      status: p.status,
      label: p.label,
      ...(p.before ? { before: { id: p.before.id, tag: p.before.tag, pinned: p.before.pinned } } : {}),
      ...(p.after ? { after: { id: p.after.id, tag: p.after.tag, pinned: p.after.pinned } } : {}),
      reasons: p.reasons,
      ...(p.status === 'changed' && p.reasons.some((r) => r.kind === 'instructions') ? { hunks: hunks(p) } : {}),
    })),
  };
}

export { diffSnapshots };
