import type { Aggregation } from '../bpftrace/blocks';
import { bucketLabel } from './format';
import type { HistBucket, MapEntry, MapSnapshot, StatsValue } from './output';

/**
 * Maps from several nodes merged into one fleet view, and two runs compared. How values combine
 * follows the aggregation the script assigns to each map: counts and sums add up, min/max take
 * the extreme, histograms add bucket by bucket, stats recompute their average from totals. An
 * avg() is averaged across nodes without weights (bpftrace prints no count for it) and says so;
 * plain values do not combine and stay per node.
 */

export const isBuckets = (v: MapEntry['value']): v is readonly HistBucket[] =>
  Array.isArray(v) && v.every((b) => typeof b === 'object' && b !== null && !Array.isArray(b) && 'count' in b);
export const isStats = (v: MapEntry['value']): v is StatsValue =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && 'average' in v && 'total' in v && 'count' in v;
const num = (v: MapEntry['value']): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;

export interface MergedMap extends MapSnapshot {
  readonly aggregation: Aggregation;
  /** how it was merged, when that is not exact */
  readonly note?: string;
  /** nodes that had this map */
  readonly nodes: readonly string[];
}

const bucketKey = (b: HistBucket): string => `${b.min ?? '-inf'}..${b.max ?? 'inf'}`;
const bucketOrder = (b: HistBucket): number => (b.min === undefined ? -Infinity : Number(b.min));

export function mergeBuckets(lists: readonly (readonly HistBucket[])[]): HistBucket[] {
  const by = new Map<string, { min?: number | string; max?: number | string; count: number }>();
  for (const list of lists) {
    for (const b of list) {
      const k = bucketKey(b);
      const e = by.get(k);
      if (e) e.count += b.count;
      else by.set(k, { ...(b.min !== undefined ? { min: b.min } : {}), ...(b.max !== undefined ? { max: b.max } : {}), count: b.count });
    }
  }
  return [...by.values()].sort((a, b) => bucketOrder(a) - bucketOrder(b));
}

function inferAggregation(m: MapSnapshot): Aggregation {
  const v = m.entries[0]?.value;
  if (m.kind === 'hist') return 'hist';
  if (m.kind === 'stats' || (v !== undefined && isStats(v))) return 'stats';
  if (m.kind === 'tseries') return 'tseries';
  return 'value';
}

/** Merge one map as printed by several nodes. */
export function mergeMap(perNode: readonly { node: string; map: MapSnapshot }[], aggregation?: Aggregation): MergedMap {
  const first = perNode[0]?.map;
  if (!first) throw new Error('nothing to merge');
  const agg = aggregation ?? inferAggregation(first);
  const nodes = perNode.map((p) => p.node);
  const keys = new Map<string, { key: string | null; values: { node: string; value: MapEntry['value'] }[] }>();
  for (const { node, map } of perNode) {
    for (const e of map.entries) {
      const k = e.key ?? '\0';
      let slot = keys.get(k);
      if (!slot) keys.set(k, (slot = { key: e.key, values: [] }));
      slot.values.push({ node, value: e.value });
    }
  }
  const base = { name: first.name, kind: first.kind, keyed: first.keyed, aggregation: agg, nodes };
  const entries: MapEntry[] = [];
  let note: string | undefined;
  for (const { key, values } of keys.values()) {
    const vs = values.map((x) => x.value);
    switch (agg) {
      case 'count':
      case 'sum': {
        const ns = vs.map(num);
        if (ns.every((n) => n !== undefined)) entries.push({ key, value: ns.reduce<number>((a, n) => a + (n ?? 0), 0) });
        else note = 'some values were not numbers';
        break;
      }
      case 'min':
      case 'max': {
        const ns = vs.map(num).filter((n): n is number => n !== undefined);
        if (ns.length) entries.push({ key, value: agg === 'min' ? Math.min(...ns) : Math.max(...ns) });
        break;
      }
      case 'avg': {
        const ns = vs.map(num).filter((n): n is number => n !== undefined);
        if (ns.length) entries.push({ key, value: Math.round(ns.reduce((a, n) => a + n, 0) / ns.length) });
        if (perNode.length > 1)
          note = 'average of the nodes’ averages, unweighted (bpftrace prints no count for avg(); stats() gives an exact fleet average)';
        break;
      }
      case 'stats': {
        const ss = vs.filter(isStats);
        const count = ss.reduce((a, s) => a + s.count, 0);
        const total = ss.reduce((a, s) => a + s.total, 0);
        entries.push({ key, value: { count, total, average: count ? Math.trunc(total / count) : 0 } });
        break;
      }
      case 'hist':
      case 'lhist':
        entries.push({ key, value: mergeBuckets(vs.filter(isBuckets)) });
        break;
      default:
        // plain values (and tseries) stay per node
        for (const x of values)
          entries.push({ key: perNode.length > 1 ? `${x.node} · ${key ?? ''}`.replace(/ · $/, '') : key, value: x.value });
        if (perNode.length > 1) note = 'plain values do not combine: shown per node';
    }
  }
  const keyed = first.keyed || (agg === 'value' && perNode.length > 1);
  return { ...base, keyed, entries, ...(note ? { note } : {}) };
}

