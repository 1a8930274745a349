import type { CommandsOf } from '../commandIds';
import { revealNode, selectActiveNode, setActiveNode } from './commands/activeNode';
import { connect, disconnect, refresh, refreshAll } from './commands/connection';
import { addNode, importSshConfig, removeNode } from './commands/editInventory';
import { forgetSecrets } from './commands/forgetSecrets';
import { copyId, showJson, showProgram } from './commands/objects';
import { disableStats, enableStats } from './commands/stats';
import { clearFilter, filterNodes, openSettings, toggleGroupByTag } from './commands/viewOptions';
import type { NodesController } from './nodesController';
import type { NodeArg } from './pickNode';

/** The Nodes commands: each id → its function (commands/), given the controller. */
export function nodesCommands(c: NodesController): CommandsOf<'nodes'> {
  return {
    'ebpfLens.addNode': () => addNode(c),
    'ebpfLens.importSshConfig': () => importSshConfig(c),
    'ebpfLens.removeNode': (arg: NodeArg) => removeNode(c, arg),
    'ebpfLens.connect': (arg: NodeArg) => connect(c, arg),
    'ebpfLens.disconnect': (arg: NodeArg) => disconnect(c, arg),
    'ebpfLens.refresh': (arg: NodeArg) => refresh(c, arg),
    'ebpfLens.refreshAll': () => refreshAll(c),
    'ebpfLens.setActiveNode': (arg: NodeArg) => setActiveNode(c, arg),
    'ebpfLens.selectActiveNode': () => selectActiveNode(),
    'ebpfLens.revealNode': (arg: NodeArg) => revealNode(c, arg),
    'ebpfLens.copyId': (arg: unknown) => copyId(arg),
    'ebpfLens.showProgram': (arg: unknown) => showProgram(arg),
    'ebpfLens.showJson': (arg: unknown) => showJson(arg),
    'ebpfLens.filterNodes': () => filterNodes(c),
    'ebpfLens.clearFilter': () => clearFilter(c),
    'ebpfLens.toggleGroupByTag': () => toggleGroupByTag(c),
    'ebpfLens.enableStats': (arg: NodeArg) => enableStats(c, arg),
    'ebpfLens.disableStats': (arg: NodeArg) => disableStats(c, arg),
    'ebpfLens.forgetSecrets': (arg: NodeArg) => forgetSecrets(c, arg),
    'ebpfLens.openSettings': () => openSettings(),
  };
}
