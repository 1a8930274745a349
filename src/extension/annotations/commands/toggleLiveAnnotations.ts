import * as vscode from 'vscode';
import { CancelledError, errorMessage } from '../../../core/base/errors';
import type { AnnotateArgs } from '../target';
import { annotate } from '../annotate';
import { docFor } from '../target';
import type { AnnotationsController } from '../annotationsController';
import { fileLabel } from '../sources';

/**
 * eBPF: Toggle Live Annotations — measure the document now, then again every interval (a
 * window at a time), until toggled off or the document is closed.
 */
export const toggleLiveAnnotationsCommand =
  (ctrl: AnnotationsController) =>
  async (a?: AnnotateArgs & { intervalSec?: number }): Promise<boolean> => {
    const doc = await docFor(a ?? {});
    const uri = doc.uri.toString();
    if (ctrl.measure.isLive(uri)) {
      await ctrl.measure.stopLive(uri);
      return false;
    }
    const first = await annotate(ctrl, { ...(ctrl.states.get(uri)?.args ?? {}), ...a, uri });
    if (!first) return false;
    if (first.kind !== 'uprobe') {
      void vscode.window.showInformationMessage(
        first.kind === 'bpf'
          ? 'BPF program annotations are live already: they follow the node’s stats.'
          : 'bpftrace annotations follow the script’s runs.',
      );
      return false;
    }
    const every = Math.max(first.windowSec + 2, a?.intervalSec ?? ctrl.ctx.config.get('annotations.liveIntervalSeconds')) * 1000;
    ctrl.measure.startLive(uri, fileLabel(doc), every, (live) =>
      annotate(ctrl, { ...(ctrl.states.get(uri)?.args ?? {}), uri, quiet: true }, live).catch((e: unknown) => {
        if (CancelledError.is(e)) return;
        ctrl.ctx.log.warn(`live annotations of ${fileLabel(doc)}: ${errorMessage(e)}`);
        void ctrl.measure.stopLive(uri);
      }),
    );
    return true;
  };