/** Merge every map of several nodes' results. */
export function mergeResults(
  perNode: readonly { node: string; maps: readonly MapSnapshot[] }[],
  aggregations: ReadonlyMap<string, Aggregation> = new Map(),
): MergedMap[] {
  const names: string[] = [];
  const by = new Map<string, { node: string; map: MapSnapshot }[]>();
  for (const { node, maps } of perNode) {
    for (const map of maps) {
      let list = by.get(map.name);
      if (!list) {
        by.set(map.name, (list = []));
        names.push(map.name);
      }
      list.push({ node, map });
    }
  }
  return names.map((n) => mergeMap(by.get(n) ?? [], aggregations.get(n)));
}

// ------------------------------------------------------------------------------------ compare

export interface KeyDelta {
  readonly key: string | null;
  readonly before: number | undefined;
  readonly after: number | undefined;
  /** after − before (a missing side counts 0) */
  readonly delta: number;
  /** after / before − 1, when before ≠ 0 */
  readonly change: number | undefined;
}

export interface BucketDelta {
  readonly label: string;
  readonly before: number;
  readonly after: number;
  readonly delta: number;
}

export interface HistDelta {
  readonly key: string | null;
  readonly buckets: readonly BucketDelta[];
  readonly totalBefore: number;
  readonly totalAfter: number;
  /** bucket holding the median and the 99th percentile, before → after */
  readonly p50: readonly [string | undefined, string | undefined];
  readonly p99: readonly [string | undefined, string | undefined];
}

export interface MapDelta {
  readonly name: string;
  readonly kind: 'scalar' | 'hist';
  /** only in one of the runs */
  readonly only?: 'before' | 'after';
  readonly keys: readonly KeyDelta[];
  readonly hists: readonly HistDelta[];
}

function scalar(v: MapEntry['value'] | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (isStats(v)) return v.total;
  return num(v);
}

/** The bucket that holds percentile p of a histogram. */
export function percentileBucket(buckets: readonly HistBucket[], p: number): string | undefined {
  const total = buckets.reduce((a, b) => a + b.count, 0);
  if (total === 0) return undefined;
  let acc = 0;
  for (const b of buckets) {
    acc += b.count;
    if (acc >= (p / 100) * total) return bucketLabel(b);
  }
  return undefined;
}

