import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { RemoteCommand } from '../../src/core/remote/command';
import type { NodeClient } from '../../src/ssh/nodeClient';
import type { TraceOptions } from '../../src/ssh/trace';
import { TraceRun } from '../../src/ssh/trace';
import { sleep } from './wait';

/**
 * TraceRun's link to its guard, with the node played here: a channel that delivers what the test
 * makes the guard say, and records the client's heartbeats. The trace's timers are real (short
 * heartbeat settings: a 2 s timeout, a beat every 200 ms, so silence is judged after 2.2 s).
 */
class FakeStream extends EventEmitter {
  setEncoding(): this {
    return this;
  }
}

class FakeChannel extends FakeStream {
  readonly stderr = new FakeStream();
  writable = true;
  readonly written: string[] = [];
  closed = false;
  write(s: string): boolean {
    this.written.push(s);
    return true;
  }
  end(): void {
    this.writable = false;
  }
  close(): void {
    // a dead link: the close never comes back
    this.closed = true;
  }
  guard(line: string): void {
    this.stderr.emit('data', `@@EBPF-LENS-GUARD ${line}\n`);
  }
  /** the guard's end: its last line, then the channel closes */
  exit(rc: number, reason: string): void {
    this.guard(`exit rc=${rc} reason=${reason}`);
    this.emit('end');
    this.stderr.emit('end');
    this.emit('close');
  }
}

function fakeClient(ch: FakeChannel): NodeClient {
  const client = {
    node: { name: 'edge9', sudo: 'auto' },
    info: {
      uid: 0,
      user: 'root',
      bpftrace: { path: '/usr/bin/bpftrace', version: '0.17.0' },
      sudo: { present: false, bpftool: false, bpftrace: false },
    },
    connection: { loginTimeoutMs: 60_000, exec: async () => ch },
    closed: false,
    noteEnvironment: () => false,
    // writeScript answers the script's path; the check after the end answers "gone"
    run: async (cmd: RemoteCommand<unknown>) => (cmd.title === 'write the trace script' ? '/tmp/ebpf-lens-0123456789' : false),
  };
  return client as unknown as NodeClient;
}

const OPTS: TraceOptions = { script: 'BEGIN {}', heartbeatMs: 200, heartbeatTimeoutSec: 2, graceSec: 1 };

async function start(ch: FakeChannel, o: TraceOptions = OPTS): Promise<TraceRun> {
  const t = await TraceRun.start(fakeClient(ch), o);
  ch.guard('started guard=100 timeout=101 bpftrace=102 ack=1 variant=bash pump=perl');
  ch.emit('data', '{"type": "attached_probes", "data": {"probes": 1}}\n');
  return t;
}

/** the guard answers each heartbeat the client sent, as long as `answering()` */
function answer(ch: FakeChannel, answering: () => boolean): NodeJS.Timeout {
  let seen = 0;
  return setInterval(() => {
    const beats = ch.written.filter((w) => w === 'hb\n').length;
    for (; seen < beats; seen++) if (answering()) ch.guard('hb');
  }, 50);
}

