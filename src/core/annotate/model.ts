import type { ProgramStats } from '../nodes/stats';
import { compact, duration } from '../nodes/stats';
import { histText } from '../trace/format';
import type { HistBucket } from '../trace/output';
import type { HelperCall } from './helpers';
import { estimateText } from './helpers';

/**
 * What an annotated source file shows, independent of VS Code: per function (or probe block) a
 * count, a rate, its share, a heat bucket, the end-of-line text and the hover's Markdown.
 */

export type AnnotationKind = 'uprobe' | 'bpf' | 'bpftrace';

export interface HelperEstimate extends HelperCall {
  /** ~calls per second (straight path), or at most / at least that */
  readonly perSec?: number;
}

export interface FunctionAnnotation {
  /** identity across edits: the function's qualified name (or `probe:N` for a bpftrace block) */
  readonly key: string;
  /** the name shown */
  readonly label: string;
  /** 0-based line of the name when measured (annotations re-anchor by key on edits) */
  readonly line: number;
  /** calls (runs, fires) in the window */
  readonly count?: number;
  /** per second over the window */
  readonly rate?: number;
  /** of everything counted in this file, 0..1 */
  readonly share?: number;
  readonly latency?: { readonly hist: readonly HistBucket[]; readonly count: number; readonly avgNs: number };
  /** BPF programs behind a BPF C function, with their run stats */
  readonly programs?: readonly {
    readonly id: number;
    readonly name: string;
    readonly tag: string;
    readonly type: string;
    readonly stats?: ProgramStats;
  }[];
  readonly helpers?: readonly HelperEstimate[];
  readonly symbols?: readonly string[];
  /** why there is no number (not in the binary, no program loaded under that name …) */
  readonly note?: string;
  /** a bpftrace block run after its filter: counts are of its actions */
  readonly filtered?: boolean;
}

export interface FileAnnotations {
  readonly kind: AnnotationKind;
  readonly node: string;
  readonly windowSec: number;
  /** when the window ended (ms since the epoch) */
  readonly at: number;
  readonly binary?: string;
  readonly items: readonly FunctionAnnotation[];
  /** the run these came from (results view), when there is one */
  readonly session?: string;
  /** what limited the measurement (too many functions, symbols bpftrace cannot name …) */
  readonly notes?: readonly string[];
}

export const HEAT_BUCKETS = 6;

/** each bucket spans half a decade of rates (×3.16) */
export const BUCKET_DECADES = 0.5;

/**
 * Log-scale heat relative to the file's hottest line: rates within ×3.16 of the hottest are
 * bucket 6, each half decade below one less, down to 1 (everything 300× colder or more); 0 for
 * nothing (rate 0 or not measured).
 */
export function heatBucket(rate: number | undefined, max: number): number {
  if (rate === undefined || !(rate > 0) || !(max > 0)) return 0;
  const steps = Math.floor(Math.log10(max / rate) / BUCKET_DECADES + 1e-9);
  return Math.max(1, Math.min(HEAT_BUCKETS, HEAT_BUCKETS - steps));
}

/** `12.4k/s · 31%` */
export function lineText(a: FunctionAnnotation, kind: AnnotationKind): string {
  if (a.rate === undefined) return a.note ? `— ${a.note}` : '';
  const parts = [`${compact(a.rate)}/s`];
  if (kind === 'bpf') {
    const s = a.programs?.find((p) => p.stats)?.stats;
    if (s?.avgNs !== undefined) parts.push(duration(s.avgNs));
    if (s) parts.push(`${s.cpuPercent < 0.01 && s.cpuPercent > 0 ? '<0.01' : s.cpuPercent.toFixed(s.cpuPercent < 10 ? 2 : 1)}% CPU`);
  } else if (a.share !== undefined && a.share > 0)
    parts.push(`${a.share >= 0.995 ? 100 : a.share < 0.01 ? '<1' : Math.round(a.share * 100)}%`);
  if (a.latency && a.latency.count > 0) parts.push(`avg ${duration(a.latency.avgNs)}`);
  return parts.join(' · ');
}

/** An annotation for each item, with shares and helper estimates filled in. */
export function withShares(items: readonly FunctionAnnotation[]): FunctionAnnotation[] {
  const total = items.reduce((t, a) => t + (a.count ?? 0), 0);
  return items.map((a) => ({ ...a, ...(a.count !== undefined && total > 0 ? { share: a.count / total } : {}) }));
}

export function helperEstimates(helpers: readonly HelperCall[], eventsPerSec: number | undefined): HelperEstimate[] {
  return helpers.map((h) => ({ ...h, ...(eventsPerSec !== undefined ? { perSec: eventsPerSec } : {}) }));
}

export interface HoverLinks {
  readonly remeasure?: string;
  readonly latency?: string;
  readonly results?: string;
  readonly toggle?: string;
}

