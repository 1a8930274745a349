import { Emitter } from '../core/base/event';
import type { CancellationTokenLike } from '../core/base/cancel';
import type { RemoteCommand } from '../core/remote/command';
import { CancelledError, SshError, errorMessage } from '../core/base/errors';
import type { NodeClient } from './nodeClient';

export type SessionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'failed' | 'closed';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** ± fraction of random spread, so a fleet does not reconnect in lockstep */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

/** Delay before reconnect attempt n (0-based): doubling from initialMs up to maxMs, with jitter. */
export function backoffDelay(n: number, o: BackoffOptions = DEFAULT_BACKOFF, rnd: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(n, 30));
  return Math.round(base * (1 + o.jitter * (2 * rnd() - 1)));
}

/** Failures a retry cannot fix: a person must act (trust a key, fix credentials or the config). */
export function isPermanent(e: unknown): boolean {
  return (
    SshError.is(e, 'hostKeyMismatch') ||
    SshError.is(e, 'hostKeyRevoked') ||
    SshError.is(e, 'hostKeyUnknown') ||
    SshError.is(e, 'authFailed') ||
    SshError.is(e, 'config') ||
    CancelledError.is(e)
  );
}

/**
 * A node's connection over time: connects on demand, and when the connection drops on its own
 * reconnects with backoff (1 s, 2 s, 4 s … 30 s) until it is back or the failure needs a person.
 * Says so on every change of state (onDidChangeState) and before each retry (onDidScheduleRetry).
 */
export class NodeSession {
  private readonly stateChanged = new Emitter<{ readonly state: SessionState; readonly error?: Error }>();
  private readonly retryScheduled = new Emitter<number>();
  /** The state and, for waiting and failed, the error that led there. */
  readonly onDidChangeState = this.stateChanged.event;
  /** A reconnect is scheduled in this many milliseconds. */
  readonly onDidScheduleRetry = this.retryScheduled.event;
  private current: NodeClient | undefined;
  private pending: Promise<NodeClient> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private wanted = false;
  state: SessionState = 'idle';
  lastError: Error | undefined;

  constructor(
    readonly name: string,
    private readonly open: (token?: CancellationTokenLike) => Promise<NodeClient>,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  get client(): NodeClient | undefined {
    return this.current && !this.current.closed ? this.current : undefined;
  }

  private setState(s: SessionState, e?: Error): void {
    this.state = s;
    this.lastError = e;
    this.stateChanged.fire(e ? { state: s, error: e } : { state: s });
  }

  /** The connected client; connects (once, shared by concurrent callers) if needed. */
  connect(token?: CancellationTokenLike): Promise<NodeClient> {
    const c = this.client;
    if (c) return Promise.resolve(c);
    this.wanted = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    if (!this.pending) {
      this.setState('connecting');
      this.pending = this.open(token)
        .then((client) => {
          this.current = client;
          this.attempt = 0;
          this.setState('connected');
          client.connection.onDidClose((reason) => this.onDrop(client, reason));
          return client;
        })
        .catch((e: unknown) => {
          const err = e instanceof Error ? e : new Error(errorMessage(e));
          if (CancelledError.is(err)) {
            this.wanted = false;
            this.setState('idle');
          } else this.scheduleRetry(err);
          throw err;
        })
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }

  private onDrop(client: NodeClient, reason: Error): void {
    if (this.current !== client) return;
    this.current = undefined;
    if (!this.wanted) return;
    this.scheduleRetry(reason);
  }

  private scheduleRetry(e: Error): void {
    if (!this.wanted || isPermanent(e)) {
      this.setState('failed', e);
      return;
    }
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.setState('waiting', e);
    this.retryScheduled.fire(delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => undefined);
    }, delay);
  }

  async run<T>(cmd: RemoteCommand<T>, token?: CancellationTokenLike): Promise<T> {
    const c = await this.connect(token);
    return c.run(cmd, token);
  }

  /** Close on purpose: no reconnect until connect() is called again. */
  disconnect(): void {
    this.wanted = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const c = this.current;
    this.current = undefined;
    c?.close();
    this.attempt = 0;
    this.setState('closed');
  }
}
