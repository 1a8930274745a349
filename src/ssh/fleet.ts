import type { CancellationTokenLike } from '../core/base/cancel';
import type { RemoteCommand } from '../core/remote/command';
import { mapLimit } from '../core/base/concurrency';
import { errorKind, errorMessage } from '../core/base/errors';
import { Emitter } from '../core/base/event';
import type { NodeConfig } from '../core/inventory/inventory';
import type { NodeListing } from '../core/nodes/listing';
import { listNode } from '../core/nodes/listing';
import type { ProgramStats, StatsSample } from '../core/nodes/stats';
import { rates, sample } from '../core/nodes/stats';
import type { StatsState } from '../core/nodes/statsControl';
import { statsControl } from '../core/nodes/statsControl';
import type { NodeErrorView, NodeState, NodeView } from '../core/nodes/tree';
import type { Logger } from './connection';
import type { ConnectContext } from './nodeClient';
import { NodeClient } from './nodeClient';
import type { BackoffOptions } from './session';
import { DEFAULT_BACKOFF, NodeSession } from './session';
import type { EnvironmentNote } from '../core/trace/environment';
import { mergeNotes } from '../core/trace/environment';

export interface FleetOptions {
  readonly ctx: ConnectContext;
  readonly backoff?: BackoffOptions;
  /** nodes worked on at once by refreshAll */
  readonly concurrency?: number;
  /** run the stats script's crash recovery on every connect (restores a sysctl a killed editor left on) */
  readonly recoverStatsOnConnect?: boolean;
  readonly log?: Logger;
  readonly now?: () => number;
}

interface Entry {
  config: NodeConfig;
  session: NodeSession;
  listing?: NodeListing | undefined;
  error?: NodeErrorView | undefined;
  refreshedAt?: number | undefined;
  statsOn: boolean;
  statsPrev?: StatsSample | undefined;
  stats?: Map<number, ProgramStats> | undefined;
  retryAt?: number | undefined;
  /** what bpftrace said about the node (not about a script), one per kind */
  environment?: readonly EnvironmentNote[] | undefined;
}

/** rates need a window at least this long between two samples */
export const MIN_STATS_WINDOW_MS = 1000;

function sameConnection(a: NodeConfig, b: NodeConfig): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.user === b.user &&
    a.proxyJump === b.proxyJump &&
    a.sudo === b.sudo &&
    a.identityFiles.join('\0') === b.identityFiles.join('\0')
  );
}

/** A node's listing as a refresh got it. */
export interface FleetListing {
  readonly node: string;
  readonly listing: NodeListing;
  readonly client: NodeClient;
}

/**
 * Every node of the inventory and its connection, listing, errors and stats, without VS Code:
 * the extension shows it, the lab tests drive it directly.
 */
export class Fleet {
  private readonly changed = new Emitter<string | undefined>();
  private readonly listed = new Emitter<FleetListing>();
  /** Something a view shows has changed: on this node, or (undefined) on the fleet as a whole. */
  readonly onDidChange = this.changed.event;
  /** A node was listed (a refresh): what it runs now, and the client that asked. */
  readonly onDidList = this.listed.event;
  private readonly entries = new Map<string, Entry>();
  private inventory: NodeConfig[] = [];
  private active: string | undefined;
  private disposed = false;

  constructor(private readonly opts: FleetOptions) {}

