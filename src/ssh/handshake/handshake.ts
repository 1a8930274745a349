import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { DisposableLike } from '../../core/base/cancel';
import { CancelledError } from '../../core/base/errors';
import type { SshError } from '../../core/base/errors';
import type { ConnectOptions, Logger } from '../connection';
import { Authenticator } from './authRunner';
import type { Ssh2Error } from './classifyError';
import { classifyHandshakeError, closedDuringHandshake, closedError, handshakeTimeout, lostConnectionError } from './classifyError';
import { hostVerifier, serverHostKeyAlgorithms } from './hostKeyCheck';
import type { HandshakeScope } from './scope';

/** What the connection hears from its handshake. */
export interface HandshakeHooks {
  /** the key the server presented */
  readonly onHostKey: (fingerprint: string) => void;
  /** after login: the connection closed or was lost */
  readonly onClosed: (reason: SshError) => void;
}

export function target(o: { username: string; host: string; port: number }): string {
  return `${o.username}@${o.host}:${o.port}`;
}

/**
 * Verify the host key and log in over `sock`, within `timeoutMs` (prompts not counted). Fails
 * with a typed SshError (or CancelledError); on failure the client and the socket are closed.
 */
export function handshake(client: Client, sock: Duplex, o: ConnectOptions, timeoutMs: number, hooks: HandshakeHooks): Promise<void> {
  return new Promise<void>((resolve, reject) => new Handshake(client, sock, o, timeoutMs, { resolve, reject }).start(hooks));
}

class Handshake implements HandshakeScope {
  settled = false;
  readonly tried: string[] = [];
  readonly unusable: string[] = [];
  hostKeyError: SshError | undefined;
  readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private readonly end = new AbortController();
  private readonly sub: DisposableLike | undefined;
  private readonly auth: Authenticator;

  constructor(
    private readonly client: Client,
    private readonly sock: Duplex,
    readonly o: ConnectOptions,
    private readonly timeoutMs: number,
    private readonly done: { resolve: () => void; reject: (e: Error) => void },
  ) {
    this.log = o.log ?? (() => undefined);
    this.sub = o.token?.onCancellationRequested(() => this.fail(new CancelledError()));
    this.auth = new Authenticator(this);
  }

  get promptsEnd(): AbortSignal {
    return this.end.signal;
  }

  get target(): string {
    return target(this.o);
  }

  fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.end.abort();
    this.auth.ended();
    this.pause();
    this.sub?.dispose();
    this.client.removeAllListeners('ready');
    this.client.end();
    this.sock.destroy();
    this.done.reject(e);
  }

  arm(): void {
    this.pause();
    this.timer = setTimeout(() => this.fail(handshakeTimeout(this.target, this.timeoutMs)), this.timeoutMs);
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  async prompt<T>(ask: () => Promise<T>): Promise<T> {
    this.pause();
    try {
      return await ask();
    } finally {
      if (!this.settled) this.arm();
    }
  }

  start(hooks: HandshakeHooks): void {
    const { client, o } = this;
    client.once('ready', () => this.auth.loggedIn());
    client.on('ready', () => this.loggedIn(hooks));
    client.on('error', (e: Ssh2Error) => this.onError(e, hooks));
    client.on('close', () => {
      if (!this.settled) this.fail(closedDuringHandshake(this.target, this.hostKeyError));
    });
    const serverHostKey = serverHostKeyAlgorithms(o.trust);
    this.arm();
    client.connect({
      sock: this.sock as unknown as net.Socket,
      username: o.username,
      hostVerifier: hostVerifier(this, hooks.onHostKey),
      authHandler: this.auth.handler as never,
      readyTimeout: 0,
      keepaliveInterval: o.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: o.keepaliveCountMax ?? 3,
      algorithms: { serverHostKey: serverHostKey as never },
    });
  }

  private loggedIn(hooks: HandshakeHooks): void {
    if (this.settled) return;
    this.settled = true;
    this.pause();
    this.sub?.dispose();
    const o = this.o;
    this.log(`${o.nodeName}: connected to ${this.target} (${this.tried.join(', ') || 'none'})`);
    this.client.on('close', () => hooks.onClosed(closedError(o.nodeName)));
    this.done.resolve();
  }

  private onError(e: Ssh2Error, hooks: HandshakeHooks): void {
    const o = this.o;
    if (this.settled) {
      this.log(`${o.nodeName}: connection error: ${e.message}`);
      hooks.onClosed(lostConnectionError(e, o.nodeName));
      return;
    }
    const error = classifyHandshakeError(e, this);
    if (error) this.fail(error);
    // the agent could not be reached or could not sign (a stale SSH_AUTH_SOCK): ssh2 goes on with the next method
    else this.log(`${o.nodeName}: ssh-agent: ${e.message}`);
  }
}
