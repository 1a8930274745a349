import type { FileAnnotations } from '../../../core/annotate/model';
import type { AnnotateArgs } from '../target';
import { annotate } from '../annotate';
import type { AnnotationsController } from '../annotationsController';

/** eBPF: Annotate Call Frequency — measure the document (or the one named) on its node */
export const annotateCommand =
  (ctrl: AnnotationsController) =>
  (a?: AnnotateArgs): Promise<FileAnnotations | undefined> =>
    annotate(ctrl, a ?? {});