export function compareMaps(before: readonly MapSnapshot[], after: readonly MapSnapshot[]): MapDelta[] {
  const names = [...new Set([...before.map((m) => m.name), ...after.map((m) => m.name)])];
  return names.map((name) => {
    const a = before.find((m) => m.name === name);
    const b = after.find((m) => m.name === name);
    const only = !a ? ('after' as const) : !b ? ('before' as const) : undefined;
    const entries = new Map<string, { key: string | null; a?: MapEntry['value']; b?: MapEntry['value'] }>();
    for (const e of a?.entries ?? []) entries.set(e.key ?? '\0', { key: e.key, a: e.value });
    for (const e of b?.entries ?? []) {
      const slot = entries.get(e.key ?? '\0');
      if (slot) slot.b = e.value;
      else entries.set(e.key ?? '\0', { key: e.key, b: e.value });
    }
    const sample = (a ?? b)?.entries[0]?.value;
    if (sample !== undefined && isBuckets(sample)) {
      const hists: HistDelta[] = [];
      for (const { key, a: va, b: vb } of entries.values()) {
        const ba = va !== undefined && isBuckets(va) ? va : [];
        const bb = vb !== undefined && isBuckets(vb) ? vb : [];
        const all = mergeBuckets([ba.map((x) => ({ ...x, count: 0 })), bb.map((x) => ({ ...x, count: 0 }))]);
        const count = (list: readonly HistBucket[], x: HistBucket): number => list.find((y) => bucketKey(y) === bucketKey(x))?.count ?? 0;
        hists.push({
          key,
          buckets: all.map((x) => ({
            label: bucketLabel(x),
            before: count(ba, x),
            after: count(bb, x),
            delta: count(bb, x) - count(ba, x),
          })),
          totalBefore: ba.reduce((s, x) => s + x.count, 0),
          totalAfter: bb.reduce((s, x) => s + x.count, 0),
          p50: [percentileBucket(ba, 50), percentileBucket(bb, 50)],
          p99: [percentileBucket(ba, 99), percentileBucket(bb, 99)],
        });
      }
      return { name, kind: 'hist', ...(only ? { only } : {}), keys: [], hists };
    }
    const keys: KeyDelta[] = [...entries.values()].map(({ key, a: va, b: vb }) => {
      const x = scalar(va);
      const y = scalar(vb);
      const delta = (y ?? 0) - (x ?? 0);
      return { key, before: x, after: y, delta, change: x ? (y ?? 0) / x - 1 : undefined };
    });
    keys.sort((p, q) => Math.abs(q.delta) - Math.abs(p.delta) || String(p.key).localeCompare(String(q.key)));
    return { name, kind: 'scalar', ...(only ? { only } : {}), keys, hists: [] };
  });
}

/** Markdown of a comparison (the results view's Copy as Markdown, the postmortem). */
export function compareMarkdown(deltas: readonly MapDelta[], labels: readonly [string, string]): string {
  const out: string[] = [];
  const fmt = (n: number | undefined): string => (n === undefined ? '–' : String(n));
  const pct = (c: number | undefined): string => (c === undefined ? '' : ` (${c >= 0 ? '+' : ''}${(c * 100).toFixed(1)} %)`);
  for (const d of deltas) {
    out.push(`### ${d.name}${d.only ? ` (only ${d.only === 'before' ? labels[0] : labels[1]})` : ''}`, '');
    if (d.kind === 'hist') {
      for (const h of d.hists) {
        out.push(
          `${h.key !== null ? `**[${h.key}]** ` : ''}total ${h.totalBefore} → ${h.totalAfter}; p50 ${h.p50[0] ?? '–'} → ${h.p50[1] ?? '–'}; p99 ${h.p99[0] ?? '–'} → ${h.p99[1] ?? '–'}`,
          '',
        );
        out.push(`| bucket | ${labels[0]} | ${labels[1]} | Δ |`, '|---|---:|---:|---:|');
        for (const b of h.buckets) out.push(`| ${b.label} | ${b.before} | ${b.after} | ${b.delta >= 0 ? '+' : ''}${b.delta} |`);
        out.push('');
      }
    } else {
      out.push(`| key | ${labels[0]} | ${labels[1]} | Δ |`, '|---|---:|---:|---:|');
      for (const k of d.keys)
        out.push(`| ${k.key ?? '(no key)'} | ${fmt(k.before)} | ${fmt(k.after)} | ${k.delta >= 0 ? '+' : ''}${k.delta}${pct(k.change)} |`);
      out.push('');
    }
  }
  return out.join('\n');
}
