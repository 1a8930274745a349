import * as assert from 'node:assert/strict';
import type { LivenessVerdict } from '../../src/core/trace/liveness';
import { Liveness } from '../../src/core/trace/liveness';
import type { EndFacts } from '../../src/core/trace/outcome';
import { endLabel, judgeEnd } from '../../src/core/trace/outcome';

/** The product's defaults: a heartbeat every 2 s, the node stops after 10 s without one, a check every second. */
const OPTS = { heartbeatTimeoutMs: 10_000, beatMs: 2000, tickMs: 1000 };

/** Run checks once a second from t=from to t=to (ms), hearing the node at the times in `heard`; the verdicts by time. */
function run(l: Liveness, from: number, to: number, heard: (t: number) => boolean): Map<number, LivenessVerdict> {
  const out = new Map<number, LivenessVerdict>();
  for (let t = from; t <= to; t += 1000) {
    if (heard(t)) l.heard(t);
    out.set(t, l.check(t));
  }
  return out;
}

describe('is the link alive (liveness)', () => {
  it('normal: the guard answers every heartbeat, and the link is never judged lost', () => {
    const l = new Liveness(OPTS, 0);
    l.enable(0);
    const v = run(l, 1000, 120_000, (t) => t % 2000 === 0);
    assert.deepEqual([...new Set(v.values())], ['alive']);
  });

  it('a quiet trace is alive: the answers to the heartbeats are enough', () => {
    const l = new Liveness(OPTS, 0);
    l.enable(0);
    // bpftrace prints nothing; only `hb` comes back, a little late each time (a slow link)
    const v = run(l, 1000, 60_000, (t) => t % 2000 === 0 && t > 0);
    assert.ok([...v.values()].every((x) => x === 'alive'));
  });

  it('a silent link (cut): lost once nothing came for the heartbeat timeout and a beat, not before', () => {
    const l = new Liveness(OPTS, 0);
    l.enable(0);
    // answers until t=20 s, then nothing
    const v = run(l, 1000, 40_000, (t) => t <= 20_000 && t % 2000 === 0);
    const lost = [...v.entries()].filter(([, x]) => x === 'lost').map(([t]) => t);
    assert.equal(lost[0], 33_000, 'first judged lost 12 s after the last answer (10 s + one beat), at the next check');
    assert.equal(l.limitMs, 12_000);
    assert.equal(l.silentMs(33_000), 13_000);
  });

  it('a suspended client (SIGSTOP, laptop asleep) does not misfire when it runs again: silence counts from the resume', () => {
    const l = new Liveness(OPTS, 0);
    l.enable(0);
    run(l, 1000, 10_000, (t) => t % 2000 === 0);
    // stopped from 10 s to 50 s: no check ran, nothing was heard
    assert.equal(l.check(50_000), 'resumed', 'the late check shows the gap');
    // after the resume the node answers again (or its last words arrive): alive
    const v = run(l, 51_000, 70_000, (t) => t % 2000 === 0);
    assert.ok(
      [...v.values()].every((x) => x === 'alive'),
      JSON.stringify([...v]),
    );
  });

  it('a suspended client whose link also died meanwhile: lost a full window after the resume', () => {
    const l = new Liveness(OPTS, 0);
    l.enable(0);
    run(l, 1000, 10_000, (t) => t % 2000 === 0);
    assert.equal(l.check(50_000), 'resumed');
    const v = run(l, 51_000, 70_000, () => false);
    const lost = [...v.entries()].filter(([, x]) => x === 'lost').map(([t]) => t);
    assert.equal(lost[0], 63_000);
  });

  it('a clock set back is a gap too, not a verdict', () => {
    const l = new Liveness(OPTS, 100_000);
    l.enable(100_000);
    assert.equal(l.check(101_000), 'alive');
    assert.equal(l.check(40_000), 'resumed');
    assert.equal(l.check(41_000), 'alive');
  });

  it('off until the guard says it answers heartbeats (an older installed guard does not: never judged)', () => {
    const l = new Liveness(OPTS, 0);
    const v = run(l, 1000, 60_000, () => false);
    assert.deepEqual([...new Set(v.values())], ['off']);
    l.enable(61_000);
    assert.equal(l.check(62_000), 'alive', 'silence counts from the enable, not from the start');
    assert.equal(l.enabled, true);
  });

  it('once the trace is being stopped, silence is no longer judged (the guard may wait for a bpftrace it cannot kill)', () => {
    const l = new Liveness(OPTS, 0);
    l.enable(0);
    l.heard(5000);
    l.disable();
    const v = run(l, 6000, 60_000, () => false);
    assert.deepEqual([...new Set(v.values())], ['off']);
    // a late answer to a heartbeat does not turn it on again
    l.enable(61_000);
    assert.equal(l.check(62_000), 'off');
  });
});

