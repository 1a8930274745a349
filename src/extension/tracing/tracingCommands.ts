import type { CommandsOf } from '../commandIds';
import { compareRuns } from './commands/compareRuns';
import type { CompareArgs } from './commands/compareRuns';
import { rerunLastTrace, runFile, runFileOn, runProbe, runProbeOn, runSelection } from './commands/runFromEditor';
import type { FileArgs } from './commands/runFromEditor';
import { runTrace } from './commands/runTrace';
import type { RunArgs } from './commands/runTrace';
import { runTraceOn } from './commands/runTraceOn';
import { getTrace, showSavedRuns, showTraceResults } from './commands/showResults';
import { stopAllTraces, stopTrace } from './commands/stopTrace';
import type { TracingController } from './tracingController';

/** The tracing commands: each id → its function (commands/), given the controller. */
export function tracingCommands(c: TracingController): CommandsOf<'tracing'> {
  return {
    'ebpfLens.runTrace': (a?: RunArgs) => runTrace(c, a),
    'ebpfLens.runTraceOn': () => runTraceOn(c),
    // a CodeLens click runs the script of the editor in front on the active node: other
    // documents or nodes named by a caller are confirmed first (see Consent)
    'ebpfLens.runFile': (a?: FileArgs) => runFile(c, a),
    'ebpfLens.runFileOn': (a?: FileArgs) => runFileOn(c, a),
    'ebpfLens.runProbe': (a?: FileArgs) => runProbe(c, a),
    'ebpfLens.runProbeOn': (a?: FileArgs) => runProbeOn(c, a),
    'ebpfLens.runSelection': () => runSelection(c),
    'ebpfLens.rerunLastTrace': () => rerunLastTrace(c),
    'ebpfLens.stopTrace': (arg?: unknown) => stopTrace(c, arg),
    'ebpfLens.stopAllTraces': () => stopAllTraces(c),
    'ebpfLens.getTrace': (id?: string) => getTrace(c, id),
    'ebpfLens.showTraceResults': (arg?: unknown) => showTraceResults(c, arg),
    'ebpfLens.showSavedRuns': () => showSavedRuns(c),
    'ebpfLens.compareRuns': (a?: CompareArgs) => compareRuns(c, a),
  };
}
