import * as assert from 'node:assert/strict';
import { CancelledError, InputError } from '../../src/core/base/errors';
import type { IntervalClock, Measurement } from '../../src/core/annotate/measureState';
import { MeasureState } from '../../src/core/annotate/measureState';

/** A clock that moves only when told: live mode's ticks happen inside `advance`. */
class FakeClock implements IntervalClock {
  private now = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { tick: () => void; every: number; due: number }>();
  setInterval(tick: () => void, ms: number): unknown {
    this.timers.set(++this.nextId, { tick, every: ms, due: this.now + ms });
    return this.nextId;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.now = due.due;
      due.due += due.every;
      due.tick();
    }
    this.now = end;
  }
}

/** A counting trace that finishes only when told (a real one detaches first). */
class FakeTrace {
  readonly stops: string[] = [];
  private resolve!: () => void;
  readonly finished = new Promise<void>((r) => (this.resolve = r));
  stop(reason: string): void {
    this.stops.push(reason);
  }
  finish(): void {
    this.resolve();
  }
}

/** A promise the test opens: a preparation (or a trace start) that takes as long as the test wants. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** whether a promise has settled yet */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  return done;
}

const URI = 'file:///src/server.c';
const EVERY = 1000;

/**
 * Live mode's measurement as the editor runs it: prepared until `prep` opens, started until
 * `start` opens; what it did is recorded.
 */
function liveMeasure(prep: Promise<void>, start: Promise<void> = Promise.resolve()) {
  const seen = { calls: 0, traces: [] as FakeTrace[], errors: [] as unknown[] };
  const measure = async (m: Measurement<FakeTrace>): Promise<void> => {
    seen.calls++;
    try {
      await prep;
      m.beginStart();
      await start;
      const t = new FakeTrace();
      seen.traces.push(t);
      m.started(t);
      await t.finished;
    } catch (e) {
      seen.errors.push(e);
      throw e;
    } finally {
      m.end();
    }
  };
  return { seen, measure };
}

