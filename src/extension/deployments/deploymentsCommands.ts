import type { CommandsOf } from '../commandIds';
import { compareSnapshots, compareWithNode, compareWithPrevious } from './commands/compare';
import type { PostmortemOptions } from './commands/exportPostmortem';
import { exportPostmortem } from './commands/exportPostmortem';
import { showFleetMatrix } from './commands/fleetMatrix';
import { takeSnapshot } from './commands/takeSnapshot';
import type { DeploymentsController } from './deploymentsController';

/** The Deployments commands: each id → its function (commands/), given the controller. */
export function deploymentsCommands(c: DeploymentsController): CommandsOf<'deployments'> {
  return {
    'ebpfLens.takeSnapshot': (arg?: unknown) => takeSnapshot(c, arg),
    'ebpfLens.compareWithPrevious': (arg?: unknown) => compareWithPrevious(c, arg),
    'ebpfLens.compareSnapshots': (arg?: unknown) => compareSnapshots(c, arg),
    'ebpfLens.compareWithNode': (arg?: unknown, other?: string) => compareWithNode(c, arg, other),
    'ebpfLens.showFleetMatrix': () => showFleetMatrix(c),
    'ebpfLens.exportPostmortem': (arg?: unknown, opts?: PostmortemOptions) => exportPostmortem(c, arg, opts),
  };
}
