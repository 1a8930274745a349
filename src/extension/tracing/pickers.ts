import * as vscode from 'vscode';
import { InputError } from '../../core/base/errors';
import { SNIPPETS, checkParam } from '../../core/trace/library';
import type { SavedRun } from '../../core/trace/savedRun';
import type { Fleet } from '../../ssh/fleet';
import type { RunStore } from '../../core/trace/runStore';
import type { TraceSession } from '../../ssh/traceSession';
import type { TracingController } from './tracingController';

/** Nodes to run on: one, several, or every node of a tag. */
export async function pickNodes(fleet: Fleet, title: string): Promise<string[] | undefined> {
  const all = fleet.names();
  if (all.length === 0) throw new InputError('no nodes: add one first (eBPF: Add Node…)');
  const active = fleet.activeNode;
  const tags = new Map<string, string[]>();
  for (const n of all) for (const t of fleet.config(n)?.tags ?? []) tags.set(t, [...(tags.get(t) ?? []), n]);
  type Item = vscode.QuickPickItem & { nodes: string[] };
  const items: Item[] = [
    ...all.map((n) => {
      const v = fleet.view(n);
      return {
        label: n,
        description: [n === active ? 'active' : '', v?.state ?? '', v?.info?.bpftrace ? `bpftrace ${v.info.bpftrace.version}` : '']
          .filter(Boolean)
          .join(' · '),
        nodes: [n],
        picked: n === active,
      };
    }),
  ];
  if (tags.size) {
    items.push({ label: 'Tags', kind: vscode.QuickPickItemKind.Separator, nodes: [] });
    for (const [t, ns] of [...tags.entries()].sort())
      items.push({ label: `$(tag) ${t}`, description: `${ns.length} node${ns.length === 1 ? '' : 's'}: ${ns.join(', ')}`, nodes: ns });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title,
    canPickMany: true,
    placeHolder: 'Nodes (and tags) to run on',
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) return undefined;
  return [...new Set(picked.flatMap((p) => p.nodes))];
}

/** A one-liner's parameters, one input box each; undefined when one is cancelled. */
export async function askParams(id: string): Promise<Record<string, string> | undefined> {
  const s = SNIPPETS.find((x) => x.id === id);
  if (!s) throw new InputError(`no snippet ${id}`);
  const out: Record<string, string> = {};
  for (const [i, p] of s.params.entries()) {
    const v = await vscode.window.showInputBox({
      title: `${s.title} (${i + 1}/${s.params.length})`,
      prompt: p.prompt,
      ...(p.placeHolder ? { placeHolder: p.placeHolder } : {}),
      ignoreFocusOut: true,
      validateInput: (x) => (x.trim() === '' ? (p.optional ? undefined : 'required') : checkParam(p.kind, x.trim())),
    });
    if (v === undefined) return undefined;
    if (v.trim() !== '') out[p.name] = v.trim();
  }
  return out;
}

/** The session a command's argument names, else the only one, else the one the user picks. */
export async function pickSession(c: TracingController, arg: unknown, onlyRunning: boolean, placeHolder: string): Promise<TraceSession> {
  const direct = c.sessionOf(arg);
  if (direct) return direct;
  if (arg !== undefined && typeof arg !== 'object') throw new InputError(`no trace ${String(arg)}`);
  const list = [...c.sessions.values()].filter((s) => !onlyRunning || s.running).reverse();
  if (list.length === 0)
    throw new InputError(onlyRunning ? 'no trace is running' : 'no trace has run in this window (saved runs: eBPF: Show Saved Runs…)');
  if (list.length === 1 && list[0]) return list[0];
  const pick = await vscode.window.showQuickPick(
    list.map((s) => ({
      label: s.title,
      description: `${s.nodes.length === 1 ? s.nodes[0] : `${s.nodes.length} nodes`} · ${s.running ? `running ${Math.round((Date.now() - s.startedAt) / 1000)} s` : 'ended'}`,
      s,
    })),
    { placeHolder },
  );
  if (!pick) throw new vscode.CancellationError();
  return pick.s;
}

/** A saved run the user picks (undefined when cancelled). */
export async function pickSaved(store: RunStore, title: string, exclude?: string): Promise<SavedRun | undefined> {
  const list = (await store.list()).filter((e) => e.id !== exclude);
  if (list.length === 0) throw new InputError('no saved runs yet: runs are saved when they end');
  const pick = await vscode.window.showQuickPick(
    list.map((e) => ({
      label: e.title,
      description: `${e.nodes.length === 1 ? e.nodes[0] : `${e.nodes.length} nodes`} · ${new Date(e.startedAt).toLocaleString()}`,
      e,
    })),
    // one step of several (Compare Runs): a click elsewhere must not cancel it
    { title, matchOnDescription: true, ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  const r = await store.load(pick.e.file);
  if (typeof r === 'string') throw new InputError(r);
  return r;
}
