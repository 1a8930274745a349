import type { Duplex } from 'node:stream';
import type { ClientChannel, Client } from 'ssh2';
import type { CancellationTokenLike } from '../core/base/cancel';
import type { CommandOutput } from '../core/remote/command';
import { CancelledError, SshError, errorMessage } from '../core/base/errors';
import { Emitter } from '../core/base/event';
import { shJoin } from '../core/remote/quote';
import type { LoginFacts } from '../core/remote/bounds';
import { DEFAULT_CONNECT_TIMEOUT_MS, loginBudgetMs } from '../core/remote/bounds';
import { ChannelLimit } from './channelLimit';
import { handshake, target } from './handshake/handshake';
import { openSocket } from './handshake/socket';
import { ssh2 } from './ssh2';
import type { TrustStore } from './trustStore';
import { ShellWorker } from './worker';

export interface HostKeyPrompt {
  readonly nodeName: string;
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  /** key types already known for this host (a new type is still asked about) */
  readonly otherTypes: readonly string[];
  /** the host is covered only by @cert-authority lines, which cannot be checked here */
  readonly certAuthorityOnly: boolean;
}

export type HostKeyDecision = 'once' | 'always' | 'reject';

export type Logger = (message: string) => void;

export interface ConnectOptions {
  /** the inventory name, for prompts and errors */
  readonly nodeName: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** explicit identity files; when empty, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried */
  readonly identityFiles: readonly string[];
  /** ssh-agent socket (SSH_AUTH_SOCK) */
  readonly agent?: string | undefined;
  /** a password the user asked to remember (from SecretStorage) */
  readonly password?: string | undefined;
  /**
   * Asked for a password, up to three times (`attempt` > 1: the last one, typed or saved, was
   * refused). `check` logs in with a password and tells whether it worked, so a prompt can say
   * "wrong" and ask again in place; a prompt that does not use it has its answer tried after it.
   * `signal` ends when the prompt is no longer wanted (the connection failed or was cancelled).
   */
  readonly askPassword?: (p: {
    nodeName: string;
    user: string;
    host: string;
    port: number;
    attempt: number;
    check: (password: string) => Promise<boolean>;
    signal: AbortSignal;
  }) => Promise<string | undefined>;
  /**
   * Asked for an encrypted key's passphrase. `check` tells whether a passphrase opens the key,
   * so a prompt can say "wrong" and ask again in place; a prompt that does not use it is asked
   * again (attempt 2, 3) after a wrong one. `signal`: as for askPassword.
   */
  readonly askPassphrase?: (p: {
    nodeName: string;
    file: string;
    attempt: number;
    check: (passphrase: string) => boolean;
    signal: AbortSignal;
  }) => Promise<string | undefined>;
  readonly trust: TrustStore;
  /** asked for a key that is not known; without it unknown keys are refused */
  readonly onUnknownHostKey?: (p: HostKeyPrompt) => Promise<HostKeyDecision>;
  /** connect through this (jump) connection instead of a TCP socket */
  readonly via?: SshConnection | undefined;
  /** TCP connect + handshake + auth budget, not counting time spent in prompts */
  readonly connectTimeoutMs?: number;
  /** how long a new session's login shell may take (its startup files): default `loginBudgetMs(connectTimeoutMs)` */
  readonly loginTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** channels open at once: the server's MaxSessions (OpenSSH default 10) */
  readonly maxChannels?: number;
  readonly log?: Logger | undefined;
  readonly token?: CancellationTokenLike | undefined;
}

/**
 * One SSH connection to one node: verified host key, authenticated, with the persistent worker
 * channel for short commands and exec channels for streams, never more channels at once than
 * the server allows.
 */
export class SshConnection {
  private readonly closed$ = new Emitter<Error>();
  /** The connection is closed (once): on purpose, by the server, or lost; the reason says which. */
  readonly onDidClose = this.closed$.event;
  private worker: ShellWorker | undefined;
  private workerStarting: Promise<ShellWorker> | undefined;
  private readonly channels: ChannelLimit;
  private closedReason: Error | undefined;
  private sock: Duplex | undefined;
  /** the key the server presented (for status displays) */
  hostKeyFingerprint = '';
  /** what the login shell of this connection's first worker cost (known once it started) */
  login: LoginFacts | undefined;

