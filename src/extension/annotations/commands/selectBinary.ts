import { InputError } from '../../../core/base/errors';
import { checkParam } from '../../../core/trace/library';
import { docFor, nodeFor } from '../target';
import type { AnnotationsController } from '../annotationsController';
import { pickBinary, rememberBinary } from '../binaryPicker';

/** eBPF: Select Binary — which binary on the node the document is built into (remembered per folder) */
export const selectBinaryCommand =
  (ctrl: AnnotationsController) =>
  async (a?: { uri?: string; node?: string; binary?: string }): Promise<string | undefined> => {
    const doc = await docFor(a ?? {});
    const node = nodeFor(ctrl, a ?? {});
    await ctrl.ctx.nodes.fleet.connect(node);
    const bin = a?.binary ?? (await pickBinary(ctrl, node, doc));
    if (!bin) return undefined;
    const why = checkParam('binary', bin);
    if (why) throw new InputError(`binary ${JSON.stringify(bin.slice(0, 120))} is not ${why}`);
    await rememberBinary(ctrl, node, doc, bin);
    return bin;
  };
