import type { AnnotationsController } from '../annotationsController';

/** eBPF: Toggle Annotations — hide or show every document's annotations (the measurements stay) */
export const toggleAnnotationsCommand = (ctrl: AnnotationsController) => (): boolean => {
  ctrl.visible = !ctrl.visible;
  ctrl.renderAll();
  return ctrl.visible;
};
