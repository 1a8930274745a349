import * as vscode from 'vscode';
import type { NodeConfig } from '../../../core/inventory/inventory';
import { parseHop, parseNode } from '../../../core/inventory/inventory';
import { nodesFromSshConfig } from '../../../core/inventory/sshConfig';
import { expandHome } from '../../../ssh/trustStore';
import { settingsEntry } from '../inventory';
import type { NodeArg } from '../pickNode';
import { pickNode } from '../pickNode';
import type { NodesController } from '../nodesController';

/** `ebpfLens.addNode`: a destination and a name, into the `ebpfLens.nodes` setting; then it connects. */
export async function addNode(c: NodesController): Promise<string | undefined> {
  const target = await vscode.window.showInputBox({
    title: 'Add Node (1/2)',
    prompt: 'SSH destination: [user@]host[:port]',
    placeHolder: 'root@10.0.0.5',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseHop(v.trim());
      return typeof r === 'string' ? r : undefined;
    },
  });
  if (!target) return undefined;
  const hop = parseHop(target.trim());
  if (typeof hop === 'string') throw new Error(hop);
  const suggested = hop.host.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'node';
  const name = await vscode.window.showInputBox({
    title: 'Add Node (2/2)',
    prompt: 'A name for the node',
    value: suggested,
    ignoreFocusOut: true,
    validateInput: (v) => {
      const { problems } = parseNode({ name: v, host: hop.host }, 'settings');
      if (problems.length > 0) return problems.join('; ');
      return c.fleet.config(v) ? `a node named "${v}" exists` : undefined;
    },
  });
  if (!name) return undefined;
  const entry: Record<string, unknown> = {
    name,
    host: hop.host,
    ...(hop.port !== 22 ? { port: hop.port } : {}),
    ...(hop.user ? { user: hop.user } : {}),
  };
  await c.setNodes((nodes) => [...nodes, entry]);
  c.loadInventory();
  void c.connectWithProgress(name).then(undefined, () => undefined);
  return name;
}

/** `ebpfLens.importSshConfig`: hosts of the ssh config the user picks, into the setting; answers their names. */
export async function importSshConfig(c: NodesController): Promise<string[]> {
  const { config, log } = c.ctx;
  const r = nodesFromSshConfig({ file: expandHome(config.sshConfigFile) });
  for (const e of r.errors) log.warn(`ssh config: ${e.message}`);
  const fresh = r.value.filter((n) => !c.fleet.config(n.name) || c.fleet.config(n.name)?.source === 'sshConfig');
  if (fresh.length === 0) {
    void vscode.window.showInformationMessage(`No new hosts in ${config.sshConfigFile}.`);
    return [];
  }
  const picks = await vscode.window.showQuickPick(
    fresh.map((n) => ({
      label: n.name,
      description: `${n.user ? `${n.user}@` : ''}${n.host}:${n.port}${n.proxyJump ? ` via ${n.proxyJump}` : ''}`,
      picked: true,
      node: n,
    })),
    { canPickMany: true, title: `Import from ${config.sshConfigFile}`, placeHolder: 'Hosts to add to the ebpfLens.nodes setting' },
  );
  if (!picks || picks.length === 0) return [];
  const added: NodeConfig[] = picks.map((p) => p.node);
  await c.setNodes((nodes) => [...nodes, ...added.map(settingsEntry)]);
  c.loadInventory();
  return added.map((n) => n.name);
}

/** `ebpfLens.removeNode`: a node of the setting (not of the ssh config), after a confirmation. */
export async function removeNode(c: NodesController, arg: NodeArg): Promise<boolean> {
  const node = await pickNode(c.fleet, arg, 'Node to remove from the ebpfLens.nodes setting');
  if (c.fleet.config(node)?.source !== 'settings')
    throw new Error(`${node} comes from ~/.ssh/config: remove it there, or turn off ebpfLens.sshConfig.import`);
  const ok = await vscode.window.showWarningMessage(`Remove ${node} from the eBPF Lens nodes?`, { modal: true }, 'Remove');
  if (ok !== 'Remove') return false;
  await c.fleet.disconnect(node);
  await c.setNodes((nodes) => nodes.filter((n) => !(n && typeof n === 'object' && (n as { name?: unknown }).name === node)));
  c.loadInventory();
  return true;
}
