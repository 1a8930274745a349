/**
 * Every command of the extension, declared once, by the capability that implements it. This file
 * imports nothing (a unit test reads it next to package.json); each capability's command table is
 * typed against its list, so a command missing from a table, or one the list does not name, does
 * not compile.
 */
export const COMMAND_IDS = {
  nodes: [
    'ebpfLens.addNode',
    'ebpfLens.importSshConfig',
    'ebpfLens.removeNode',
    'ebpfLens.connect',
    'ebpfLens.disconnect',
    'ebpfLens.refresh',
    'ebpfLens.refreshAll',
    'ebpfLens.setActiveNode',
    'ebpfLens.selectActiveNode',
    'ebpfLens.revealNode',
    'ebpfLens.copyId',
    'ebpfLens.showProgram',
    'ebpfLens.showJson',
    'ebpfLens.filterNodes',
    'ebpfLens.clearFilter',
    'ebpfLens.toggleGroupByTag',
    'ebpfLens.enableStats',
    'ebpfLens.disableStats',
    'ebpfLens.forgetSecrets',
    'ebpfLens.openSettings',
  ],
  tracing: [
    'ebpfLens.runTrace',
    'ebpfLens.runTraceOn',
    'ebpfLens.runFile',
    'ebpfLens.runFileOn',
    'ebpfLens.runProbe',
    'ebpfLens.runProbeOn',
    'ebpfLens.runSelection',
    'ebpfLens.rerunLastTrace',
    'ebpfLens.stopTrace',
    'ebpfLens.stopAllTraces',
    'ebpfLens.getTrace',
    'ebpfLens.showTraceResults',
    'ebpfLens.showSavedRuns',
    'ebpfLens.compareRuns',
  ],
  deployments: [
    'ebpfLens.takeSnapshot',
    'ebpfLens.compareWithPrevious',
    'ebpfLens.compareSnapshots',
    'ebpfLens.compareWithNode',
    'ebpfLens.showFleetMatrix',
    'ebpfLens.exportPostmortem',
  ],
  language: ['ebpfLens.checkOnNode', 'ebpfLens.restartLanguageServer'],
  annotations: [
    'ebpfLens.annotate',
    'ebpfLens.measureLatency',
    'ebpfLens.toggleAnnotations',
    'ebpfLens.clearAnnotations',
    'ebpfLens.toggleLiveAnnotations',
    'ebpfLens.selectBinary',
  ],
  extension: ['ebpfLens.showLog'],
} as const;

export type Capability = keyof typeof COMMAND_IDS;
export type CommandId<C extends Capability = Capability> = (typeof COMMAND_IDS)[C][number];

/** A command's implementation: the arguments a menu, a CodeLens or another command passes. */
export type CommandHandler = (...args: never[]) => unknown;

/** A capability's commands: exactly the ids COMMAND_IDS gives it, each with its handler. */
export type CommandsOf<C extends Capability> = { readonly [K in CommandId<C>]: CommandHandler };

/**
 * The capabilities' tables as one id → handler map, in COMMAND_IDS's order. An id in two tables,
 * or one a table has that COMMAND_IDS does not give it (a table built at run time), throws.
 */
export function commandTable(tables: { readonly [C in Capability]: CommandsOf<C> }): Map<CommandId, CommandHandler> {
  const out = new Map<CommandId, CommandHandler>();
  for (const cap of Object.keys(COMMAND_IDS) as Capability[]) {
    const declared = new Set<string>(COMMAND_IDS[cap]);
    for (const [id, handler] of Object.entries(tables[cap]) as [CommandId, CommandHandler][]) {
      if (!declared.has(id)) throw new Error(`command ${id} is not declared for ${cap} in commandIds.ts`);
      if (out.has(id)) throw new Error(`command ${id} is registered twice`);
      out.set(id, handler);
    }
    for (const id of COMMAND_IDS[cap]) if (!out.has(id)) throw new Error(`command ${id} of ${cap} has no handler`);
  }
  return out;
}
