import type { ClientChannel } from 'ssh2';
import type { GuardEvent } from '../core/trace/guard';
import { Liveness } from '../core/trace/liveness';

/** how often the client checks that it still hears from the node */
export const LIVENESS_TICK_MS = 1000;

export interface TraceLinkOptions {
  readonly beatMs: number;
  /** the guard stops the trace after this long without a heartbeat */
  readonly heartbeatTimeoutSec: number;
  /** may a heartbeat go out now? (never after stop(): a write after end() would tear the channel
   * down and lose what the guard still has to say) */
  readonly beating: () => boolean;
  /** nothing came from the node for too long: called once, with how long */
  readonly lost: (silentMs: number) => void;
}

/**
 * The client's half of the guard's heartbeat protocol on a trace's channel: a heartbeat every
 * beat, which the guard answers; whatever comes from the node shows the link alive, and a silence
 * longer than the node's heartbeat timeout and a beat is a lost link (core/trace/liveness.ts,
 * which also keeps a suspended client from misfiring).
 */
export class TraceLink {
  private readonly liveness: Liveness;
  private beat: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;

  constructor(ch: ClientChannel, o: TraceLinkOptions) {
    this.liveness = new Liveness(
      { heartbeatTimeoutMs: o.heartbeatTimeoutSec * 1000, beatMs: o.beatMs, tickMs: LIVENESS_TICK_MS },
      Date.now(),
    );
    this.beat = setInterval(() => {
      if (o.beating() && ch.writable) ch.write('hb\n');
    }, o.beatMs);
    this.tick = setInterval(() => {
      const now = Date.now();
      if (this.liveness.check(now) !== 'lost') return;
      this.dispose();
      o.lost(this.liveness.silentMs(now));
    }, LIVENESS_TICK_MS);
    // neither may keep a CLI process alive on its own
    this.beat.unref?.();
    this.tick.unref?.();
  }

  /** Something came from the node. */
  heard(): void {
    this.liveness.heard(Date.now());
  }

  /** The guard's lines that concern the link. */
  onGuard(g: GuardEvent): void {
    const now = Date.now();
    // a guard that answers heartbeats says so when it starts (an older installed guard does not)
    if ((g.kind === 'started' && g.fields['ack'] === '1') || g.kind === 'hb') this.liveness.enable(now);
    // the guard is ending the trace: between its steps it says nothing, and answers no heartbeat
    else if (g.kind === 'stopping') this.liveness.disable();
  }

  /**
   * The client stops the trace: no more heartbeats, and silence proves nothing any more (the guard
   * may wait for a bpftrace a sudo user cannot kill); the stop's own bound (TraceRun.stop) ends it.
   */
  stopping(): void {
    this.stopBeats();
    this.liveness.disable();
  }

  /** how long nothing has come from the node */
  silentMs(): number {
    return this.liveness.silentMs(Date.now());
  }

  stopBeats(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = undefined;
  }

  dispose(): void {
    this.stopBeats();
    if (this.tick) clearInterval(this.tick);
    this.tick = undefined;
  }
}