  private log(msg: string): void {
    this.opts.log?.(msg);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Replace the inventory: removed nodes are disconnected, changed ones reconnect when next used. */
  setInventory(nodes: readonly NodeConfig[]): void {
    this.inventory = [...nodes];
    const keep = new Set(nodes.map((n) => n.name));
    for (const name of [...this.entries.keys()]) {
      if (!keep.has(name)) {
        void this.disconnect(name);
        this.entries.delete(name);
      }
    }
    for (const n of nodes) {
      const e = this.entries.get(n.name);
      if (!e) this.entries.set(n.name, this.newEntry(n));
      else if (!sameConnection(e.config, n)) {
        void this.disconnect(n.name).then(() => {
          const cur = this.entries.get(n.name);
          if (cur === e) this.entries.set(n.name, this.newEntry(n));
          this.changed.fire(n.name);
        });
      } else e.config = n; // tags, scope: shown at once, no reconnect
    }
    if (this.active && !keep.has(this.active)) this.active = undefined;
    this.changed.fire(undefined);
  }

  private newEntry(config: NodeConfig): Entry {
    const session = new NodeSession(
      config.name,
      (token) => NodeClient.open(config, this.inventory, this.opts.ctx, token),
      this.opts.backoff ?? DEFAULT_BACKOFF,
    );
    const e: Entry = { config, session, statsOn: false };
    session.onDidChangeState(({ state, error: err }) => {
      if (err) e.error = { kind: errorKind(err), message: errorMessage(err) };
      if (state === 'connected') {
        e.error = undefined;
        e.retryAt = undefined;
        void this.afterConnect(e);
      }
      this.log(`${config.name}: ${state}${err ? ` (${errorMessage(err)})` : ''}`);
      this.changed.fire(config.name);
    });
    session.onDidScheduleRetry((delay) => {
      e.retryAt = this.now() + delay;
    });
    return e;
  }

  private async afterConnect(e: Entry): Promise<void> {
    const client = e.session.client;
    if (!client) return;
    // what bpftrace says about the node is kept on the node, across its connections
    client.onDidNoteEnvironment((notes) => {
      e.environment = mergeNotes(e.environment ?? [], notes);
      this.changed.fire(e.config.name);
    });
    if (this.opts.recoverStatsOnConnect ?? true) {
      try {
        await client.run(statsControl('recover'));
      } catch (err) {
        this.log(`${e.config.name}: stats recovery check skipped: ${errorMessage(err)}`);
      }
    }
    if (e.statsOn) {
      // a reconnect is a new connection: hold the stats again under it
      try {
        await client.run(statsControl('acquire'));
      } catch (err) {
        e.statsOn = false;
        e.error = { kind: errorKind(err), message: errorMessage(err) };
      }
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  config(name: string): NodeConfig | undefined {
    return this.entries.get(name)?.config;
  }

  client(name: string): NodeClient | undefined {
    return this.entries.get(name)?.session.client;
  }

  get activeNode(): string | undefined {
    return this.active;
  }

  setActive(name: string | undefined): void {
    this.active = name && this.entries.has(name) ? name : undefined;
    this.changed.fire(undefined);
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no node named ${name}`);
    return e;
  }

  /** What a view shows for one node. */
  view(name: string): NodeView | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const s = e.session.state;
    const state: NodeState = s === 'connected' && !e.session.client ? 'idle' : s;
    const client = e.session.client;
    return {
      config: e.config,
      state,
      info: client?.info,
      login: client?.login,
      environment: e.environment,
      error: e.error,
      listing: state === 'connected' ? e.listing : undefined,
      stats: e.statsOn ? e.stats : undefined,
      statsOn: e.statsOn,
      active: this.active === name,
      refreshedAt: e.refreshedAt,
      retryInMs: e.retryAt !== undefined ? Math.max(0, e.retryAt - this.now()) : undefined,
    };
  }

  views(): NodeView[] {
    return this.names()
      .map((n) => this.view(n))
      .filter((v): v is NodeView => v !== undefined);
  }

  /** Connect (if needed) and list. Errors are kept on the node (the tree shows them) and rethrown. */
  async connect(name: string, token?: CancellationTokenLike): Promise<NodeClient> {
    const e = this.entry(name);
    try {
      const c = await e.session.connect(token);
      await this.refresh(name, token);
      return c;
    } catch (err) {
      e.error = { kind: errorKind(err), message: errorMessage(err) };
      this.changed.fire(name);
      throw err;
    }
  }

  async disconnect(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) return;
    if (e.statsOn) await this.disableStats(name).catch((err: unknown) => this.log(`${name}: ${errorMessage(err)}`));
    e.session.disconnect();
    e.listing = undefined;
    e.stats = undefined;
    e.statsPrev = undefined;
    e.error = undefined;
    this.changed.fire(name);
  }

  /** List a connected node again (connects first when it is not). */
  async refresh(name: string, token?: CancellationTokenLike): Promise<NodeListing> {
    const e = this.entry(name);
    const client = await e.session.connect(token);
    try {
      const listing = await listNode((cmd) => client.run(cmd, token), e.config.scope);
      const at = this.now();
      e.listing = listing;
      e.refreshedAt = at;
      e.error = undefined;
      if (e.statsOn) {
        const cur = sample(
          at,
          listing.programs.map((p) => p.program),
        );
        if (!e.statsPrev) e.statsPrev = cur;
        else if (at - e.statsPrev.at >= MIN_STATS_WINDOW_MS) {
          e.stats = rates(e.statsPrev, cur);
          e.statsPrev = cur;
        } else if (e.stats) {
          // a refresh right after another (a command, a reconnect): rates over so short a window
          // are noise — keep the last ones, with the totals of now
          const next = new Map<number, ProgramStats>();
          for (const [id, st] of e.stats) {
            const c = cur.programs.get(id);
            if (c) next.set(id, { ...st, runCnt: c.runCnt, runTimeNs: c.runTimeNs });
          }
          e.stats = next;
        }
      }
      this.changed.fire(name);
      this.listed.fire({ node: name, listing, client });
      return listing;
    } catch (err) {
      e.error = { kind: errorKind(err), message: errorMessage(err) };
      this.changed.fire(name);
      throw err;
    }
  }

  /** Refresh the connected nodes (or those named), a few at a time; failures stay on their nodes. */
  async refreshAll(names?: readonly string[], token?: CancellationTokenLike): Promise<void> {
    const targets = (names ?? this.names().filter((n) => this.entries.get(n)?.session.client)).filter((n) => this.entries.has(n));
    await mapLimit(targets, this.opts.concurrency ?? 8, async (n) => {
      try {
        await this.refresh(n, token);
      } catch {
        /* kept on the node */
      }
    });
  }

  /** Turn on run-time stats for this node's kernel (reference-counted on the node). */
  async enableStats(name: string, token?: CancellationTokenLike): Promise<StatsState> {
    const e = this.entry(name);
    const client = await e.session.connect(token);
    const st = await client.run(statsControl('acquire'), token);
    e.statsOn = true;
    e.statsPrev = undefined;
    e.stats = undefined;
    this.changed.fire(name);
    await this.refresh(name, token).catch(() => undefined);
    return st;
  }

  async disableStats(name: string, token?: CancellationTokenLike): Promise<StatsState | undefined> {
    const e = this.entry(name);
    e.statsOn = false;
    e.stats = undefined;
    e.statsPrev = undefined;
    this.changed.fire(name);
    const client = e.session.client;
    if (!client) return undefined;
    return client.run(statsControl('release'), token);
  }

  /** Nodes with stats on, for the periodic refresh. */
  statsNodes(): string[] {
    return [...this.entries].filter(([, e]) => e.statsOn && e.session.client).map(([n]) => n);
  }

  run<T>(name: string, cmd: RemoteCommand<T>, token?: CancellationTokenLike): Promise<T> {
    return this.entry(name).session.run(cmd, token);
  }

  listing(name: string): NodeListing | undefined {
    return this.entries.get(name)?.listing;
  }

  /** Release stats and close every connection. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.names().map((n) => this.disconnect(n)));
    this.changed.dispose();
    this.listed.dispose();
  }
}
