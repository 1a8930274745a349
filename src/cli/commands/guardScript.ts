import { installedGuardFile } from '../../core/trace/guard';
import type { CliIO } from '../common';
import { Exit } from '../exitCodes';

/** the root-owned guard a team may install on its nodes (SECURITY.md) */
export function cmdGuardScript(_: unknown, io: CliIO): number {
  (io.write ?? ((t: string) => process.stdout.write(t)))(installedGuardFile());
  return Exit.ok;
}
