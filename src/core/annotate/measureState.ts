import { CancelledError, InputError } from '../base/errors';

/**
 * Which measurements of a source file are under way, and live mode's re-measuring, per file.
 *
 * A measurement of a file goes `preparing` (picking the binary, listing its symbols) →
 * `starting` (its counting trace is being started) → `counting` (the window runs) → ended. The
 * rules the editor relies on, each once the fix of a race found in a real VS Code:
 * - a file whose trace is starting or counting is busy: a measurement asked then is refused,
 *   both when it is asked and again just before its own trace starts (two measurements prepared
 *   side by side cannot both start); a refused live re-measurement skips its turn (it is
 *   cancelled), a refused one the user asked for is an error;
 * - a live tick does nothing while the file is counting or live's previous run has not ended;
 * - live mode off calls off live's run being prepared (it is cancelled before its trace starts,
 *   or its trace is stopped as soon as it has started) and stops a window still counting; it
 *   resolves once those have ended (nothing left attached).
 *
 * Pure: the live timer runs on the given clock (a fake one in tests), the trace is anything that
 * can be stopped and says when it has finished.
 */

/** A counting trace, as far as this machine needs it. */
export interface Stoppable {
  stop(reason: string): void;
  readonly finished: Promise<unknown>;
}

/** The timer live mode ticks on. */
export interface IntervalClock {
  setInterval(tick: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const SYSTEM_CLOCK: IntervalClock = {
  setInterval: (tick, ms) => setInterval(tick, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

type Phase = 'preparing' | 'starting' | 'counting';

/** What the editor shows of a file's measuring: its window counting, or one being prepared. */
export type MeasuringView = 'counting' | 'preparing' | undefined;

/** One measurement of a file, from its preparation to its end. */
export interface Measurement<S extends Stoppable> {
  /** started by live mode (refusals cancel it instead of failing) */
  readonly live: boolean;
  readonly phase: Phase | 'ended';
  /** before its trace starts: cancelled if live mode was turned off, refused if the file is busy */
  beginStart(): void;
  /** its trace started (stopped at once if live mode was turned off meanwhile) */
  started(trace: S): void;
  /** it ended (its trace finished, or it failed or was refused): the file is free again */
  end(): void;
}

interface FileState<S extends Stoppable> {
  readonly runs: Set<Run<S>>;
  live?: { readonly handle: unknown };
  /** live's run that has not ended */
  liveRun?: Promise<void>;
}

class Run<S extends Stoppable> implements Measurement<S> {
  phase: Phase | 'ended' = 'preparing';
  trace?: S;
  constructor(
    private readonly owner: MeasureState<S>,
    readonly uri: string,
    readonly live: boolean,
    private readonly label: string,
  ) {}

  refuseIfBusy(): void {
    if (!this.owner.busy(this.uri)) return;
    throw this.live ? new CancelledError() : new InputError(`${this.label} is being measured already`);
  }

  beginStart(): void {
    if (this.phase !== 'preparing') throw new Error(`a measurement ${this.phase} cannot start`);
    if (this.live && !this.owner.isLive(this.uri)) throw new CancelledError();
    // checked again: another measurement of this file may have got this far meanwhile
    this.refuseIfBusy();
    this.move('starting');
  }

  started(trace: S): void {
    if (this.phase !== 'starting') throw new Error(`a measurement ${this.phase} cannot have started`);
    this.trace = trace;
    this.move('counting');
    // turned off while the trace was starting: stopLive found nothing to stop yet
    if (this.live && !this.owner.isLive(this.uri)) trace.stop('cancel');
  }

  end(): void {
    if (this.phase === 'ended') return;
    this.move('ended');
  }

  private move(to: Phase | 'ended'): void {
    this.phase = to;
    this.owner.moved(this);
  }
}

export class MeasureState<S extends Stoppable> {
  private readonly files = new Map<string, FileState<S>>();

  /** `changed`: called with the file's uri after any change of its state */
  constructor(
    private readonly clock: IntervalClock,
    private readonly changed: (uri: string) => void = () => undefined,
  ) {}

  /**
   * A measurement of a file asked by the user (`live` false) or by live mode's tick. Refused at
   * once if the file is busy. `label` names the file in the refusal.
   */
  begin(uri: string, label: string, live = false): Measurement<S> {
    const run = new Run(this, uri, live, label);
    run.refuseIfBusy();
    this.file(uri).runs.add(run);
    return run;
  }

  /** a trace of the file is starting or counting */
  busy(uri: string): boolean {
    return [...(this.files.get(uri)?.runs ?? [])].some((r) => r.phase === 'starting' || r.phase === 'counting');
  }

  /** the file's counting trace */
  counting(uri: string): S | undefined {
    return [...(this.files.get(uri)?.runs ?? [])].find((r) => r.phase === 'counting')?.trace;
  }

  measuring(uri: string): MeasuringView {
    const f = this.files.get(uri);
    if (!f) return undefined;
    if (this.counting(uri)) return 'counting';
    return f.liveRun || [...f.runs].some((r) => r.phase === 'starting') ? 'preparing' : undefined;
  }

  isLive(uri: string): boolean {
    return this.files.get(uri)?.live !== undefined;
  }

  liveFiles(): string[] {
    return [...this.files].filter(([, f]) => f.live).map(([uri]) => uri);
  }

  /**
   * Live mode on: every `everyMs`, unless the file is counting or the previous live run has not
   * ended, `measure` runs with a live measurement of the file. It ends that measurement when it
   * settles, and handles its own errors (a rejection is ignored here).
   */
  startLive(uri: string, label: string, everyMs: number, measure: (m: Measurement<S>) => Promise<unknown>): void {
    const f = this.file(uri);
    if (f.live) return;
    f.live = { handle: this.clock.setInterval(() => this.tick(uri, label, measure), everyMs) };
    this.changed(uri);
  }

  /**
   * Live mode off. A window live mode started that is still being prepared is called off, and
   * the file's window still counting is stopped; resolves once both have ended.
   */
  async stopLive(uri: string): Promise<void> {
    const f = this.files.get(uri);
    const live = f?.live;
    if (!f || !live) return;
    this.clock.clearInterval(live.handle);
    delete f.live;
    this.changed(uri);
    const trace = this.counting(uri);
    trace?.stop('cancel');
    await Promise.all([trace?.finished, f.liveRun]);
    this.forgetIfIdle(uri);
  }

  /** the extension stops: live timers end, windows still counting are stopped */
  dispose(reason: string): void {
    for (const f of this.files.values()) {
      if (f.live) this.clock.clearInterval(f.live.handle);
      delete f.live;
      for (const r of f.runs) r.trace?.stop(reason);
    }
  }

  /** @internal a measurement changed phase */
  moved(run: Run<S>): void {
    const f = this.files.get(run.uri);
    if (run.phase === 'ended') f?.runs.delete(run);
    this.changed(run.uri);
    this.forgetIfIdle(run.uri);
  }

  private forgetIfIdle(uri: string): void {
    const f = this.files.get(uri);
    if (f && f.runs.size === 0 && !f.live && !f.liveRun) this.files.delete(uri);
  }

  private tick(uri: string, label: string, measure: (m: Measurement<S>) => Promise<unknown>): void {
    const f = this.files.get(uri);
    if (!f?.live || f.liveRun || this.counting(uri)) return;
    let run: Measurement<S>;
    try {
      run = this.begin(uri, label, true);
    } catch {
      return; // busy: this turn is skipped
    }
    const done = Promise.resolve()
      .then(() => measure(run))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        delete f.liveRun;
        run.end();
        this.changed(uri);
      });
    f.liveRun = done;
    this.changed(uri);
  }

  private file(uri: string): FileState<S> {
    let f = this.files.get(uri);
    if (!f) this.files.set(uri, (f = { runs: new Set() }));
    return f;
  }
}
