import type { CommandsOf } from '../commandIds';
import type { AnnotationsController } from './annotationsController';
import { annotateCommand } from './commands/annotate';
import { clearAnnotationsCommand } from './commands/clearAnnotations';
import { measureLatencyCommand } from './commands/measureLatency';
import { selectBinaryCommand } from './commands/selectBinary';
import { toggleAnnotationsCommand } from './commands/toggleAnnotations';
import { toggleLiveAnnotationsCommand } from './commands/toggleLiveAnnotations';

/** The annotations capability's commands, each in its own file. */
export function annotationsCommands(ctrl: AnnotationsController): CommandsOf<'annotations'> {
  return {
    'ebpfLens.annotate': annotateCommand(ctrl),
    'ebpfLens.measureLatency': measureLatencyCommand(ctrl),
    'ebpfLens.toggleAnnotations': toggleAnnotationsCommand(ctrl),
    'ebpfLens.clearAnnotations': clearAnnotationsCommand(ctrl),
    'ebpfLens.toggleLiveAnnotations': toggleLiveAnnotationsCommand(ctrl),
    'ebpfLens.selectBinary': selectBinaryCommand(ctrl),
  };
}
