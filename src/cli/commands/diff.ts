import { errorMessage } from '../../core/base/errors';
import type { Snapshot } from '../../core/snapshot/model';
import type { CliIO } from '../common';
import { UsageError } from '../common';
import { Exit } from '../exitCodes';
import type { Parsed } from '../options';
import { diffJson, diffSnapshots, diffText, objectsBeside, readSnapshotFile } from '../snapshot';

export function cmdDiff({ values, positionals }: Parsed<'diff'>, io: CliIO): number {
  if (positionals.length !== 2) throw new UsageError('give two snapshot files: ebpf-lens diff A.json B.json');
  let a: Snapshot;
  let b: Snapshot;
  try {
    a = readSnapshotFile(positionals[0] ?? '');
    b = readSnapshotFile(positionals[1] ?? '');
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const fromA = objectsBeside(positionals[0] ?? '');
  const fromB = objectsBeside(positionals[1] ?? '');
  const d = diffSnapshots(a, b, (p) => (a.programs.includes(p) ? fromA(p) : fromB(p)));
  io.out(values.json ? JSON.stringify(diffJson(d), null, 1) : diffText(d, !values['no-instructions']));
  if (io.outputClosed?.()) return Exit.outputClosed;
  return d.same ? Exit.ok : Exit.findings;
}
