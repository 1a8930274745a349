/** Waiting in tests (unit, lab and e2e tiers). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A value as a failure message shows it: short, one line. */
function shown(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/**
 * Poll until fn() is truthy or the time is up. The time comes from the product's own bounds or
 * an event (see test/lab/bounds.ts); on failure the message names what was awaited and the last
 * state seen: `seen()` when given, else fn()'s last answer.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
  seen?: () => unknown,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) {
      let last: unknown = v;
      if (seen) {
        try {
          last = seen();
        } catch (e) {
          last = `(could not tell: ${e instanceof Error ? e.message : String(e)})`;
        }
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${shown(last)}`);
    }
    await sleep(everyMs);
  }
}
