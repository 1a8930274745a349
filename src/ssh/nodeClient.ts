import * as os from 'node:os';
import type { LoginFacts } from '../core/remote/bounds';
import { SLOW_LOGIN_MS, loginText } from '../core/remote/bounds';
import type { CancellationTokenLike } from '../core/base/cancel';
import type { KnownTool, RemoteCommand } from '../core/remote/command';
import { CancelledError, SshError, ToolError } from '../core/base/errors';
import type { Hop, NodeConfig } from '../core/inventory/inventory';
import { resolveJumps } from '../core/inventory/inventory';
import type { NodeInfo } from '../core/remote/nodeInfo';
import { probeCommand } from '../core/remote/nodeInfo';
import { shJoin } from '../core/remote/quote';
import type { ConnectOptions, HostKeyDecision, HostKeyPrompt, Logger } from './connection';
import { SshConnection } from './connection';
import type { TrustStore } from './trustStore';
import type { EnvironmentNote } from '../core/trace/environment';
import { mergeNotes } from '../core/trace/environment';
import { Emitter } from '../core/base/event';

/** What every connection of one process shares: trust, prompts, limits. */
export interface ConnectContext {
  readonly trust: TrustStore;
  readonly agent?: string | undefined;
  readonly localUser?: string;
  readonly onUnknownHostKey?: (p: HostKeyPrompt) => Promise<HostKeyDecision>;
  readonly askPassword?: ConnectOptions['askPassword'];
  readonly askPassphrase?: ConnectOptions['askPassphrase'];
  /** a remembered password for a node (SecretStorage) */
  readonly passwordFor?: (node: string) => Promise<string | undefined>;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly log?: Logger;
}

const KNOWN_TOOLS: readonly string[] = ['bpftool', 'bpftrace'] satisfies readonly KnownTool[];

/**
 * A connected, probed node: runs command descriptors with the right tool paths, `sudo -n` when
 * the login user is not root, and a time bound on both ends (client timer, node-side `timeout`).
 */
export class NodeClient {
  private constructor(
    readonly node: NodeConfig,
    readonly connection: SshConnection,
    /** jump connections, first hop first; closed with this client */
    private readonly hops: readonly SshConnection[],
    readonly info: NodeInfo,
    private readonly ctx: ConnectContext,
  ) {}

