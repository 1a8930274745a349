import * as path from 'node:path';
import type { Ctx } from '../ctx';
import * as vscode from 'vscode';
import { StorageError, errorMessage } from '../../core/base/errors';
import type { NodeListing } from '../../core/nodes/listing';
import type { ProgramChange, SnapshotDiff } from '../../core/snapshot/diff';
import { diffSnapshots, fleetMatrix, instructionsForDiff, reasonText } from '../../core/snapshot/diff';
import type { Snapshot } from '../../core/snapshot/model';
import { isTransient } from '../../core/snapshot/model';
import { SnapshotStore } from '../../core/snapshot/store';
import { knownFromStore } from '../../core/snapshot/known';
import { takeSnapshot } from '../../core/snapshot/take';
import type { DeploymentEntry, TreeRow } from '../../core/nodes/tree';
import type { NodeClient } from '../../ssh/nodeClient';
import type { CommandsOf } from '../commandIds';
import type { NodesApi } from '../nodes/nodesController';
import type { TracingApi } from '../tracing/tracingController';
import { postmortemMarkdown } from '../../core/snapshot/postmortem';

export const SNAP_SCHEME = 'ebpf-lens-snap';

export interface DeploymentsApi {
  readonly store: () => SnapshotStore;
  list(node: string): Promise<DeploymentEntry[]>;
  /** take (and store, unless unchanged) a snapshot now */
  snapshot(node: string, note?: string): Promise<{ snapshot: Snapshot; saved: boolean; path: string }>;
  /** the last diff a Compare command showed (tests read it) */
  lastDiff(): SnapshotDiff | undefined;
}

/** ebpf-lens-snap:/<node>/<file>/<index>/<name>.xlated: one program of a stored snapshot, offsets removed. */
function programUri(file: string, node: string, index: number, name: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: SNAP_SCHEME,
    path: `/${node}/${path.basename(file)}/${index}/${(name || 'program').replace(/[^\w.-]/g, '_')}.xlated`,
  });
}
const EMPTY = vscode.Uri.from({ scheme: SNAP_SCHEME, path: '/-/empty/0/none.xlated' });