  private constructor(
    private readonly client: Client,
    readonly options: ConnectOptions,
  ) {
    this.channels = new ChannelLimit(options.maxChannels ?? 10, () => this.closedReason, options.nodeName, options.log);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get label(): string {
    return target(this.options);
  }

  /** how long a new session's login shell may take before it is given up */
  get loginTimeoutMs(): number {
    return this.options.loginTimeoutMs ?? loginBudgetMs(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }

  static async connect(o: ConnectOptions): Promise<SshConnection> {
    const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (o.token?.isCancellationRequested) throw new CancelledError();
    let sock: Duplex;
    if (o.via) {
      try {
        sock = await o.via.forwardOut(o.host, o.port);
      } catch (e) {
        if (CancelledError.is(e)) throw e;
        throw new SshError(
          'proxyJump',
          `the jump host ${o.via.label} could not open a connection to ${o.host}:${o.port} (does it allow TCP forwarding, and can it reach that address?): ${errorMessage(e)}`,
        );
      }
    } else {
      sock = await openSocket(o.host, o.port, timeoutMs, o.token);
    }
    const conn = new SshConnection(new (ssh2().Client)(), o);
    conn.sock = sock;
    await handshake(conn.client, sock, o, timeoutMs, {
      onHostKey: (fingerprint) => (conn.hostKeyFingerprint = fingerprint),
      onClosed: (reason) => conn.markClosed(reason),
    });
    return conn;
  }

  private markClosed(reason: Error): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.worker?.kill(reason);
    this.worker = undefined;
    this.channels.wakeAll();
    this.closed$.fire(reason);
    this.closed$.dispose();
  }

  /** What `write` sends to the socket leaves in one write (cork, then uncork: one writev). */
  private coalesce(write: () => void): void {
    const sock = this.sock;
    if (!sock) return write();
    sock.cork();
    try {
      write();
    } finally {
      sock.uncork();
    }
  }

  /** Close the connection and everything on it. */
  close(): void {
    this.markClosed(new SshError('disconnected', 'closed'));
    this.client.end();
    // a polite goodbye first; a peer that is gone (cut link) must not keep the socket open
    const sock = this.sock;
    setTimeout(() => {
      this.client.destroy();
      sock?.destroy();
    }, 500);
  }

  // ----------------------------------------------------------------------------- channels

  /** An exec channel of its own (long-running streams). Closing it frees its slot. */
  exec(line: string, token?: CancellationTokenLike): Promise<ClientChannel> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return this.channels.openChannel<ClientChannel>('session', (cb) => this.client.exec(line, cb), token);
  }

  /** A TCP stream to host:port from the node (ProxyJump). */
  forwardOut(host: string, port: number): Promise<Duplex & { once(ev: 'close', l: () => void): unknown }> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return this.channels.openChannel('forward', (cb) => this.client.forwardOut('127.0.0.1', 0, host, port, cb as never));
  }

  private getWorker(): Promise<ShellWorker> {
    if (this.worker && !this.worker.dead) return Promise.resolve(this.worker);
    if (!this.workerStarting) {
      this.workerStarting = this.exec('exec /bin/sh')
        .then((ch) => {
          const w = new ShellWorker(ch, {
            coalesce: (write) => this.coalesce(write),
            startTimeoutMs: this.loginTimeoutMs,
            nodeName: this.options.nodeName,
            onStarted: (started) => {
              this.login ??= started.login;
            },
            onDead: (dead) => {
              if (this.worker === dead) this.worker = undefined;
              if (dead.reapPid !== undefined && !this.closedReason) void this.reap(dead.reapPid);
            },
          });
          this.worker = w;
          return w;
        })
        .finally(() => {
          this.workerStarting = undefined;
        });
    }
    return this.workerStarting;
  }

  /**
   * End what a killed worker left running (a timed-out or cancelled command): TERM to the old
   * shell's children, then to every process of its session (sshd starts each channel's command in
   * a session of its own, led by the worker: a command's grandchildren are in it too); `timeout`
   * passes it to its process group, `sudo` to its command. The old worker's watchdog is left
   * alone: a command that ignores TERM is KILLed by it when its bound passes.
   */
  private async reap(pid: number): Promise<void> {
    try {
      const script =
        'for p in $(pgrep -P "$1"; pgrep -s "$1"); do ' +
        'grep -qa ebpf-lens-watchdog "/proc/$p/cmdline" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done; exit 0';
      await this.run(shJoin(['sh', '-c', script, 'sh', String(pid)]), { title: 'cleanup', timeoutMs: 5000 });
    } catch (e) {
      this.options.log?.(`${this.options.nodeName}: could not end the commands of worker ${pid}: ${errorMessage(e)}`);
    }
  }

  /** Run one command line on the worker. Commands that never started because the worker was restarted are retried once. */
  async run(
    line: string,
    opts: { title: string; timeoutMs: number; stdin?: string; token?: CancellationTokenLike },
  ): Promise<CommandOutput> {
    for (let attempt = 0; ; attempt++) {
      const w = await this.getWorker();
      try {
        return await w.run(line, opts);
      } catch (e) {
        if (attempt === 0 && SshError.is(e) && e.detail?.['notStarted'] === true && !this.closedReason) continue;
        throw e;
      }
    }
  }
}
