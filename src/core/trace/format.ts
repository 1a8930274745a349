import type { HistBucket, MapEntry, MapSnapshot, StatsValue, Value } from './output';

/** Maps as text, the way bpftrace prints them at the end of a run. */

/** a value as bpftrace prints it: tuples in parentheses, records as `{ .f = v }` */
function valueText(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `(${v.map(valueText).join(', ')})`;
  if (typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `.${k} = ${valueText(x)}`)
      .join(', ')} }`;
  return String(v);
}

function isBuckets(v: MapEntry['value']): v is readonly HistBucket[] {
  return Array.isArray(v) && v.every((b) => typeof b === 'object' && b !== null && 'count' in b);
}

function isStats(v: MapEntry['value']): v is StatsValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'average' in v && 'total' in v && 'count' in v;
}

function suffix(n: number | string | undefined): string {
  if (n === undefined) return '...';
  const x = typeof n === 'string' ? Number(n) : n;
  if (!Number.isFinite(x)) return String(n);
  for (const [d, s] of [
    [1 << 30, 'G'],
    [1 << 20, 'M'],
    [1 << 10, 'K'],
  ] as const) {
    if (x !== 0 && x % d === 0) return `${x / d}${s}`;
  }
  return String(x);
}

export function bucketLabel(b: HistBucket): string {
  if (b.min === undefined) return `(..., ${suffix(typeof b.max === 'number' ? b.max + 1 : b.max)})`;
  if (b.max === undefined) return `[${suffix(b.min)}, ...)`;
  if (b.min === b.max) return `[${suffix(b.min)}]`;
  return `[${suffix(b.min)}, ${suffix(typeof b.max === 'number' ? b.max + 1 : b.max)})`;
}

export function histText(buckets: readonly HistBucket[], width = 52): string {
  // counts come from a node: a negative or absurd one must not break the drawing
  const max = Math.max(1, ...buckets.map((b) => (Number.isFinite(b.count) ? b.count : 0)));
  const labels = buckets.map(bucketLabel);
  const lw = Math.max(...labels.map((l) => l.length), 1);
  return buckets
    .map((b, i) => {
      const bar = '@'.repeat(Math.max(0, Math.min(width, Math.round(((Number.isFinite(b.count) ? b.count : 0) / max) * width))));
      return `${(labels[i] ?? '').padEnd(lw)} ${String(b.count).padStart(8)} |${bar.padEnd(width)}|`;
    })
    .join('\n');
}

function statsText(s: StatsValue): string {
  return `count ${s.count}, average ${s.average}, total ${s.total}`;
}

function numeric(v: MapEntry['value']): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (isStats(v)) return v.total;
  return 0;
}

export function mapText(m: MapSnapshot): string {
  if (!m.keyed) {
    const v = m.entries[0]?.value ?? null;
    if (isBuckets(v)) return `${m.name}:\n${histText(v)}\n`;
    if (isStats(v)) return `${m.name}: ${statsText(v)}\n`;
    return `${m.name}: ${valueText(v as Value)}\n`;
  }
  const first = m.entries[0]?.value;
  if (first !== undefined && isBuckets(first)) {
    return m.entries.map((e) => `${m.name}[${e.key ?? ''}]:\n${histText(e.value as HistBucket[])}\n`).join('\n');
  }
  // bpftrace prints keyed maps sorted by value, smallest first
  const sorted = [...m.entries].sort((a, b) => numeric(a.value) - numeric(b.value));
  return `${sorted.map((e) => `${m.name}[${e.key ?? ''}]: ${isStats(e.value) ? statsText(e.value) : valueText(e.value as Value)}`).join('\n')}\n`;
}
