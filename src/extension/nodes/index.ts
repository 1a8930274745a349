import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { NodeConfig } from '../../core/inventory/inventory';
import { parseHop, parseNode } from '../../core/inventory/inventory';
import { errorMessage } from '../../core/base/errors';
import { nodesFromSshConfig } from '../../core/inventory/sshConfig';
import { compact } from '../../core/nodes/stats';
import type { TreeRow } from '../../core/nodes/tree';
import { Fleet } from '../../ssh/fleet';
import type { ConnectContext } from '../../ssh/nodeClient';
import { TrustStore, expandHome } from '../../ssh/trustStore';
import type { CommandsOf } from '../commandIds';
import { Config } from '../config';
import { Credentials } from './credentials';
import { ObjectDocuments, SCHEME, objectUri } from './documents';
import { readInventory, settingsEntry } from './inventory';
import { askHostKey } from './prompts';
import { NodesTreeProvider } from './treeProvider';

export interface NodesApi {
  readonly fleet: Fleet;
  readonly tree: NodesTreeProvider;
  readonly view: vscode.TreeView<TreeRow>;
  /** problems found in the inventory (bad entries are skipped and listed here) */
  inventoryProblems(): readonly string[];
}

type NodeArg = TreeRow | string | undefined;

/** The Nodes capability: inventory, connections, the tree, live stats, the active node. */
export function registerNodes(capability: Ctx): { api: NodesApi; commands: CommandsOf<'nodes'> } {
  const { context, log, config } = capability;
  const credentials = new Credentials(context.secrets);
  // the known_hosts files are read from the settings at every check
  const trust = new TrustStore(() => config.knownHostsFiles, TrustStore.defaultStoreFile());
  const ctx: ConnectContext = {
    trust,
    agent: process.env['SSH_AUTH_SOCK'] || undefined,
    onUnknownHostKey: askHostKey,
    askPassword: credentials.askPassword,
    askPassphrase: credentials.askPassphrase,
    passwordFor: credentials.passwordFor,
    get connectTimeoutMs() {
      return config.connectTimeoutMs;
    },
    get commandTimeoutMs() {
      return config.commandTimeoutMs;
    },
    get keepaliveIntervalMs() {
      return config.keepaliveIntervalMs;
    },
    log: (m) => log.debug(m),
  };
  const fleet = new Fleet({ ctx, concurrency: config.maxConcurrentNodes, log: (m) => log.info(m) });
  let filter = '';
  let problems: string[] = [];
  const tree = new NodesTreeProvider(
    fleet,
    () => ({ groupByTag: config.groupByTag, filter }),
    (node) => void connectWithProgress(node).then(undefined, () => undefined),
  );
  const view = vscode.window.createTreeView('ebpfLens.nodes', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    tree,
    view,
    view.onDidExpandElement((e) => tree.expanded(e.element)),
  );

  const setContext = (key: string, value: unknown): Thenable<unknown> => vscode.commands.executeCommand('setContext', key, value);

  const loadInventory = (): void => {
    const inv = readInventory(config);
    problems = inv.problems;
    for (const p of problems) log.warn(p);
    fleet.setInventory(inv.nodes);
    void setContext('ebpfLens.nodeCount', inv.nodes.length);
    const saved = context.workspaceState.get<string>('ebpfLens.activeNode');
    if (!fleet.activeNode && saved && inv.nodes.some((n) => n.name === saved)) fleet.setActive(saved);
    updateMessage();
  };
  const updateMessage = (): void => {
    const parts: string[] = [];
    if (filter) parts.push(`Filter: "${filter}"`);
    if (problems.length > 0) parts.push(`${problems.length} node entr${problems.length === 1 ? 'y is' : 'ies are'} invalid (see the log)`);
    view.message = parts.join(' · ');
    void setContext('ebpfLens.filtered', filter !== '');
  };

  // status bar: the active node
  const status = vscode.window.createStatusBarItem('ebpfLens.activeNode', vscode.StatusBarAlignment.Left, 50);
  status.name = 'eBPF Lens: Active Node';
  status.command = 'ebpfLens.selectActiveNode';
  context.subscriptions.push(status);
  let hadActive: boolean | undefined;
  const updateStatus = (): void => {
    const has = fleet.activeNode !== undefined;
    if (has !== hadActive) {
      hadActive = has;
      void setContext('ebpfLens.hasActiveNode', has);
    }
    const names = fleet.names();
    if (names.length === 0) {
      status.hide();
      return;
    }
    const a = fleet.activeNode ? fleet.view(fleet.activeNode) : undefined;
    if (!a) {
      status.text = '$(server-environment) eBPF: no active node';
      status.tooltip = 'Select the node that runs, completes and annotates for this workspace';
    } else {
      const progs = a.listing?.programs.length;
      const rate = a.stats ? [...a.stats.values()].reduce((s, x) => s + x.eventsPerSec, 0) : undefined;
      const icon = a.state === 'connected' ? '$(vm-running)' : a.error ? '$(error)' : '$(vm-outline)';
      status.text = `${icon} ${a.config.name}${progs !== undefined ? ` · ${progs} progs` : ''}${rate !== undefined ? ` · ${compact(rate)} ev/s` : ''}`;
      status.tooltip = `eBPF Lens active node: ${a.config.name} (${a.state})${a.error ? `\n${a.error.message}` : ''}\nClick to choose another.`;
    }
    status.show();
  };

  const fleetChanged = fleet.onDidChange((node) => {
    tree.rebuild();
    updateStatus();
    if (node) {
      const v = fleet.view(node);
      if (v?.state === 'connected' && !fleet.activeNode) {
        // the first node connected becomes the active one until the user picks another
        fleet.setActive(node);
        void context.workspaceState.update('ebpfLens.activeNode', node);
      }
      if (v?.state === 'connected') void credentials.connected(node);
      else if (v?.state === 'failed') credentials.failed(node);
    }
  });

  // live stats: refresh the nodes that have them on
  let statsTimer: NodeJS.Timeout | undefined;
  const startStatsTimer = (): void => {
    if (statsTimer) clearInterval(statsTimer);
    statsTimer = setInterval(() => {
      const nodes = fleet.statsNodes();
      if (nodes.length > 0) void fleet.refreshAll(nodes);
    }, config.statsIntervalMs);
  };
  startStatsTimer();
  context.subscriptions.push({ dispose: () => statsTimer && clearInterval(statsTimer) });
  // stats are released and connections closed when the extension stops
  context.subscriptions.push(fleetChanged, { dispose: () => void fleet.dispose() });

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, new ObjectDocuments(fleet)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (Config.affectsInventory(e)) loadInventory();
      if (e.affectsConfiguration('ebpfLens.tree.groupByTag')) tree.rebuild();
      if (e.affectsConfiguration('ebpfLens.stats.refreshIntervalSeconds')) startStatsTimer();
    }),
  );

  // ------------------------------------------------------------------------------- helpers
  function nodeName(arg: NodeArg): string | undefined {
    if (typeof arg === 'string') return arg;
    if (arg && typeof arg === 'object' && typeof arg.node === 'string' && arg.node) return arg.node;
    return undefined;
  }

  async function pickNode(arg: NodeArg, placeHolder: string, filterFn: (n: string) => boolean = () => true): Promise<string> {
    const given = nodeName(arg);
    if (given) {
      if (!fleet.config(given)) throw new Error(`no node named "${given}" in the inventory`);
      return given;
    }
    const items = fleet
      .names()
      .filter(filterFn)
      .sort()
      .map((n) => {
        const v = fleet.view(n);
        return {
          label: n,
          description: v ? `${v.config.host}${v.config.port !== 22 ? `:${v.config.port}` : ''}` : '',
          detail: v?.state ?? '',
        };
      });
    if (items.length === 0) throw new Error('no nodes: add one with "eBPF: Add Node…"');
    const pick = await vscode.window.showQuickPick(items, { placeHolder });
    if (!pick) throw new vscode.CancellationError();
    return pick.label;
  }

  function connectWithProgress(node: string): Thenable<unknown> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `eBPF Lens: connecting to ${node}…`, cancellable: true },
      (_p, token) => fleet.connect(node, token),
    );
  }

  async function setNodes(update: (nodes: unknown[]) => unknown[]): Promise<void> {
    const cur = Array.isArray(config.nodesRaw) ? [...(config.nodesRaw as unknown[])] : [];
    await config.update('nodes', update(cur));
  }

  function rowRef(arg: unknown, type?: 'program' | 'map' | 'link'): TreeRow & { ref: NonNullable<TreeRow['ref']> } {
    const row = arg as TreeRow | undefined;
    if (!row?.ref || (type && row.ref.type !== type)) throw new Error(`pick a ${type ?? 'program, map or link'} in the eBPF Nodes view`);
    return row as TreeRow & { ref: NonNullable<TreeRow['ref']> };
  }

  // ------------------------------------------------------------------------------- commands
  const commands: CommandsOf<'nodes'> = {
    'ebpfLens.addNode': async () => {
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
          return fleet.config(v) ? `a node named "${v}" exists` : undefined;
        },
      });
      if (!name) return undefined;
      const entry: Record<string, unknown> = {
        name,
        host: hop.host,
        ...(hop.port !== 22 ? { port: hop.port } : {}),
        ...(hop.user ? { user: hop.user } : {}),
      };
      await setNodes((nodes) => [...nodes, entry]);
      loadInventory();
      void connectWithProgress(name).then(undefined, () => undefined);
      return name;
    },

    'ebpfLens.importSshConfig': async () => {
      const r = nodesFromSshConfig({ file: expandHome(config.sshConfigFile) });
      for (const e of r.errors) log.warn(`ssh config: ${e.message}`);
      const fresh = r.value.filter((n) => !fleet.config(n.name) || fleet.config(n.name)?.source === 'sshConfig');
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
      await setNodes((nodes) => [...nodes, ...added.map(settingsEntry)]);
      loadInventory();
      return added.map((n) => n.name);
    },

    'ebpfLens.removeNode': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to remove from the ebpfLens.nodes setting');
      if (fleet.config(node)?.source !== 'settings')
        throw new Error(`${node} comes from ~/.ssh/config: remove it there, or turn off ebpfLens.sshConfig.import`);
      const ok = await vscode.window.showWarningMessage(`Remove ${node} from the eBPF Lens nodes?`, { modal: true }, 'Remove');
      if (ok !== 'Remove') return false;
      await fleet.disconnect(node);
      await setNodes((nodes) => nodes.filter((n) => !(n && typeof n === 'object' && (n as { name?: unknown }).name === node)));
      loadInventory();
      return true;
    },

    'ebpfLens.connect': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to connect');
      await connectWithProgress(node);
      if (!fleet.activeNode) fleet.setActive(node);
      return fleet.view(node)?.state;
    },

    'ebpfLens.disconnect': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to disconnect', (n) => fleet.view(n)?.state !== 'idle');
      await fleet.disconnect(node);
    },

    'ebpfLens.refresh': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to refresh');
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `eBPF: listing ${node}` }, () =>
        fleet.refresh(node),
      );
    },

    'ebpfLens.refreshAll': async () => {
      loadInventory();
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'eBPF: refreshing nodes' }, () =>
        fleet.refreshAll(),
      );
    },

    'ebpfLens.setActiveNode': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Active node (target of runs, completions and annotations)');
      fleet.setActive(node);
      await context.workspaceState.update('ebpfLens.activeNode', node);
      return node;
    },

    'ebpfLens.selectActiveNode': async () => vscode.commands.executeCommand('ebpfLens.setActiveNode'),

    'ebpfLens.revealNode': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to show in the Nodes view');
      await vscode.commands.executeCommand('ebpfLens.nodes.focus');
      // its error shows on its row when it cannot connect
      await fleet.connect(node).catch((e: unknown) => log.warn(`${node}: ${errorMessage(e)}`));
      tree.rebuildNow();
      const all = (rows: readonly TreeRow[]): TreeRow[] => rows.flatMap((r) => [r, ...all(r.children)]);
      const row = all(tree.rows()).find((r) => r.kind === 'node' && r.node === node);
      if (!row) return false;
      await view.reveal(row, { select: true, focus: false, expand: true });
      const programs = row.children.find((c) => c.label === 'Programs');
      if (programs) await view.reveal(programs, { select: false, focus: false, expand: 2 });
      return true;
    },

    'ebpfLens.copyId': async (arg: unknown) => {
      const row = rowRef(arg);
      await vscode.env.clipboard.writeText(String(row.ref.id));
      return row.ref.id;
    },

    'ebpfLens.showProgram': async (arg: unknown) => {
      const row = rowRef(arg, 'program');
      const doc = await vscode.workspace.openTextDocument(objectUri(row.node, 'program', row.ref.id, row.label, 'xlated'));
      await vscode.window.showTextDocument(doc, { preview: true });
      return doc.uri.toString();
    },

    'ebpfLens.showJson': async (arg: unknown) => {
      const row = rowRef(arg);
      const doc = await vscode.workspace.openTextDocument(objectUri(row.node, row.ref.type, row.ref.id, row.label, 'json'));
      await vscode.window.showTextDocument(doc, { preview: true });
      return doc.uri.toString();
    },

    'ebpfLens.filterNodes': async () => {
      const v = await vscode.window.showInputBox({
        title: 'Filter eBPF Nodes',
        prompt: 'Node name, host or tag; program, map or link name, type or id',
        value: filter,
      });
      if (v === undefined) return filter;
      filter = v.trim();
      updateMessage();
      tree.rebuildNow();
      return filter;
    },

    'ebpfLens.clearFilter': () => {
      filter = '';
      updateMessage();
      tree.rebuildNow();
    },

    'ebpfLens.toggleGroupByTag': async () => {
      await config.update('tree.groupByTag', !config.groupByTag);
      tree.rebuildNow();
      return config.groupByTag;
    },

    'ebpfLens.enableStats': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to show live program stats for');
      if (config.statsConfirm) {
        const ok = await vscode.window.showWarningMessage(
          `Enable live BPF program stats on ${node}?`,
          {
            modal: true,
            detail:
              "This sets kernel.bpf_stats_enabled=1 on the node's kernel: every BPF program there then counts its runs and run time, at a small cost per run. " +
              'eBPF Lens restores the value it found when the last of its connections to that kernel turns stats off or disconnects (also after a crash, on the next connect). ' +
              'It needs root on the node (a root login, or sudo -n for sh).',
          },
          'Enable',
        );
        if (ok !== 'Enable') return false;
      }
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `eBPF Lens: enabling stats on ${node}…`, cancellable: true },
        (_p, token) => fleet.enableStats(node, token),
      );
      return true;
    },

    'ebpfLens.disableStats': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Node to stop live stats on', (n) => fleet.view(n)?.statsOn === true);
      await fleet.disableStats(node);
    },

    'ebpfLens.forgetSecrets': async (arg: NodeArg) => {
      const node = await pickNode(arg, 'Forget saved passwords and passphrases of');
      await credentials.forget(node, (fleet.config(node)?.identityFiles ?? []).map(expandHome));
      void vscode.window.showInformationMessage(`eBPF Lens forgot the saved secrets of ${node}.`);
    },

    'ebpfLens.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', 'ebpfLens'),
  };

  loadInventory();
  tree.rebuildNow();
  updateStatus();
  log.info(`inventory: ${fleet.names().length} node(s)`);

  return {
    api: { fleet, tree, view, inventoryProblems: () => problems },
    commands,
  };
}
