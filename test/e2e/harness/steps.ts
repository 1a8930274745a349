import * as path from 'node:path';
import type { Page } from 'playwright-core';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
  readonly screenshot?: string;
}

/** An error's first lines: enough to tell what failed, short enough for the summary. */
function firstLines(e: unknown): string {
  return e instanceof Error ? e.message.split('\n').slice(0, 6).join('\n') : String(e);
}

/**
 * The checks of a run, declared up front in a table of names. A name not in the table, or one
 * claimed a second time, fails (a typo or a copy must not pass); `finish()` fails each declared
 * name never claimed, so a check not reached (behind an `if`, after an early return or an error
 * between checks) cannot pass by being absent. Every check is printed as it is recorded.
 */
export class CheckTable {
  private readonly checks: Check[] = [];
  /** the names claimed so far */
  private readonly claimed = new Set<string>();
  constructor(
    private readonly table: readonly string[],
    private readonly kind: 'step' | 'check',
  ) {
    // two entries with one name would let one check stand for both
    for (const name of new Set(table.filter((n, i) => table.indexOf(n) !== i))) this.fail(name, `declared twice in the ${kind} table`);
  }

  /** Claim `name` for the check about to run: why it may not (`again` when it was claimed before), or undefined. */
  claim(name: string, again: string): string | undefined {
    const wrong = !this.table.includes(name) ? `not declared in the ${this.kind} table` : this.claimed.has(name) ? again : undefined;
    this.claimed.add(name);
    return wrong;
  }

  /** Record a check, printed unless `quiet`. */
  add(check: Check, quiet = false): void {
    this.checks.push(check);
    if (quiet) return;
    const { name, ok, error, screenshot } = check;
    process.stdout.write(`  ${ok ? '✔' : '✘'} ${name}${error ? `: ${error}` : ''}${screenshot ? ` (${screenshot})` : ''}\n`);
  }

  fail(name: string, error: string): void {
    this.add({ name, ok: false, ms: 0, error });
  }

  /** The first declared name not claimed yet. */
  pending(): string | undefined {
    return this.table.find((n) => !this.claimed.has(n));
  }

  /** The checks, with each declared name never claimed recorded as failed (`neverRan`). */
  finish(neverRan: string): Check[] {
    for (const name of this.table) {
      if (this.claimed.has(name)) continue;
      this.claimed.add(name);
      this.fail(name, neverRan);
    }
    return [...this.checks];
  }
}

/**
 * Steps a person would take, each saving a screenshot, over a CheckTable of step names. A failing
 * step is recorded and stops the run; so does a step misnamed or run twice (the steps after it
 * would not test what they say). Every return of the checks goes through `finish()`.
 */
export class Steps {
  private readonly table: CheckTable;
  private failed = false;
  constructor(
    private readonly page: Page,
    private readonly shots: string,
    table: readonly string[],
  ) {
    this.table = new CheckTable(table, 'step');
  }

  async step(name: string, shot: string | undefined, fn: () => Promise<void>): Promise<void> {
    const wrong = this.table.claim(name, 'ran a second time: each step runs once');
    if (wrong) {
      this.failed = true;
      this.table.fail(name, wrong);
      return;
    }
    if (this.failed) {
      this.table.add({ name, ok: false, ms: 0, error: 'skipped after an earlier failure' }, true);
      return;
    }
    const t0 = Date.now();
    try {
      await fn();
      const file = shot ? path.join(this.shots, shot) : undefined;
      if (file) await this.page.screenshot({ path: file });
      this.table.add({ name, ok: true, ms: Date.now() - t0, ...(file ? { screenshot: file } : {}) });
    } catch (e) {
      this.failed = true;
      const file = path.join(this.shots, `FAILED-${shot ?? name.replace(/\W+/g, '-')}`.replace(/(\.png)?$/, '.png'));
      await this.page.screenshot({ path: file }).catch(() => undefined);
      this.table.add({ name, ok: false, ms: Date.now() - t0, error: firstLines(e), screenshot: file });
    }
  }

  /**
   * An error outside any step (between two steps, or closing the browser): recorded as a failed
   * check named `name`, and the steps after it are skipped.
   */
  outside(name: string, e: unknown): void {
    this.failed = true;
    this.table.fail(name, firstLines(e));
  }

  /** The checks, with each declared step that never ran recorded as failed. */
  finish(): Check[] {
    return this.table.finish('declared in the step table but never ran');
  }
}
