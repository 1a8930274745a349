/** Typed views of `bpftool -j` output. Fields a bpftool version does not print are absent. */

export interface BpfPidRef {
  readonly pid: number;
  readonly comm?: string;
}

export interface BpfProgram {
  readonly id: number;
  readonly type: string;
  readonly name: string;
  readonly tag: string;
  readonly gplCompatible?: boolean;
  /** seconds since the epoch (bpftool -j prints an integer) */
  readonly loadedAt?: number;
  readonly uid?: number;
  readonly bytesXlated?: number;
  readonly jited?: boolean;
  readonly bytesJited?: number;
  readonly bytesMemlock?: number;
  readonly mapIds: readonly number[];
  readonly btfId?: number;
  readonly pinned: readonly string[];
  /** owning processes, when this bpftool can tell (built with skeletons) */
  readonly pids: readonly BpfPidRef[];
  readonly runTimeNs?: number;
  readonly runCnt?: number;
  readonly recursionMisses?: number;
  readonly orphaned?: boolean;
  /** bpf_metadata_* values (`metadata` object in bpftool ≥ 5.10) */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** every field as bpftool printed it, for "Show JSON" and tooltips */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface BpfMap {
  readonly id: number;
  readonly type: string;
  readonly name: string;
  readonly flags?: number;
  readonly bytesKey?: number;
  readonly bytesValue?: number;
  readonly maxEntries?: number;
  readonly bytesMemlock?: number;
  readonly frozen?: boolean;
  readonly btfId?: number;
  readonly pinned: readonly string[];
  readonly pids: readonly BpfPidRef[];
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface BpfLink {
  readonly id: number;
  readonly type: string;
  readonly progId?: number;
  /** a one-line description of where the link attaches, when this bpftool prints it */
  readonly target?: string;
  readonly pinned: readonly string[];
  readonly pids: readonly BpfPidRef[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One entry of `bpftool -j net`: xdp, tc, flow_dissector, netfilter, … */
export interface NetAttachment {
  readonly kind: string;
  readonly progId?: number;
  readonly devname?: string;
  readonly ifindex?: number;
  /** xdp mode (driver, generic, offload) or tc direction (ingress, egress) */
  readonly mode?: string;
  readonly name?: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One entry of `bpftool -j perf`: a perf-event attachment held by a process's fd. */
export interface PerfAttachment {
  readonly pid: number;
  readonly fd: number;
  readonly progId: number;
  readonly fdType: string;
  readonly target?: string;
  readonly raw: Readonly<Record<string, unknown>>;
}
