import type { Fleet } from '../ssh/fleet';

/**
 * What any other installed extension gets from `getExtension('ebpf-lens.ebpf-lens').exports` in
 * production: read-only facts as plain data, copied at every call. No connection, session, fleet
 * or function that runs anything on a node is reachable from it (SECURITY.md); the e2e suite,
 * running in `ExtensionMode.Test`, gets the whole internal API instead.
 */
export interface NodeFacts {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly tags: readonly string[];
  /** idle | connecting | connected | waiting | failed | closed */
  readonly state: string;
  readonly active: boolean;
  readonly kernel?: string;
  readonly bpftool?: string;
  readonly bpftrace?: string;
  /** why the node cannot be used, when it cannot */
  readonly error?: { readonly kind: string; readonly message: string };
}

export interface EbpfLensPublicApi {
  /** bumped when a field changes meaning */
  readonly apiVersion: 1;
  /** the configured nodes, their state and tool versions */
  nodes(): NodeFacts[];
  /** the name of the active node (the one that runs, completes and annotates), if any */
  activeNode(): string | undefined;
}

/** The documented allow-list, in order (the e2e probe extension compares the exports with it). */
export const PUBLIC_API_KEYS = ['apiVersion', 'nodes', 'activeNode'] as const;

export function publicApi(fleet: Fleet): EbpfLensPublicApi {
  const facts = (): NodeFacts[] =>
    fleet.views().map((v) => ({
      name: v.config.name,
      host: v.config.host,
      port: v.config.port,
      ...(v.config.user !== undefined ? { user: v.config.user } : {}),
      tags: [...v.config.tags],
      state: v.state,
      active: v.active,
      ...(v.info ? { kernel: v.info.kernel } : {}),
      ...(v.info?.bpftool ? { bpftool: v.info.bpftool.version } : {}),
      ...(v.info?.bpftrace ? { bpftrace: v.info.bpftrace.version } : {}),
      ...(v.error ? { error: { kind: v.error.kind, message: v.error.message } } : {}),
    }));
  // plain arrow functions on a frozen object: nothing behind them but copies
  return Object.freeze({
    apiVersion: 1 as const,
    nodes: (): NodeFacts[] => facts(),
    activeNode: (): string | undefined => fleet.activeNode,
  });
}
