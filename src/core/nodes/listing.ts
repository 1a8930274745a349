import type { Listed } from '../bpftool/commands';
import type { BatchListing } from '../bpftool/commands';
import { linkShow, listingBatch, mapShow, netShow, perfShow, progShow } from '../bpftool/commands';
import type { BpfLink, BpfMap, BpfPidRef, BpfProgram, NetAttachment, PerfAttachment } from '../bpftool/types';
import type { RemoteCommand } from '../remote/command';
import { errorMessage, ToolError } from '../base/errors';
import { globToRegExp } from '../base/glob';
import type { NodeScope } from '../inventory/inventory';

/** Where a program is attached, from one of the three views bpftool gives. */
export interface AttachPoint {
  /** which bpftool listing told us */
  readonly via: 'link' | 'net' | 'perf';
  /** link type, net kind (xdp, tc, …) or perf fd type (tracepoint, uprobe, …) */
  readonly kind: string;
  /** what it attaches to, when known: tracepoint, device, function, file:offset … */
  readonly target?: string;
  readonly linkId?: number;
  /** the process holding a perf attachment */
  readonly pid?: number;
}

export interface ListedProgram {
  readonly program: BpfProgram;
  readonly mapNames: readonly string[];
  readonly attach: readonly AttachPoint[];
  /** processes holding the program (bpftool pids, or the holders of its perf events) */
  readonly owners: readonly BpfPidRef[];
}

export interface NodeListing {
  readonly programs: readonly ListedProgram[];
  readonly maps: readonly BpfMap[];
  readonly links: readonly BpfLink[];
  /** entries bpftool printed that could not be read, and optional views that failed */
  readonly warnings: readonly string[];
  /** network devices of the node's own namespace that carry a program (`bpftool net`), by ifindex */
  readonly devices?: readonly { readonly ifindex: number; readonly name: string }[];
}

/** the node's devices by ifindex, as far as its listing knows them */
export function deviceNames(l: NodeListing): Map<number, string> {
  return new Map((l.devices ?? []).map((d) => [d.ifindex, d.name]));
}

export interface RawListing {
  readonly programs: readonly BpfProgram[];
  readonly maps: readonly BpfMap[];
  readonly links: readonly BpfLink[];
  readonly net: readonly NetAttachment[];
  readonly perf: readonly PerfAttachment[];
  /** pid → command name, for owners bpftool named without one */
  readonly comms?: ReadonlyMap<number, string>;
  readonly warnings?: readonly string[];
  /** `bpftool net` could not be read: a link's device name cannot be checked against it */
  readonly netUnavailable?: boolean;
}

/**
 * A link to a network device (xdp, tcx, netkit) carries only an ifindex, which bpftool names in
 * its own network namespace: a program attached in another namespace (another node sharing the
 * kernel, a container) would be shown on this namespace's device of that number. `bpftool net`
 * lists what is attached to this namespace's devices (XDP always; tc/tcx on newer bpftool): a link
 * it does not list is shown by its ifindex, with the namespace caveat.
 */
export function checkLinkDevice(l: BpfLink, net: readonly NetAttachment[] | undefined): BpfLink {
  const ifindex = l.raw['ifindex'];
  if (typeof ifindex !== 'number' || l.progId === undefined) return l;
  if (net?.some((n) => n.progId === l.progId && n.ifindex === ifindex)) return l;
  const attach = typeof l.raw['attach_type'] === 'string' ? ` ${l.raw['attach_type']}` : '';
  // XDP on this namespace's devices is always in `bpftool net`: not there, it is elsewhere
  const where = net && l.type === 'xdp' ? 'in another network namespace' : 'another network namespace?';
  return { ...l, target: `ifindex ${ifindex}${attach} (${where})` };
}