describe('annotations: a file’s measuring state (MeasureState)', () => {
  let clock: FakeClock;
  let state: MeasureState<FakeTrace>;
  beforeEach(() => {
    clock = new FakeClock();
    state = new MeasureState<FakeTrace>(clock);
  });

  it('a measurement goes preparing → starting → counting → ended; the view follows', () => {
    const m = state.begin(URI, 'server.c');
    assert.equal(m.phase, 'preparing');
    assert.equal(state.measuring(URI), undefined, 'a user’s preparation is not shown');
    m.beginStart();
    assert.equal(state.measuring(URI), 'preparing');
    const t = new FakeTrace();
    m.started(t);
    assert.equal(state.measuring(URI), 'counting');
    assert.equal(state.counting(URI), t);
    m.end();
    m.end(); // twice is harmless
    assert.equal(state.measuring(URI), undefined);
    assert.equal(state.busy(URI), false);
    assert.throws(() => m.beginStart(), /ended cannot start/);
  });

  it('3f2d890: live mode off while its window is counting stops the window, and resolves once it has ended', async () => {
    const { seen, measure } = liveMeasure(Promise.resolve());
    state.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY);
    await settle();
    assert.equal(state.measuring(URI), 'counting', 'the tick’s window is counting');
    const trace = seen.traces[0]!;
    const off = state.stopLive(URI);
    assert.deepEqual(trace.stops, ['cancel'], 'live off stops the counting window');
    assert.equal(await settled(off), false, 'live off waits for the window to end');
    trace.finish();
    await off;
    assert.equal(state.isLive(URI), false);
    assert.equal(state.measuring(URI), undefined);
  });

  it('6fbe2cf: live mode off while its run is being prepared calls it off before its trace starts', async () => {
    const prep = gate();
    const { seen, measure } = liveMeasure(prep.wait);
    state.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY);
    await settle();
    assert.equal(seen.calls, 1);
    assert.equal(state.measuring(URI), 'preparing', 'live’s run is shown as being prepared');
    const off = state.stopLive(URI);
    assert.equal(await settled(off), false, 'live off waits for the run being prepared');
    prep.open();
    await settle();
    assert.equal(seen.traces.length, 0, 'no window started after live mode was turned off');
    await off;
    assert.ok(seen.errors[0] instanceof CancelledError, `the run was cancelled: ${String(seen.errors[0])}`);
    assert.equal(state.measuring(URI), undefined);
    assert.equal(state.busy(URI), false, 'the next measurement of the file is not refused');
    state.begin(URI, 'server.c').end();
  });

  it('6fbe2cf: live mode off while its trace is starting stops that trace as soon as it has started', async () => {
    const start = gate();
    const { seen, measure } = liveMeasure(Promise.resolve(), start.wait);
    state.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY);
    await settle();
    const off = state.stopLive(URI);
    start.open();
    await settle();
    const trace = seen.traces[0]!;
    assert.deepEqual(trace.stops, ['cancel'], 'the trace that started after live off is stopped at once');
    trace.finish();
    await off;
    assert.equal(state.measuring(URI), undefined);
  });

  it('6fbe2cf: a live tick does nothing while live’s previous run has not ended, or while the file is counting', async () => {
    const prep = gate();
    const { seen, measure } = liveMeasure(prep.wait);
    state.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY * 3);
    await settle();
    assert.equal(seen.calls, 1, 'ticks while the run is prepared are skipped');
    prep.open();
    await settle();
    assert.equal(state.measuring(URI), 'counting');
    clock.advance(EVERY * 3);
    await settle();
    assert.equal(seen.calls, 1, 'ticks while the window counts are skipped');
    seen.traces[0]!.finish();
    await settle();
    clock.advance(EVERY);
    await settle();
    assert.equal(seen.calls, 2, 'the next tick after the window ended measures again');
    assert.equal(state.isLive(URI), true);
    const off = state.stopLive(URI);
    seen.traces[1]!.finish();
    await off;
  });

  it('2734b11: a file whose trace is starting is busy: of two measurements prepared side by side only one starts', () => {
    const a = state.begin(URI, 'server.c');
    const b = state.begin(URI, 'server.c');
    a.beginStart();
    assert.equal(state.busy(URI), true);
    assert.equal(state.measuring(URI), 'preparing', 'a trace being started is shown as being prepared');
    assert.throws(
      () => b.beginStart(),
      (e: unknown) => e instanceof InputError && e.message === 'server.c is being measured already',
    );
    b.end();
    a.started(new FakeTrace());
    assert.equal(state.measuring(URI), 'counting');
  });

  it('2734b11: a live run refused on a busy file skips its turn (cancelled, not an error) and live mode stays on', async () => {
    const prep = gate();
    const { seen, measure } = liveMeasure(prep.wait);
    state.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY);
    await settle();
    const user = state.begin(URI, 'server.c');
    user.beginStart();
    prep.open();
    await settle();
    assert.equal(seen.traces.length, 0);
    assert.ok(seen.errors[0] instanceof CancelledError, `live’s refusal is a cancellation: ${String(seen.errors[0])}`);
    assert.equal(state.isLive(URI), true, 'live mode stays on');
    const t = new FakeTrace();
    user.started(t);
    t.finish();
    user.end();
    await state.stopLive(URI);
  });

  it('61781fd: one busy rule, applied when a measurement is asked and again before it starts', () => {
    const first = state.begin(URI, 'server.c');
    first.beginStart();
    assert.throws(() => state.begin(URI, 'server.c'), /server\.c is being measured already/, 'asked while starting');
    assert.throws(() => state.begin(URI, 'server.c', true), CancelledError, 'live, asked while starting');
    first.started(new FakeTrace());
    assert.throws(() => state.begin(URI, 'server.c'), /server\.c is being measured already/, 'asked while counting');
    assert.throws(() => state.begin(URI, 'server.c', true), CancelledError, 'live, asked while counting');
    first.end();
    const again = state.begin(URI, 'server.c');
    assert.equal(again.phase, 'preparing', 'free again once the window ended');
    assert.equal(state.begin('file:///other.c', 'other.c').phase, 'preparing', 'another file is not busy');
  });

  it('cancel: a counting window stopped by the user ends the measurement; the file is free for the next one', async () => {
    const m = state.begin(URI, 'server.c');
    m.beginStart();
    const t = new FakeTrace();
    m.started(t);
    t.stop('cancel');
    t.finish();
    await t.finished;
    m.end();
    assert.equal(state.busy(URI), false);
    assert.equal(state.measuring(URI), undefined);
    const next = state.begin(URI, 'server.c');
    next.beginStart();
    assert.equal(state.busy(URI), true);
  });

  it('stopping the extension stops every counting window with its reason and ends the live timers', async () => {
    const { seen, measure } = liveMeasure(Promise.resolve());
    state.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY);
    await settle();
    const other = state.begin('file:///other.c', 'other.c');
    other.beginStart();
    const t = new FakeTrace();
    other.started(t);
    state.dispose('extension stopped');
    assert.deepEqual(seen.traces[0]!.stops, ['extension stopped']);
    assert.deepEqual(t.stops, ['extension stopped']);
    assert.deepEqual(state.liveFiles(), []);
    seen.traces[0]!.finish();
    await settle();
    clock.advance(EVERY * 5);
    await settle();
    assert.equal(seen.calls, 1, 'no tick after the extension stopped');
  });

  it('reports every change of a file’s state to its listener', async () => {
    const changes: string[] = [];
    const s = new MeasureState<FakeTrace>(clock, (uri) => changes.push(`${uri}:${s.measuring(uri) ?? '-'}${s.isLive(uri) ? ':live' : ''}`));
    const { seen, measure } = liveMeasure(Promise.resolve());
    s.startLive(URI, 'server.c', EVERY, measure);
    clock.advance(EVERY);
    await settle();
    const off = s.stopLive(URI);
    seen.traces[0]!.finish();
    await off;
    assert.deepEqual(changes, [
      `${URI}:-:live`, // live on
      `${URI}:preparing:live`, // tick: live's run
      `${URI}:preparing:live`, // its trace is starting
      `${URI}:counting:live`, // counting
      `${URI}:counting`, // live off
      `${URI}:preparing`, // the window ended; live's run not yet
      `${URI}:-`, // live's run ended
    ]);
  });
});
