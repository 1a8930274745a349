import type { ScriptDiagnostic } from './diagnostics';
import type { MapSnapshot, TraceRecord, Value } from './output';

/** Bounds on what a trace keeps: the rest is dropped, oldest first, and counted. */
export interface TraceLimits {
  /** printf/time/value/text records accepted per second (more are dropped and counted) */
  readonly maxEventsPerSec: number;
  /** lines of printf output kept */
  readonly maxLines: number;
  /** bytes of printf output kept */
  readonly maxBytes: number;
}

/** maps whose name starts with this are eBPF Lens's own (probe-hit counts), not the script's */
export const HIDDEN_MAP_PREFIX = '@__ebpf_lens_';

export function isHiddenMap(name: string): boolean {
  return name.startsWith(HIDDEN_MAP_PREFIX);
}

export const DEFAULT_LIMITS: TraceLimits = { maxEventsPerSec: 200_000, maxLines: 20_000, maxBytes: 8 << 20 };

export interface OutputLine {
  /** ms since the trace started */
  readonly t: number;
  readonly text: string;
}

export interface ResultsSnapshot {
  readonly attachedProbes: number | undefined;
  /** ms after the start when bpftrace said its probes were attached */
  readonly attachedAt?: number;
  /** eBPF Lens's own maps in the script (probe-hit counts): never shown as the script's */
  readonly hidden?: readonly MapSnapshot[];
  readonly lines: readonly OutputLine[];
  readonly maps: readonly MapSnapshot[];
  readonly values: readonly Value[];
  readonly events: number;
  /** dropped by eBPF Lens: over the rate limit, or pushed out of the kept lines/bytes */
  readonly droppedByRate: number;
  readonly droppedOldest: number;
  /** lost by bpftrace itself (lost_events records: its buffers overflowed) */
  readonly lostByBpftrace: number;
  readonly helperErrors: number;
  readonly diagnostics: readonly ScriptDiagnostic[];
}

/** The bounded results of one trace, updated record by record. */
export class TraceResults {
  private lines: OutputLine[] = [];
  private head = 0;
  private bytes = 0;
  private readonly maps = new Map<string, MapSnapshot>();
  private readonly hidden = new Map<string, MapSnapshot>();
  private readonly values: Value[] = [];
  attachedProbes: number | undefined;
  attachedAt: number | undefined;
  events = 0;
  droppedByRate = 0;
  droppedOldest = 0;
  lostByBpftrace = 0;
  helperErrors = 0;
  readonly diagnostics: ScriptDiagnostic[] = [];
  private second = -1;
  private inSecond = 0;
  /** output lines accepted so far (kept or since pushed out): the sequence number of the next */
  private seq = 0;
  /** bumped whenever a map is printed (a view re-sends maps only when this moved) */
  mapsVersion = 0;
  /** the start of a line not ended yet, and when it started */
  private partial = '';
  private partialT: number | undefined;

  constructor(readonly limits: TraceLimits = DEFAULT_LIMITS) {}

  /** Add one record at time t (ms since start). Answers false when it was dropped. */
  add(r: TraceRecord, t: number): boolean {
    switch (r.type) {
      case 'attached':
        this.attachedProbes = r.probes;
        this.attachedAt ??= t;
        return true;
      case 'map':
        if (isHiddenMap(r.map.name)) {
          this.hidden.set(r.map.name, r.map);
          return true;
        }
        this.maps.set(r.map.name, r.map);
        this.mapsVersion++;
        return true;
      case 'lost':
        this.lostByBpftrace += r.count;
        return true;
      case 'helperError':
        this.helperErrors++;
        if (this.diagnostics.length < 100)
          this.diagnostics.push({
            severity: 'warning',
            message: `${r.helper}: ${r.message}`,
            ...(r.line !== undefined ? { line: r.line } : {}),
          });
        return true;
      case 'diagnostic':
        if (this.diagnostics.length < 100) {
          this.diagnostics.push({
            severity: r.severity,
            message: r.message,
            ...(r.line !== undefined ? { line: r.line } : {}),
            ...(r.col !== undefined ? { col: r.col } : {}),
          });
        }
        return true;
      case 'unknown':
        return true;
      default:
        break;
    }
    // printf, time, text, value: events, rate-limited and bounded
    this.events++;
    const s = Math.floor(t / 1000);
    if (s !== this.second) {
      this.second = s;
      this.inSecond = 0;
    }
    if (++this.inSecond > this.limits.maxEventsPerSec) {
      this.droppedByRate++;
      return false;
    }
    if (r.type === 'value') {
      this.values.push(r.value);
      if (this.values.length > 1000) this.values.shift();
      return true;
    }
    // output is kept as lines: a record may hold several lines, or part of one (time() and a
    // printf without a newline continue on the next record's line)
    const startT = this.partial !== '' ? (this.partialT ?? t) : t;
    const parts = (this.partial + r.text).split('\n');
    const rest = parts.pop() ?? '';
    parts.forEach((p, i) => this.pushLine(i === 0 ? startT : t, `${p}\n`));
    this.partial = rest;
    this.partialT = rest === '' ? undefined : parts.length === 0 ? startT : t;
    // output that never ends its line is still bounded
    if (this.partial.length > 65_536) this.flush();
    return true;
  }

  private pushLine(t: number, text: string): void {
    this.lines.push({ t, text });
    this.seq++;
    this.bytes += text.length;
    while (
      this.lines.length - this.head > this.limits.maxLines ||
      (this.bytes > this.limits.maxBytes && this.lines.length - this.head > 1)
    ) {
      const old = this.lines[this.head++];
      this.bytes -= old?.text.length ?? 0;
      this.droppedOldest++;
    }
    // compact the array now and then (amortised O(1))
    if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  /** The end of the output: a last line without a newline becomes a line. */
  flush(): void {
    if (this.partial !== '') this.pushLine(this.partialT ?? 0, this.partial);
    this.partial = '';
    this.partialT = undefined;
  }

  /**
   * Lines accepted since sequence number `from` (at most `max`, the newest), for a view that
   * follows the output: `next` is where to ask from next time, `skipped` what it will never see
   * (pushed out of the kept lines, or over `max`).
   */
  linesSince(from: number, max = Infinity): { lines: OutputLine[]; next: number; skipped: number } {
    const kept = this.lines.length - this.head;
    const firstSeq = this.seq - kept;
    let start = Math.max(from, firstSeq);
    if (this.seq - start > max) start = this.seq - max;
    const lines = this.lines.slice(this.head + (start - firstSeq));
    return { lines, next: this.seq, skipped: Math.max(0, start - from) };
  }

  map(name: string): MapSnapshot | undefined {
    return this.maps.get(name) ?? this.hidden.get(name);
  }

  snapshot(): ResultsSnapshot {
    return {
      attachedProbes: this.attachedProbes,
      ...(this.attachedAt !== undefined ? { attachedAt: this.attachedAt } : {}),
      ...(this.hidden.size ? { hidden: [...this.hidden.values()] } : {}),
      lines:
        this.partial !== '' ? [...this.lines.slice(this.head), { t: this.partialT ?? 0, text: this.partial }] : this.lines.slice(this.head),
      maps: [...this.maps.values()],
      values: [...this.values],
      events: this.events,
      droppedByRate: this.droppedByRate,
      droppedOldest: this.droppedOldest,
      lostByBpftrace: this.lostByBpftrace,
      helperErrors: this.helperErrors,
      diagnostics: [...this.diagnostics],
    };
  }

  /** Memory held (bytes of kept output), for the bounds check. */
  get keptBytes(): number {
    return this.bytes;
  }
}