const esc = (s: string): string => s.replace(/([\\`*_{}[\]()#+!|<>~])/g, '\\$1');

/** The hover of one annotated function, as Markdown (command links given by the caller). */
export function hoverMarkdown(a: FunctionAnnotation, f: FileAnnotations, links: HoverLinks = {}): string {
  const out: string[] = [];
  const what = f.kind === 'bpf' ? 'BPF program' : f.kind === 'bpftrace' ? 'probe' : 'function';
  out.push(`**${esc(a.label)}** — ${what} on \`${f.node}\``);
  if (a.note && a.rate === undefined) out.push('', esc(a.note));
  if (a.rate !== undefined) {
    const rows: string[] = ['| | |', '|---|---|'];
    if (a.count !== undefined)
      rows.push(
        `| ${f.kind === 'bpftrace' ? (a.filtered ? 'ran (after its filter)' : 'fired') : f.kind === 'bpf' ? 'runs' : 'calls'} | ${a.count.toLocaleString('en-US')} |`,
      );
    rows.push(`| rate | ${compact(a.rate)}/s |`);
    if (a.share !== undefined) rows.push(`| share of this file | ${(a.share * 100).toFixed(a.share < 0.1 ? 1 : 0)} % |`);
    for (const p of a.programs ?? []) {
      if (!p.stats) continue;
      rows.push(
        `| program #${p.id} (${esc(p.name)}, tag ${p.tag.slice(0, 12)}) | ${compact(p.stats.eventsPerSec)} runs/s${p.stats.avgNs !== undefined ? ` · avg ${duration(p.stats.avgNs)}` : ''} · ${p.stats.cpuPercent > 0 && p.stats.cpuPercent < 0.01 ? '<0.01' : p.stats.cpuPercent.toFixed(2)} % CPU |`,
      );
    }
    if (a.latency && a.latency.count > 0)
      rows.push(`| latency | avg ${duration(a.latency.avgNs)} over ${a.latency.count.toLocaleString('en-US')} calls |`);
    out.push('', ...rows);
  }
  if (a.latency && a.latency.hist.length > 0) out.push('', '```text', histText(a.latency.hist, 30), '```');
  if (a.helpers && a.helpers.length > 0) {
    out.push('', '**Helper calls** (from the xlated code):', '');
    for (const h of a.helpers) {
      const rate =
        h.perSec !== undefined
          ? ` — ${h.placement === 'straight' ? '≈' : h.placement === 'branch' ? '≤' : '≥'} ${compact(h.perSec)}/s`
          : '';
      const where = h.line !== undefined ? ` (line ${h.line})` : '';
      out.push(
        `- \`${h.name}\`${where}: ${estimateText(h.placement)}${rate}${h.subprogram !== undefined ? ` (in a subprogram at insn ${h.subprogram})` : ''}`,
      );
    }
  }
  if (a.symbols && a.symbols.length > 1)
    out.push(
      '',
      `Symbols: ${a.symbols
        .slice(0, 8)
        .map((s) => `\`${s}\``)
        .join(', ')}${a.symbols.length > 8 ? ` and ${a.symbols.length - 8} more` : ''}`,
    );
  const when = new Date(f.at).toLocaleTimeString('en-GB');
  out.push(
    '',
    `_${f.kind === 'bpf' ? `run stats over ${f.windowSec.toFixed(1)} s` : `measured over ${f.windowSec.toFixed(1)} s`}${f.binary ? ` in \`${f.binary}\`` : ''} · ${when}_`,
  );
  const acts = [
    links.remeasure ? `[Measure again](${links.remeasure})` : '',
    links.latency ? `[Measure latency](${links.latency})` : '',
    links.results ? `[Open results](${links.results})` : '',
    links.toggle ? `[Hide](${links.toggle})` : '',
  ].filter(Boolean);
  if (acts.length) out.push('', acts.join(' · '));
  return out.join('\n');
}

/** Re-anchor annotations after an edit: each goes to the line its key's function is on now. */
export function reanchor(items: readonly FunctionAnnotation[], lines: ReadonlyMap<string, number>): FunctionAnnotation[] {
  return items.flatMap((a) => {
    const l = lines.get(a.key);
    return l === undefined ? [] : [{ ...a, line: l }];
  });
}

/** What to draw: the lines of each heat bucket, and the end-of-line texts. */
export interface DecorationPlan {
  /** index = bucket (1..HEAT_BUCKETS) → 0-based lines */
  readonly buckets: readonly (readonly number[])[];
  readonly texts: readonly { readonly line: number; readonly text: string }[];
}

/**
 * The decorations of a file's annotations. For a BPF C file whose helper calls carry line info
 * (`linum`) from this same file (`docName`), each call's line also gets its estimate.
 */
export function decorationPlan(f: FileAnnotations, docName?: string): DecorationPlan {
  const max = f.items.reduce((m, a) => Math.max(m, a.rate ?? 0), 0);
  const buckets: number[][] = Array.from({ length: HEAT_BUCKETS + 1 }, () => []);
  const texts = new Map<number, string>();
  const addText = (line: number, t: string): void => {
    if (t === '') return;
    const was = texts.get(line);
    texts.set(line, was ? `${was}  ${t}` : t);
  };
  for (const a of f.items) {
    const b = heatBucket(a.rate, max);
    if (b > 0) buckets[b]?.push(a.line);
    addText(a.line, lineText(a, f.kind));
    if (f.kind === 'bpf' && docName) {
      for (const h of a.helpers ?? []) {
        if (h.line === undefined || h.line < 1 || !h.file || baseName(h.file) !== docName) continue;
        const sign = h.placement === 'straight' ? '≈' : h.placement === 'branch' ? '≤' : '≥';
        addText(h.line - 1, h.perSec !== undefined ? `${h.name} ${sign} ${compact(h.perSec)}/s` : `${h.name} (${h.placement})`);
      }
    }
  }
  return { buckets, texts: [...texts.entries()].sort((x, y) => x[0] - y[0]).map(([line, text]) => ({ line, text })) };
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