/** the thread does nothing at all for `ms`: no timer runs, nothing is read (a SIGSTOP as the event loop sees it) */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms} ms`)))]);

describe('a trace’s link to its guard (TraceRun with a played node)', () => {
  it('heartbeats every beat, each answered: the trace runs on and ends as asked', async function () {
    this.timeout(15_000);
    const ch = new FakeChannel();
    const t = await start(ch);
    const a = answer(ch, () => true);
    await sleep(4000);
    assert.equal(t.state, 'running', 'never judged lost while the guard answers');
    assert.ok(ch.written.filter((w) => w === 'hb\n').length >= 15, `heartbeats sent: ${ch.written.length}`);
    t.stop();
    assert.deepEqual(ch.written.slice(-1), ['stop\n']);
    ch.guard('stopping reason=stop');
    ch.exit(0, 'stop');
    clearInterval(a);
    const o = await t.finished;
    assert.equal(o.state, 'done');
    assert.equal(o.reason, 'stop');
    assert.equal(o.error, undefined);
  });

  it('a silent link: the client says the connection was lost within the heartbeat timeout and a beat (not the keepalives’ ~37 s)', async function () {
    this.timeout(15_000);
    const ch = new FakeChannel();
    const t = await start(ch);
    let live = true;
    const a = answer(ch, () => live);
    await sleep(1000);
    const cut = Date.now();
    live = false;
    const o = await within(t.finished, 6000, 'the lost link to be noticed');
    clearInterval(a);
    const after = Date.now() - cut;
    assert.ok(after >= 2000 && after <= 2200 + 1000 + 500, `noticed ${after} ms after the last answer (limit 2.2 s, checks every 1 s)`);
    assert.equal(o.state, 'failed');
    assert.equal(o.reason, 'connection lost');
    assert.equal(o.error?.kind, 'ssh.linkLost');
    assert.match(
      o.error?.message ?? '',
      /^the connection to edge9 was lost \(nothing came from it for \d+ s\); the node stops the trace by itself within 2 s$/,
    );
    assert.ok(ch.closed, 'the channel was given up');
    assert.equal(o.verified, false, 'nothing can be checked over a lost link');
  });

  it('a client frozen longer than the timeout (SIGSTOP) does not misfire when it runs again; the node’s account of the end is reported', async function () {
    this.timeout(20_000);
    const ch = new FakeChannel();
    const t = await start(ch);
    let live = true;
    const a = answer(ch, () => live);
    await sleep(800);
    // frozen for 4 s: twice the node's heartbeat timeout; meanwhile nothing was heard, and after
    // the thaw the node stays silent a while longer (its answers were lost with the heartbeats)
    live = false;
    freeze(4000);
    await sleep(1500);
    assert.equal(t.state, 'running', 'not judged lost on waking: silence counts from the thaw');
    live = true;
    // the node had stopped the trace meanwhile: its last words arrive
    ch.guard('stopping reason=heartbeat silent=3');
    ch.emit('data', '{"type": "map", "data": {"@n": 7}}\n');
    ch.exit(0, 'heartbeat');
    clearInterval(a);
    const o = await t.finished;
    assert.equal(o.reason, 'stopped by the node (no heartbeat)');
    assert.deepEqual(o.error, {
      kind: 'ssh.heartbeat',
      message: 'the node stopped the trace: it heard nothing from this client for 3 s (its limit is 2 s)',
    });
    assert.ok(
      o.results.maps.some((m) => m.name === '@n'),
      'the maps it printed are kept',
    );
  });

  it('while a stop runs, silence is not judged: a guard waiting for a bpftrace it cannot kill is not a lost link', async function () {
    this.timeout(15_000);
    const ch = new FakeChannel();
    const t = await start(ch);
    const a = answer(ch, () => true);
    await sleep(500);
    t.stop();
    ch.guard('stopping reason=stop');
    ch.guard('escalating signal=TERM');
    ch.guard('cannot-kill pid=102');
    // twice the silence that would be a lost link while running
    await sleep(4500);
    assert.equal(t.state, 'stopping');
    ch.exit(0, 'stop');
    clearInterval(a);
    const o = await t.finished;
    assert.equal(o.reason, 'stop');
    assert.equal(o.error?.kind, 'tool.leftover', JSON.stringify(o.error));
  });

  it('a stop over a link that died: the channel is given up after the stop budget, and the trace ends as a lost link', async function () {
    this.timeout(25_000);
    const ch = new FakeChannel();
    const t = await start(ch);
    await sleep(300);
    t.stop();
    const t0 = Date.now();
    // nothing ever comes back: no stopping line, no close (graceSec 1: the budget is 2 × 1 + 10 s, then 3 s for the close)
    const o = await within(t.finished, 18_000, 'the stop to be given up');
    const ms = Date.now() - t0;
    assert.ok(ms >= 15_000 - 100 && ms < 16_500, `given up after ${ms} ms`);
    assert.ok(ch.closed);
    assert.equal(o.error?.kind, 'ssh.linkLost');
    assert.equal(o.reason, 'connection lost');
  });

  it('an older installed guard that does not answer heartbeats is never judged by its silence', async function () {
    this.timeout(15_000);
    const ch = new FakeChannel();
    const t = await TraceRun.start(fakeClient(ch), OPTS);
    ch.guard('started guard=100 timeout=101 bpftrace=102');
    await sleep(3500);
    assert.equal(t.state, 'running');
    ch.exit(124, 'exited');
    const o = await t.finished;
    assert.equal(o.reason, 'time limit');
    assert.equal(o.error, undefined);
  });

  it('the guard’s heartbeat answers are not passed on as guard events', async function () {
    this.timeout(10_000);
    const ch = new FakeChannel();
    const t = await start(ch);
    const kinds: string[] = [];
    t.onDidGuard((g) => kinds.push(g.kind));
    for (let i = 0; i < 5; i++) ch.guard('hb');
    ch.exit(0, 'exited');
    await t.finished;
    assert.deepEqual(kinds, ['exit']);
  });
});