  static async open(
    node: NodeConfig,
    inventory: readonly NodeConfig[],
    ctx: ConnectContext,
    token?: CancellationTokenLike,
  ): Promise<NodeClient> {
    const chain = resolveJumps(node, inventory);
    if (typeof chain === 'string') throw new SshError('config', `${node.name}: ${chain}`);
    const localUser = ctx.localUser ?? os.userInfo().username;
    const hops: SshConnection[] = [];
    try {
      let via: SshConnection | undefined;
      for (const hop of chain) {
        via = await SshConnection.connect(
          connectOptions(hopAsNode(hop, node), localUser, ctx, via, token, await ctx.passwordFor?.(hopName(hop))),
        );
        hops.push(via);
      }
      const conn = await SshConnection.connect(connectOptions(node, localUser, ctx, via, token, await ctx.passwordFor?.(node.name)));
      let info: NodeInfo;
      try {
        const probe = probeCommand();
        const out = await conn.run(shJoin(probe.argv), {
          title: probe.title,
          timeoutMs: probe.timeoutMs ?? 15_000,
          ...(token ? { token } : {}),
        });
        info = probe.interpret(out);
      } catch (e) {
        conn.close();
        throw e;
      }
      const client = new NodeClient(node, conn, hops, info, ctx);
      const login = client.login;
      if (login && login.ms > SLOW_LOGIN_MS)
        ctx.log?.(`${node.name}: ${loginText(login)} (its startup files run for every SSH session eBPF Lens opens)`);
      // a jump that goes away takes the node with it
      for (const h of hops) h.onDidClose(() => conn.close());
      conn.onDidClose(() => {
        for (const h of hops) h.close();
      });
      return client;
    } catch (e) {
      for (const h of hops) h.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.connection.closed;
  }

  /** what the node's login shell cost on this connection */
  get login(): LoginFacts | undefined {
    return this.connection.login;
  }

  private notes: readonly EnvironmentNote[] = [];
  private readonly noted = new Emitter<readonly EnvironmentNote[]>();
  /** bpftrace said something new about the node (the notes so far) */
  readonly onDidNoteEnvironment = this.noted.event;

  /** what bpftrace said about this node on this connection (environment.ts), one per kind */
  get environment(): readonly EnvironmentNote[] {
    return this.notes;
  }

  /** Keep what a run of bpftrace said about the node; true if it was news. */
  noteEnvironment(seen: readonly EnvironmentNote[]): boolean {
    const fresh = seen.some((n) => !this.notes.some((k) => k.id === n.id));
    if (seen.length > 0) this.notes = mergeNotes(this.notes, seen);
    if (fresh) this.noted.fire(this.notes);
    return fresh;
  }

  close(): void {
    this.connection.close();
    for (const h of this.hops) h.close();
  }

  /** The exact line a command descriptor becomes on this node (quoted by shJoin only). */
  commandLine(cmd: RemoteCommand<unknown>): string {
    const [tool = '', ...args] = cmd.argv;
    let argv: string[] = [tool, ...args];
    if (KNOWN_TOOLS.includes(tool)) {
      const t = this.info[tool as KnownTool];
      if (!t) {
        throw new ToolError('missing', `${tool} is not installed on ${this.node.name} (looked in PATH and the sbin folders)`);
      }
      argv = [t.path, ...args];
    }
    if (cmd.root && this.info.uid !== 0) {
      const allowed = KNOWN_TOOLS.includes(tool) ? this.info.sudo[tool as KnownTool] : this.info.sudo.present;
      if (this.node.sudo === 'never' || (this.node.sudo === 'auto' && !allowed)) {
        throw new ToolError(
          'needsRoot',
          `${cmd.title} needs root or sudo on ${this.node.name}: ${this.info.user} is not root and may not run ${argv[0] ?? tool} with "sudo -n". ` +
            `Log in as root, or allow it without a password: ${this.info.user} ALL=(root) NOPASSWD: ${argv[0] ?? tool}`,
        );
      }
      argv = ['sudo', '-n', '--', ...argv];
    }
    // the worker bounds it on the node too (watchdog.ts), a little after the client gives up on it
    return shJoin(argv);
  }

  async run<T>(cmd: RemoteCommand<T>, token?: CancellationTokenLike): Promise<T> {
    if (token?.isCancellationRequested) throw new CancelledError();
    const timeoutMs = cmd.timeoutMs ?? this.ctx.commandTimeoutMs ?? 30_000;
    const line = this.commandLine(cmd);
    const out = await this.connection.run(line, {
      title: `${cmd.title} on ${this.node.name}`,
      timeoutMs,
      ...(cmd.stdin !== undefined ? { stdin: cmd.stdin } : {}),
      ...(token ? { token } : {}),
    });
    return cmd.interpret(out);
  }
}

function hopName(h: NodeConfig | Hop): string {
  return 'name' in h ? h.name : `${h.user ? `${h.user}@` : ''}${h.host}:${h.port}`;
}

function hopAsNode(h: NodeConfig | Hop, target: NodeConfig): NodeConfig {
  if ('name' in h) return h;
  return {
    name: hopName(h),
    host: h.host,
    port: h.port,
    identityFiles: target.identityFiles,
    sudo: 'auto',
    tags: [],
    source: target.source,
    ...((h.user ?? target.user) ? { user: h.user ?? target.user } : {}),
  };
}

function connectOptions(
  node: NodeConfig,
  localUser: string,
  ctx: ConnectContext,
  via: SshConnection | undefined,
  token: CancellationTokenLike | undefined,
  password: string | undefined,
): ConnectOptions {
  return {
    nodeName: node.name,
    host: node.host,
    port: node.port,
    username: node.user ?? localUser,
    identityFiles: node.identityFiles,
    agent: ctx.agent,
    password,
    trust: ctx.trust,
    via,
    token,
    log: ctx.log,
    ...(ctx.askPassword ? { askPassword: ctx.askPassword } : {}),
    ...(ctx.askPassphrase ? { askPassphrase: ctx.askPassphrase } : {}),
    ...(ctx.onUnknownHostKey ? { onUnknownHostKey: ctx.onUnknownHostKey } : {}),
    ...(ctx.connectTimeoutMs !== undefined ? { connectTimeoutMs: ctx.connectTimeoutMs } : {}),
    ...(ctx.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: ctx.keepaliveIntervalMs } : {}),
  };
}