function underPrefix(path: string, prefix: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/** Merge the five bpftool views into one listing per program, then apply the node's scope. */
export function mergeListing(raw: RawListing, scope?: NodeScope): NodeListing {
  const mapById = new Map(raw.maps.map((m) => [m.id, m]));
  const attach = new Map<number, AttachPoint[]>();
  const owners = new Map<number, Map<number, BpfPidRef>>();
  const add = (id: number | undefined, a: AttachPoint): void => {
    if (id === undefined) return;
    const list = attach.get(id) ?? [];
    list.push(a);
    attach.set(id, list);
  };
  const own = (id: number, p: BpfPidRef): void => {
    const m = owners.get(id) ?? new Map<number, BpfPidRef>();
    const comm = p.comm ?? raw.comms?.get(p.pid) ?? m.get(p.pid)?.comm;
    m.set(p.pid, comm === undefined ? { pid: p.pid } : { pid: p.pid, comm });
    owners.set(id, m);
  };
  const links0 = raw.links.map((l) => checkLinkDevice(l, raw.netUnavailable ? undefined : raw.net));
  for (const l of links0) {
    add(l.progId, { via: 'link', kind: l.type, linkId: l.id, ...(l.target ? { target: l.target } : {}) });
  }
  for (const n of raw.net) {
    const target = [n.devname ?? (n.ifindex !== undefined ? `ifindex ${n.ifindex}` : undefined), n.mode].filter(Boolean).join(' ');
    add(n.progId, { via: 'net', kind: n.kind, ...(target ? { target } : {}) });
  }
  for (const p of raw.perf) {
    add(p.progId, { via: 'perf', kind: p.fdType, pid: p.pid, ...(p.target ? { target: p.target } : {}) });
    own(p.progId, { pid: p.pid });
  }
  for (const prog of raw.programs) for (const p of prog.pids) own(prog.id, p);

  let programs: ListedProgram[] = raw.programs.map((program) => ({
    program,
    mapNames: program.mapIds.map((id) => mapById.get(id)?.name ?? `map ${id}`),
    attach: attach.get(program.id) ?? [],
    owners: [...(owners.get(program.id)?.values() ?? [])].sort((a, b) => a.pid - b.pid),
  }));
  let maps = raw.maps;
  let links = links0;

  const prefixes = scope?.pinPrefixes ?? [];
  const patterns = (scope?.namePatterns ?? []).map(globToRegExp);
  if (prefixes.length > 0 || patterns.length > 0) {
    const pinnedIn = (paths: readonly string[]): boolean => paths.some((p) => prefixes.some((x) => underPrefix(p, x)));
    const scopedMaps = new Set(maps.filter((m) => pinnedIn(m.pinned)).map((m) => m.id));
    const scopedLinkProgs = new Set(links.filter((l) => pinnedIn(l.pinned)).map((l) => l.progId));
    programs = programs.filter(
      ({ program: p }) =>
        patterns.some((re) => re.test(p.name)) ||
        pinnedIn(p.pinned) ||
        scopedLinkProgs.has(p.id) ||
        p.mapIds.some((id) => scopedMaps.has(id)),
    );
    const progIds = new Set(programs.map((p) => p.program.id));
    const usedMaps = new Set(programs.flatMap((p) => p.program.mapIds));
    maps = maps.filter((m) => scopedMaps.has(m.id) || usedMaps.has(m.id));
    links = links.filter((l) => pinnedIn(l.pinned) || (l.progId !== undefined && progIds.has(l.progId)));
  }
  const devices = [
    ...new Map(raw.net.flatMap((n) => (n.ifindex !== undefined && n.devname ? [[n.ifindex, n.devname] as const] : []))).entries(),
  ].map(([ifindex, name]) => ({ ifindex, name }));
  return { programs, maps, links, warnings: raw.warnings ?? [], ...(devices.length > 0 ? { devices } : {}) };
}

/** `ps` for the command names of owning pids (no root needed). */
export function psComm(pids: readonly number[]): RemoteCommand<Map<number, string>> {
  return {
    title: 'ps',
    argv: ['ps', '-o', 'pid=,comm=', '-p', pids.join(',')],
    root: false,
    interpret(out) {
      const m = new Map<number, string>();
      for (const line of out.stdout.split('\n')) {
        const r = /^\s*(\d+)\s+(.+?)\s*$/.exec(line);
        if (r) m.set(Number(r[1]), r[2] ?? '');
      }
      return m; // exit 1 just means some pids are gone: what we got is still right
    },
  };
}

export type Runner = <T>(cmd: RemoteCommand<T>) => Promise<T>;

/**
 * List one node: programs and maps are required (their failure fails the listing); links, net
 * and perf add attach points and owners, and their failure becomes a warning (older kernels
 * have no links, some nodes forbid perf).
 */
export async function listNode(run: Runner, scope?: NodeScope): Promise<NodeListing> {
  const optional = async <T>(cmd: RemoteCommand<Listed<T>>, warnings: string[]): Promise<readonly T[] | undefined> => {
    try {
      const r = await run(cmd);
      warnings.push(...r.warnings);
      return r.items;
    } catch (e) {
      warnings.push(errorMessage(e));
      return undefined;
    }
  };
  const warnings: string[] = [];
  // one bpftool for all five views; what the batch could not give is asked on its own. Only
  // bpftool's own failure (an old bpftool without batch, a view that hangs) is worth the five
  // separate calls: a lost connection or a cancel would fail them all the same.
  let batch: BatchListing | undefined;
  try {
    batch = await run(listingBatch());
  } catch (e) {
    if (!ToolError.is(e)) throw e;
    batch = undefined;
  }
  const has = <K extends keyof Omit<BatchListing, 'failed'>>(k: K): NonNullable<BatchListing[K]> | undefined =>
    batch && !(k in batch.failed) ? (batch[k] as NonNullable<BatchListing[K]>) : undefined;
  const fromBatch = <T>(l: Listed<T> | undefined): Promise<readonly T[] | undefined> | undefined => {
    if (!l) return undefined;
    warnings.push(...l.warnings);
    return Promise.resolve(l.items);
  };
  const [progs, maps, links, net, perf] = await Promise.all([
    has('progs') ?? run(progShow()),
    has('maps') ?? run(mapShow()),
    fromBatch(has('links')) ?? optional(linkShow(), warnings),
    fromBatch(has('net')) ?? optional(netShow(), warnings),
    fromBatch(has('perf')) ?? optional(perfShow(), warnings),
  ]);
  warnings.unshift(...progs.warnings, ...maps.warnings);
  const unnamed = new Set<number>();
  for (const p of perf ?? []) unnamed.add(p.pid);
  for (const p of progs.items) for (const o of p.pids) if (o.comm === undefined) unnamed.add(o.pid);
  let comms: Map<number, string> | undefined;
  if (unnamed.size > 0) {
    try {
      comms = await run(psComm([...unnamed].sort((a, b) => a - b)));
    } catch (e) {
      warnings.push(errorMessage(e));
    }
  }
  return mergeListing(
    {
      programs: progs.items,
      maps: maps.items,
      links: links ?? [],
      net: net ?? [],
      perf: perf ?? [],
      warnings,
      ...(comms ? { comms } : {}),
      ...(net ? {} : { netUnavailable: true }),
    },
    scope,
  );
}

/** A listing as plain JSON (what `ebpf-lens list --json` prints per node). */
export function listingJson(l: NodeListing): Record<string, unknown> {
  return {
    programs: l.programs.map(({ program: p, mapNames, attach, owners }) => ({
      id: p.id,
      type: p.type,
      name: p.name,
      tag: p.tag,
      ...(p.loadedAt !== undefined ? { loadedAt: new Date(p.loadedAt * 1000).toISOString() } : {}),
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
      ...(p.bytesXlated !== undefined ? { bytesXlated: p.bytesXlated } : {}),
      ...(p.bytesJited !== undefined ? { bytesJited: p.bytesJited } : {}),
      ...(p.btfId !== undefined ? { btfId: p.btfId } : {}),
      mapIds: p.mapIds,
      mapNames,
      attach,
      pinned: p.pinned,
      owners,
      ...(p.runCnt !== undefined ? { runCnt: p.runCnt } : {}),
      ...(p.runTimeNs !== undefined ? { runTimeNs: p.runTimeNs } : {}),
      ...(Object.keys(p.metadata).length > 0 ? { metadata: p.metadata } : {}),
    })),
    maps: l.maps.map((m) => ({
      id: m.id,
      type: m.type,
      name: m.name,
      ...(m.bytesKey !== undefined ? { bytesKey: m.bytesKey } : {}),
      ...(m.bytesValue !== undefined ? { bytesValue: m.bytesValue } : {}),
      ...(m.maxEntries !== undefined ? { maxEntries: m.maxEntries } : {}),
      ...(m.flags !== undefined ? { flags: m.flags } : {}),
      pinned: m.pinned,
      owners: m.pids,
    })),
    links: l.links.map((k) => ({
      id: k.id,
      type: k.type,
      ...(k.progId !== undefined ? { progId: k.progId } : {}),
      ...(k.target !== undefined ? { target: k.target } : {}),
      pinned: k.pinned,
      owners: k.pids,
    })),
    warnings: l.warnings,
  };
}