/** Deployments: snapshots on connect and on change, history in the tree, diffs, fleet matrix, postmortem. */
export function registerDeployments(ctx: Ctx & { readonly nodes: NodesApi; readonly tracing: TracingApi }): {
  api: DeploymentsApi;
  commands: CommandsOf<'deployments'>;
  entries: (node: string) => DeploymentEntry[] | undefined;
} {
  const { context, log, config, nodes, tracing } = ctx;
  const store = (): SnapshotStore => {
    const where = config.get('snapshots.location');
    const ws = vscode.workspace.workspaceFolders?.[0];
    const root =
      where === 'workspace' && ws
        ? path.join(ws.uri.fsPath, '.ebpf-lens', 'snapshots')
        : path.join(context.globalStorageUri.fsPath, 'snapshots');
    return new SnapshotStore(root, config.get('snapshots.maxPerNode'));
  };
  const cache = new Map<string, DeploymentEntry[]>();
  const lastDeployed = new Map<string, string>();
  let last: SnapshotDiff | undefined;
  /** storage failures already told, per node and reason (not again at every refresh) */
  const warned = new Set<string>();

  async function reload(node: string): Promise<DeploymentEntry[]> {
    const list = await store().list(node);
    cache.set(node, list);
    nodes.tree.rebuild();
    return list;
  }

  async function snapshotWith(
    client: NodeClient,
    listing?: NodeListing,
    note?: string,
  ): Promise<{ snapshot: Snapshot; saved: boolean; path: string }> {
    const st = store(); // what it holds (same tag, size and kernel) is not dumped again: a reconnect to an unchanged node dumps nothing
    const snapshot = await takeSnapshot((cmd) => client.run(cmd), client.node, client.info, {
      known: await knownFromStore(st, client.node.name, client.info.kernel),
      ...(listing ? { listing } : {}),
      ...(note ? { note } : {}),
    });
    const { entry, saved } = await st.save(snapshot);
    if (saved) log.info(`${client.node.name}: deployment snapshot ${path.basename(entry.path)} (${snapshot.programs.length} programs)`);
    await reload(client.node.name);
    return { snapshot, saved, path: entry.path };
  }

  // on connect and whenever the set of deployed programs changed
  const listed = nodes.fleet.onDidList(({ node: name, listing, client }) => {
    if (!config.get('snapshots.auto')) return;
    const key = listing.programs
      .filter((p) => !isTransient(p.owners))
      .map((p) => p.program.id)
      .sort((a, b) => a - b)
      .join(',');
    if (lastDeployed.get(name) === key) return;
    lastDeployed.set(name, key);
    void snapshotWith(client, listing).catch((e: unknown) => {
      log.warn(`${name}: snapshot failed: ${errorMessage(e)}`);
      // the history would miss a deployment: say so (once per node and reason); the next refresh tries again
      const told = `${name}\u0000${StorageError.is(e) ? e.reason : 'other'}`;
      if (StorageError.is(e) && !warned.has(told)) {
        warned.add(told);
        void vscode.window.showWarningMessage(
          `eBPF Lens ${e.message}: the deployment history of ${name} misses this deployment until it can save again (it tries at every refresh).`,
        );
      }
    });
  });
  for (const n of nodes.fleet.names()) void reload(n);
  const changed = nodes.fleet.onDidChange((name) => {
    if (name && !cache.has(name)) void reload(name);
  });
  context.subscriptions.push(listed, changed);

  async function loadOrThrow(file: string): Promise<Snapshot> {
    const r = await store().load(file);
    if ('error' in r) throw new Error(r.error);
    return r.snapshot;
  }

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SNAP_SCHEME, {
      async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
        const [, node = '', file = '', index = '0'] = uri.path.split('/');
        if (node === '-') return '';
        const s = await loadOrThrow(path.join(store().root, node, file));
        const p = s.programs[Number(index)];
        if (!p) return `; no program ${index} in ${file}\n`;
        const text = store().source(p);
        return `; ${p.name} — ${p.type}, tag ${p.tag}, on ${s.node} at ${s.takenAt}\n${text === undefined ? '; (instructions not kept)' : instructionsForDiff(text)}`;
      },
    }),
  );

  async function showDiff(a: Snapshot, fileA: string, b: Snapshot, fileB: string): Promise<SnapshotDiff> {
    const d = diffSnapshots(a, b, store().source);
    last = d;
    const s = d.summary;
    const title = `${a.node} ${a.takenAt.slice(11, 19)} ↔ ${b.node} ${b.takenAt.slice(11, 19)}: ${d.same ? 'no change' : `${s.changed} changed, ${s.added} added, ${s.removed} removed`}`;
    const idx = (snap: Snapshot, p: ProgramChange['before']): number => (p ? snap.programs.indexOf(p) : -1);
    const resources = d.programs
      .filter((p) => p.status !== 'unchanged')
      .map((p) => {
        const left = p.before ? programUri(fileA, a.node, idx(a, p.before), p.before.name) : EMPTY;
        const right = p.after ? programUri(fileB, b.node, idx(b, p.after), p.after.name) : EMPTY;
        return [p.after ? right : left, left, right] as [vscode.Uri, vscode.Uri, vscode.Uri];
      });
    const details = d.programs
      .filter((p) => p.status !== 'unchanged')
      .map((p) => `${p.status} ${p.label}${p.reasons.length ? `: ${p.reasons.map(reasonText).join('; ')}` : ''}`);
    log.info(`${title}\n  ${details.join('\n  ')}`);
    if (resources.length > 0) await vscode.commands.executeCommand('vscode.changes', title, resources);
    // not awaited: the command returns while the message is up
    void vscode.window.showInformationMessage(title, ...(details.length ? ['Show Details'] : [])).then(async (pick) => {
      if (pick !== 'Show Details') return;
      const doc = await vscode.workspace.openTextDocument({
        language: 'markdown',
        content: `# ${title}\n\n${details.map((l) => `- ${l}`).join('\n')}\n`,
      });
      await vscode.window.showTextDocument(doc, { preview: true });
    });
    return d;
  }

  const rowOf = (arg: unknown): TreeRow | undefined => (arg && typeof arg === 'object' && 'id' in arg ? (arg as TreeRow) : undefined);
  async function pickNode(arg: unknown, title: string): Promise<string> {
    const row = rowOf(arg);
    if (typeof arg === 'string') return arg;
    if (row?.node) return row.node;
    const n = nodes.fleet.activeNode ?? (await vscode.window.showQuickPick(nodes.fleet.names().sort(), { title }));
    if (!n) throw new vscode.CancellationError();
    return n;
  }
  async function pickSnapshot(node: string, title: string, exclude?: string): Promise<string> {
    const list = (await reload(node)).filter((e) => e.path !== exclude).reverse();
    if (list.length === 0) throw new Error(`no deployment snapshots of ${node} yet`);
    const pick = await vscode.window.showQuickPick(
      list.map((e) => ({
        label: new Date(e.takenAt).toLocaleString(),
        description: `${e.programs} programs · ${e.hash.slice(0, 8)}`,
        path: e.path,
      })),
      { title, ignoreFocusOut: true },
    );
    if (!pick) throw new vscode.CancellationError();
    return pick.path;
  }

  const commands: CommandsOf<'deployments'> = {
    'ebpfLens.takeSnapshot': async (arg?: unknown) => {
      const node = await pickNode(arg, 'Snapshot the deployment of');
      const client = await nodes.fleet.connect(node);
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `eBPF Lens: snapshot of ${node}…` },
        () => snapshotWith(client),
      );
      void vscode.window.showInformationMessage(
        r.saved ? `Snapshot of ${node}: ${r.snapshot.programs.length} programs.` : `${node}: no change since the last snapshot.`,
      );
      return { path: r.path, saved: r.saved };
    },
    'ebpfLens.compareWithPrevious': async (arg?: unknown) => {
      const row = rowOf(arg);
      const node = await pickNode(arg, 'Compare the deployments of');
      const list = await reload(node);
      const at = row?.snapshot ? list.findIndex((e) => e.path === row.snapshot) : list.length - 1;
      const cur = list[at];
      const prev = list[at - 1];
      if (!cur || !prev) throw new Error(`${node} has no earlier snapshot to compare with`);
      return showDiff(await loadOrThrow(prev.path), prev.path, await loadOrThrow(cur.path), cur.path);
    },
    'ebpfLens.compareSnapshots': async (arg?: unknown) => {
      const node = await pickNode(arg, 'Compare the deployments of');
      const a = await pickSnapshot(node, `${node}: the earlier snapshot`);
      const b = await pickSnapshot(node, `${node}: compare with`, a);
      const [sa, sb] = [await loadOrThrow(a), await loadOrThrow(b)];
      return sa.takenAt <= sb.takenAt ? showDiff(sa, a, sb, b) : showDiff(sb, b, sa, a);
    },
    'ebpfLens.compareWithNode': async (arg?: unknown, other?: string) => {
      const node = await pickNode(arg, 'Compare the deployment of');
      const peer =
        other ??
        (await vscode.window.showQuickPick(
          nodes.fleet
            .names()
            .filter((n) => n !== node)
            .sort(),
          { title: `Compare ${node} with` },
        ));
      if (!peer) throw new vscode.CancellationError();
      const take = async (n: string): Promise<{ s: Snapshot; p: string }> => {
        const r = await snapshotWith(await nodes.fleet.connect(n));
        return { s: r.snapshot, p: r.path };
      };
      const [x, y] = [await take(node), await take(peer)];
      return showDiff(x.s, x.p, y.s, y.p);
    },
    'ebpfLens.showFleetMatrix': async () => {
      const snaps: Snapshot[] = [];
      for (const n of nodes.fleet.names().sort()) {
        const s = await store().latest(n);
        if (s) snaps.push(s);
      }
      if (snaps.length === 0) throw new Error('no deployment snapshots yet: connect nodes first');
      const m = fleetMatrix(snaps);
      const rows = m.programs.map((p) => {
        const tags = m.nodes.map((n) => m.tags[p]?.[n]?.join(', ') ?? '—');
        const distinct = new Set(tags.filter((t) => t !== '—'));
        return `| ${p}${distinct.size > 1 ? ' ⚠' : ''} | ${tags.map((t) => `\`${t.slice(0, 16)}\``).join(' | ')} |`;
      });
      const md = `# Fleet matrix: program → tag per node\n\nLatest snapshot of each node; ⚠ marks a program whose tag differs between nodes.\n\n| program | ${m.nodes.join(' | ')} |\n|---|${m.nodes.map(() => '---').join('|')}|\n${rows.join('\n')}\n`;
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: md });
      await vscode.window.showTextDocument(doc);
      return m;
    },
    'ebpfLens.exportPostmortem': async (arg?: unknown, opts?: { sinceMs?: number; notes?: string }) => {
      const node = await pickNode(arg, 'Postmortem for');
      let since = opts?.sinceMs;
      if (since === undefined) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: 'Last hour', ms: 3600e3 },
            { label: 'Last 24 hours', ms: 86400e3 },
            { label: 'Last 7 days', ms: 7 * 86400e3 },
            { label: 'Everything', ms: Number.MAX_SAFE_INTEGER },
          ],
          { title: `Postmortem for ${node}: time range`, ignoreFocusOut: true },
        );
        if (!pick) throw new vscode.CancellationError();
        since = pick.ms;
      }
      const notes =
        opts?.notes ??
        (await vscode.window.showInputBox({ title: `Postmortem for ${node}`, prompt: 'Your notes (optional)', ignoreFocusOut: true })) ??
        '';
      const from = Date.now() - since;
      const problems: string[] = [];
      const snaps: Snapshot[] = [];
      for (const e of await store().list(node)) {
        if (Date.parse(e.takenAt) < from) continue;
        const r = await store().load(e.path);
        if ('snapshot' in r) snaps.push(r.snapshot);
        else problems.push(r.error);
      }
      const traces = tracing
        .list()
        .filter((t) => t.node === node && t.startedAt >= from)
        .map((t) => ({
          node: t.node,
          title: t.title,
          script: t.script,
          startedAt: t.startedAt,
          state: t.state,
          results: t.results,
          ...(t.outcome ? { outcome: t.outcome } : {}),
        }));
      const md = postmortemMarkdown({
        node,
        from: new Date(Math.max(0, from)),
        to: new Date(),
        snapshots: snaps,
        traces,
        notes,
        problems,
        xlated: store().source,
      });
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: md });
      await vscode.window.showTextDocument(doc);
      return md;
    },
  };

  return {
    api: {
      store,
      list: (node) => reload(node),
      snapshot: async (node, note) => snapshotWith(await nodes.fleet.connect(node), undefined, note),
      lastDiff: () => last,
    },
    commands,
    entries: (node) => cache.get(node),
  };
}
