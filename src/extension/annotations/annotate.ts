import type { Measurement } from '../../core/annotate/measureState';
import type { FileAnnotations } from '../../core/annotate/model';
import { isBpfSource } from '../../core/annotate/functions';
import { InputError } from '../../core/base/errors';
import type { AnnotateArgs } from './target';
import { docFor } from './target';
import type { TraceSession } from '../../ssh/traceSession';
import type { AnnotationsController } from './annotationsController';
import { annotateBpf } from './bpfAnnotations';
import { measureUser } from './measureUser';
import { probeHitAnnotations } from './probeHitAnnotations';
import { fileLabel, functionsOf } from './sources';

/**
 * Annotates a document by what it is: a bpftrace script by its last run from the editor, BPF C
 * by the node's program stats, any other source by counting its functions' calls for a window.
 * `live`: live mode's measurement of the file (cancelled if live mode is turned off meanwhile).
 */
export async function annotate(
  ctrl: AnnotationsController,
  a: AnnotateArgs = {},
  live?: Measurement<TraceSession>,
): Promise<FileAnnotations | undefined> {
  const doc = await docFor(a);
  const uri = doc.uri.toString();
  if (doc.languageId === 'bpftrace') {
    // a script's blocks are annotated by its runs: the last one from this document
    const s = [...ctrl.ctx.tracing.sessions()].reverse().find((x) => x.source?.uri === uri);
    if (!s) throw new InputError('run the script first (CodeLens ▶ Run, or eBPF: Run Trace…): each probe then shows how often it fired');
    probeHitAnnotations(ctrl, s);
    ctrl.visible = true;
    ctrl.renderAll();
    return ctrl.states.get(uri)?.file;
  }
  const { lang, fns } = await functionsOf(doc);
  if (fns.length === 0) throw new InputError(`no function definitions found in ${fileLabel(doc)}`);
  ctrl.visible = true;
  if (isBpfSource(fns))
    return annotateBpf(
      ctrl,
      doc,
      a,
      fns.filter((f) => f.section !== undefined),
    );
  return measureUser(ctrl, { doc, args: a, fns, lang, ...(live ? { live } : {}) });
}
