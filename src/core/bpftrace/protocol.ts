/**
 * Custom messages between the bpftrace language client (extension) and server, shared by both.
 * Plain types: no vscode, no vscode-languageserver.
 */

/** client → server: what the active node runs (its bpftrace version sets the target). */
export const TargetNotification = { method: 'ebpfLens/target' } as const;
export interface TargetParams {
  readonly node?: string;
  readonly bpftraceVersion?: string;
}

/** server → client: attach points matching a pattern on the active node (`bpftrace -l`), cached per node and boot. */
export const ListProbesRequest = { method: 'ebpfLens/listProbes' } as const;
export interface ListProbesParams {
  readonly pattern: string;
  /** `-lv`: fields and arguments too */
  readonly verbose?: boolean;
}
export type ListProbesResult =
  { readonly node: string; readonly lines: readonly string[]; readonly truncated: boolean } | { readonly error: string };

/** server → client: format with the node's own `bpftrace --fmt` (0.25+), if there is one. */
export const NodeFormatRequest = { method: 'ebpfLens/nodeFormat' } as const;
export interface NodeFormatParams {
  readonly text: string;
}
export type NodeFormatResult = { readonly text: string } | { readonly error: string } | { readonly unavailable: true };
