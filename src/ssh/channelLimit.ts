import type { CancellationTokenLike } from '../core/base/cancel';
import { CancelledError, SshError, errorMessage } from '../core/base/errors';

/** A channel as the limit sees it: it says when it closes (its slot is then free). */
type Closable = { once(ev: 'close', l: () => void): unknown };

/**
 * The channels of one connection: never more open at once than the server allows (MaxSessions,
 * OpenSSH's default 10); the others queue. A server that refuses a session while others are
 * open allows fewer than we thought: the limit drops to the ones open.
 */
export class ChannelLimit {
  private open = 0;
  private max: number;
  private readonly waiters: (() => void)[] = [];

  constructor(
    max: number,
    /** why the connection is closed, once it is */
    private readonly closedReason: () => Error | undefined,
    private readonly nodeName: string,
    private readonly log: ((message: string) => void) | undefined,
  ) {
    this.max = Math.max(1, max);
  }

  /** Open a channel of some kind under the limit (`open` is ssh2's call). */
  async openChannel<T extends Closable>(
    kind: 'session' | 'forward',
    open: (cb: (err: Error | undefined, ch: T) => void) => void,
    token?: CancellationTokenLike,
  ): Promise<T> {
    for (;;) {
      const release = await this.slot(token);
      try {
        const ch = await new Promise<T>((resolve, reject) => open((err, ch) => (err ? reject(err) : resolve(ch))));
        ch.once('close', release);
        return ch;
      } catch (e) {
        release();
        const closed = this.closedReason();
        if (closed) throw closed;
        if (kind === 'session' && /open failure|open failed/i.test(errorMessage(e)) && this.open > 0) {
          // the server allows fewer sessions than we thought: queue behind the open ones
          this.max = Math.max(1, this.open);
          this.log?.(`${this.nodeName}: server refused a channel; limiting to ${this.max}`);
          continue;
        }
        throw new SshError('channelOpen', `${this.nodeName}: cannot open a channel: ${errorMessage(e)}`);
      }
    }
  }

  /** The connection closed: the queued wake up and find out. */
  wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wait for a free slot; returns its release (which works once). */
  private async slot(token?: CancellationTokenLike): Promise<() => void> {
    while (this.open >= this.max) {
      const closed = this.closedReason();
      if (closed) throw closed;
      if (token?.isCancellationRequested) throw new CancelledError();
      await new Promise<void>((r) => {
        this.waiters.push(r);
        token?.onCancellationRequested(r);
      });
    }
    const closed = this.closedReason();
    if (closed) throw closed;
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      this.waiters.shift()?.();
    };
  }
}
