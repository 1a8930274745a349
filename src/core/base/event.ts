import type { DisposableLike } from './cancel';

/**
 * A typed event, VS Code's shape: subscribe with a listener, get back what unsubscribes it.
 * `fleet.onDidChange((node) => …)`.
 */
export type Event<T> = (listener: (e: T) => void) => DisposableLike;

/**
 * The source of one Event<T>. Listeners run at once, in the order they subscribed; one that
 * throws does not keep the others from hearing the event (its error goes to `onListenerError`).
 */
export class Emitter<T> {
  /** Where a listener's error goes (the console; the extension points it at its log). */
  static onListenerError: (e: unknown) => void = (e) => console.error('eBPF Lens: an event listener failed:', e);

  private listeners: ((e: T) => void)[] = [];
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    // a wrapper per subscription: the same function subscribed twice is two subscriptions
    const entry = (e: T): void => listener(e);
    this.listeners = [...this.listeners, entry];
    return { dispose: () => void (this.listeners = this.listeners.filter((l) => l !== entry)) };
  };

  fire(e: T): void {
    // a listener that subscribes or unsubscribes while the event is delivered changes the next one
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        Emitter.onListenerError(err);
      }
    }
  }

  /** The number of listeners now (tests: nothing is left subscribed). */
  get size(): number {
    return this.listeners.length;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}

/** The event's next occurrence as a promise (optionally the first one `accept` takes). */
export function nextEvent<T>(event: Event<T>, accept: (e: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const d = event((e) => {
      if (!accept(e)) return;
      d.dispose();
      resolve(e);
    });
  });
}
