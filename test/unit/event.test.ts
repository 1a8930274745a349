import * as assert from 'node:assert/strict';
import { Emitter, nextEvent } from '../../src/core/base/event';

describe('typed events (Emitter / Event)', () => {
  it('listeners hear each event in the order they subscribed; dispose unsubscribes that one only', () => {
    const e = new Emitter<number>();
    const heard: string[] = [];
    const a = e.event((n) => heard.push(`a${n}`));
    e.event((n) => heard.push(`b${n}`));
    e.fire(1);
    a.dispose();
    a.dispose(); // twice is harmless
    e.fire(2);
    assert.deepEqual(heard, ['a1', 'b1', 'b2']);
    assert.equal(e.size, 1);
  });

  it('the same function subscribed twice is two subscriptions, each disposed on its own', () => {
    const e = new Emitter<void>();
    let n = 0;
    const f = (): void => void n++;
    const one = e.event(f);
    e.event(f);
    e.fire();
    one.dispose();
    e.fire();
    assert.equal(n, 3);
  });

  it('a listener that throws does not keep the others from hearing; its error is reported', () => {
    const e = new Emitter<string>();
    const reported: unknown[] = [];
    const before = Emitter.onListenerError;
    Emitter.onListenerError = (err) => reported.push(err);
    try {
      const heard: string[] = [];
      e.event(() => {
        throw new Error('boom');
      });
      e.event((s) => heard.push(s));
      e.fire('x');
      assert.deepEqual(heard, ['x']);
      assert.equal((reported[0] as Error).message, 'boom');
    } finally {
      Emitter.onListenerError = before;
    }
  });

  it('a listener that unsubscribes another while an event is delivered: that one still hears this event, not the next', () => {
    const e = new Emitter<number>();
    const heard: string[] = [];
    e.event((n) => {
      heard.push(`a${n}`);
      b.dispose();
    });
    const b = e.event((n) => heard.push(`b${n}`));
    e.fire(1);
    e.fire(2);
    assert.deepEqual(heard, ['a1', 'b1', 'a2']);
  });

  it('after dispose nothing is heard and a new subscription is inert', () => {
    const e = new Emitter<number>();
    let n = 0;
    e.event(() => void n++);
    e.dispose();
    e.fire(1);
    e.event(() => void n++).dispose();
    e.fire(2);
    assert.equal(n, 0);
    assert.equal(e.size, 0);
  });

  it('nextEvent: the first event accepted, and its listener is gone after it', async () => {
    const e = new Emitter<number>();
    const p = nextEvent(e.event, (n) => n > 1);
    e.fire(1);
    e.fire(2);
    e.fire(3);
    assert.equal(await p, 2);
    assert.equal(e.size, 0);
  });
});
