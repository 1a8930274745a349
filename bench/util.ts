/** Small helpers for the benchmarks: timing, medians, and the one JSON line each prints. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

export async function timeRuns(n: number, fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await fn();
    out.push(now() - t0);
  }
  return out;
}

export interface BenchResult {
  readonly bench: string;
  readonly medianMs: number;
  readonly baselineMs?: number;
  readonly ratio?: number;
  readonly goal?: string;
  readonly pass?: boolean;
  /** what medianMs measures, when it is not a median */
  readonly metric?: string;
  /** the unit of medianMs and baselineMs (default ms) */
  readonly unit?: string;
  readonly [k: string]: unknown;
}

export function report(r: BenchResult): void {
  const ratio = r.ratio !== undefined ? ` ratio ${r.ratio.toFixed(2)}` : '';
  const unit = r.unit ?? 'ms';
  const base = r.baselineMs !== undefined ? ` (baseline ${r.baselineMs.toFixed(2)} ${unit})` : '';
  const goal = r.goal ? ` — goal ${r.goal}: ${r.pass ? 'met' : 'MISSED'}` : '';
  process.stdout.write(`${r.bench}: ${r.metric ?? 'median'} ${r.medianMs.toFixed(2)} ${unit}${base}${ratio}${goal}\n`);
  process.stdout.write(`${JSON.stringify({ ...r, at: new Date().toISOString(), commit: process.env['GIT_COMMIT'] ?? undefined })}\n`);
}
