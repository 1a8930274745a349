import * as vscode from 'vscode';
import type { AnnotationsController } from '../annotationsController';

/** eBPF: Clear Annotations — forget a document's annotations (live mode off, its window stopped) */
export const clearAnnotationsCommand =
  (ctrl: AnnotationsController) =>
  async (a?: { uri?: string }): Promise<boolean> => {
    const uri = a?.uri ?? vscode.window.activeTextEditor?.document.uri.toString();
    if (!uri) return false;
    await ctrl.measure.stopLive(uri);
    ctrl.bpfWatch.forget(uri);
    const had = ctrl.states.delete(uri);
    ctrl.renderAll(uri);
    return had;
  };
