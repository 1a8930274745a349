import * as vscode from 'vscode';
import { expandHome } from '../../../ssh/trustStore';
import type { NodeArg } from '../pickNode';
import { pickNode } from '../pickNode';
import type { NodesController } from '../nodesController';

/** `ebpfLens.forgetSecrets`: a node's saved password and its keys' passphrases, out of SecretStorage. */
export async function forgetSecrets(c: NodesController, arg: NodeArg): Promise<void> {
  const node = await pickNode(c.fleet, arg, 'Forget saved passwords and passphrases of');
  await c.credentials.forget(node, (c.fleet.config(node)?.identityFiles ?? []).map(expandHome));
  void vscode.window.showInformationMessage(`eBPF Lens forgot the saved secrets of ${node}.`);
}
