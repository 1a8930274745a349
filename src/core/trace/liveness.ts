/**
 * Is the link to a trace's guard alive? The client sends a heartbeat every `beatMs`; the guard
 * answers each one (`hb`), and bpftrace's output counts as well. Nothing for longer than the
 * node's own heartbeat timeout plus one beat means the link is gone: by then the node has stopped
 * the trace by itself (it heard no heartbeat either), and the client says so at once instead of
 * waiting for the connection's keepalives (3 × 10 s: the "37 s to notice a dead link" of #19).
 *
 * A client that was suspended (SIGSTOP, a laptop asleep) heard nothing either, through no fault of
 * the link: its own timer shows the gap (a check that comes much later than its period, or a
 * clock that went back), and silence is counted afresh from then instead of misfiring.
 *
 * Pure: the caller passes the wall-clock time (Date.now()) to every call.
 */
export interface LivenessOptions {
  /** the guard stops the trace after this long without a heartbeat */
  readonly heartbeatTimeoutMs: number;
  /** how often the client sends one */
  readonly beatMs: number;
  /** how often the caller runs check() */
  readonly tickMs: number;
}

/**
 * - `off`: not judged (the guard has not said it answers heartbeats: an older installed guard)
 * - `alive`: something came recently enough
 * - `resumed`: this check came late (the client was suspended or starved): silence counts from now
 * - `lost`: nothing came for longer than `limitMs`
 */
export type LivenessVerdict = 'off' | 'alive' | 'resumed' | 'lost';

export class Liveness {
  private lastHeard: number;
  private lastCheck: number;
  private on = false;
  private done = false;

  constructor(
    private readonly o: LivenessOptions,
    now: number,
  ) {
    this.lastHeard = now;
    this.lastCheck = now;
  }

  /** silence longer than this is a lost link */
  get limitMs(): number {
    return this.o.heartbeatTimeoutMs + this.o.beatMs;
  }

  /** a check later than this after the one before shows that the client itself was stopped */
  get gapMs(): number {
    return Math.max(3 * this.o.tickMs, this.o.tickMs + 2000);
  }

  /** The guard answers heartbeats: from now on silence counts (once: a disabled link stays so). */
  enable(now: number): void {
    if (this.on || this.done) return;
    this.on = true;
    this.lastHeard = Math.max(this.lastHeard, now);
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Something came from the node. */
  heard(now: number): void {
    this.lastHeard = Math.max(this.lastHeard, now);
  }

  /** Silence proves nothing from now on (the trace is being stopped: the guard may wait in silence
   * for as long as its escalation takes, or for a bpftrace a sudo user cannot kill). */
  disable(): void {
    this.on = false;
    this.done = true;
  }

  silentMs(now: number): number {
    return Math.max(0, now - this.lastHeard);
  }

  check(now: number): LivenessVerdict {
    const since = now - this.lastCheck;
    this.lastCheck = now;
    if (since < 0 || since > this.gapMs) {
      // suspended, starved, or the clock was set back: whatever did not come meanwhile proves nothing
      this.lastHeard = now;
      return this.on ? 'resumed' : 'off';
    }
    if (!this.on) return 'off';
    return now - this.lastHeard > this.limitMs ? 'lost' : 'alive';
  }
}