const base: EndFacts = {
  node: 'edge1',
  heartbeatTimeoutSec: 10,
  connectionClosed: false,
  attached: true,
  report: { diagnostics: [], other: [] },
};

describe('how a trace ended (judgeEnd)', () => {
  it('normal ends carry no error: the user stop, the time limit, the script ending by itself', () => {
    assert.deepEqual(judgeEnd({ ...base, guardExit: { rc: 0, reason: 'stop' }, stopReason: 'stop' }), { reason: 'stop' });
    assert.deepEqual(judgeEnd({ ...base, guardExit: { rc: 0, reason: 'stop' }, stopReason: 'interrupt' }), { reason: 'interrupt' });
    assert.deepEqual(judgeEnd({ ...base, guardExit: { rc: 0, reason: 'eof' }, stopReason: 'cancel' }), { reason: 'cancel' });
    assert.deepEqual(judgeEnd({ ...base, guardExit: { rc: 124, reason: 'exited' } }), { reason: 'time limit' });
    assert.deepEqual(judgeEnd({ ...base, guardExit: { rc: 0, reason: 'exited' } }), { reason: 'exited' });
    assert.equal(judgeEnd({ ...base, guardExit: { rc: 143, reason: 'overtime' } }).error, undefined);
  });

  it('stopped by the node (no heartbeat: a suspended client), even if the user pressed stop after the resume', () => {
    for (const stopReason of [undefined, 'interrupt']) {
      const v = judgeEnd({ ...base, guardExit: { rc: 0, reason: 'heartbeat' }, guardSilentSec: 11, ...(stopReason ? { stopReason } : {}) });
      assert.equal(v.reason, 'stopped by the node (no heartbeat)');
      assert.deepEqual(v.error, {
        kind: 'ssh.heartbeat',
        message: 'the node stopped the trace: it heard nothing from this client for 11 s (its limit is 10 s)',
      });
      assert.equal(endLabel(v.error), 'stopped by the node');
    }
  });

  it('the control channel closed under the guard without the client stopping: stopped by the node', () => {
    const v = judgeEnd({ ...base, guardExit: { rc: 0, reason: 'eof' } });
    assert.equal(v.error?.kind, 'ssh.eof');
    assert.match(v.error?.message ?? '', /^the node stopped the trace: /);
  });

  it('a lost link: said with the node and the heartbeat timeout, before the connection itself is declared dead', () => {
    const v = judgeEnd({ ...base, linkLostMs: 12_400 });
    assert.equal(v.reason, 'connection lost');
    assert.deepEqual(v.error, {
      kind: 'ssh.linkLost',
      message: 'the connection to edge1 was lost (nothing came from it for 12 s); the node stops the trace by itself within 10 s',
    });
    assert.equal(endLabel(v.error), 'connection lost');
    assert.equal(judgeEnd({ ...base, connectionClosed: true }).error?.kind, 'ssh.disconnected');
  });

  it('the guard’s account wins over a link judged lost after its last line came', () => {
    assert.equal(judgeEnd({ ...base, guardExit: { rc: 0, reason: 'stop' }, stopReason: 'stop', linkLostMs: 13_000 }).error, undefined);
  });

  it('script errors, crashes and probes the node lacks come first', () => {
    const script = judgeEnd({
      ...base,
      attached: false,
      guardExit: { rc: 1, reason: 'exited' },
      report: { diagnostics: [{ severity: 'error', message: 'syntax error', line: 2, col: 5 }], other: [] },
    });
    assert.deepEqual(script.error, { kind: 'tool.script', message: 'line 2:5: syntax error' });
    assert.equal(judgeEnd({ ...base, guardExit: { rc: 139, reason: 'exited' } }).error?.kind, 'tool.crashed');
    assert.equal(
      judgeEnd({
        ...base,
        guardExit: { rc: 1, reason: 'exited' },
        report: { diagnostics: [], other: [], unavailable: { probeType: 'kprobe', message: 'kprobe not available' } },
      }).error?.kind,
      'tool.probeUnavailable',
    );
    assert.equal(judgeEnd({ ...base, loginExpired: 'the login shell did not start' }).error?.kind, 'ssh.loginTimeout');
    assert.equal(
      judgeEnd({ ...base, guardExit: { rc: 0, reason: 'stop' }, stopReason: 'stop', leftover: { message: 'still there' } }).error?.kind,
      'tool.leftover',
    );
    assert.equal(endLabel({ kind: 'tool.script' }), undefined);
  });
});
