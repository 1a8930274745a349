import type { NodeConfig } from '../../core/inventory/inventory';
import { parseNodes } from '../../core/inventory/inventory';
import { nodesFromSshConfig } from '../../core/inventory/sshConfig';
import { expandHome } from '../../ssh/trustStore';
import type { Config } from '../config';

export interface Inventory {
  readonly nodes: NodeConfig[];
  /** entries that could not be used, for the log and the view's message */
  readonly problems: string[];
}

/** Nodes from the `ebpfLens.nodes` setting and, when opted in, from the ssh config (settings win). */
export function readInventory(config: Config): Inventory {
  const r = parseNodes(config.nodesRaw ?? [], 'settings');
  const problems = r.errors.map((e) => `ebpfLens.nodes: ${e.message}`);
  const nodes = [...r.value];
  if (config.importSshConfig) {
    const s = nodesFromSshConfig({ file: expandHome(config.sshConfigFile) });
    problems.push(...s.errors.map((e) => `ssh config: ${e.message}`));
    for (const n of s.value) if (!nodes.some((x) => x.name === n.name)) nodes.push(n);
  }
  return { nodes, problems };
}

/** A node as the `ebpfLens.nodes` setting stores it (defaults left out). */
export function settingsEntry(n: NodeConfig): Record<string, unknown> {
  return {
    name: n.name,
    host: n.host,
    ...(n.port !== 22 ? { port: n.port } : {}),
    ...(n.user ? { user: n.user } : {}),
    ...(n.identityFiles.length === 1
      ? { identityFile: n.identityFiles[0] }
      : n.identityFiles.length > 1
        ? { identityFile: n.identityFiles }
        : {}),
    ...(n.proxyJump ? { proxyJump: n.proxyJump } : {}),
    ...(n.sudo !== 'auto' ? { sudo: n.sudo } : {}),
    ...(n.tags.length > 0 ? { tags: n.tags } : {}),
    ...(n.scope ? { scope: n.scope } : {}),
  };
}
