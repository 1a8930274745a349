import type { Version } from '../core/bpftrace/catalog';
import { NEWEST, parseVersion } from '../core/bpftrace/catalog';
import type { TargetParams } from './protocol';

/** The bpftrace a script is checked against: the active node's, or the newest known. */
export interface Target {
  readonly node?: string | undefined;
  readonly version: Version;
  /** the version is the active node's (not the default) */
  readonly fromNode: boolean;
}

export const DEFAULT_TARGET: Target = { version: NEWEST, fromNode: false };

/** The target the client names: a node whose version is unknown is checked against the newest. */
export function targetOf(p: TargetParams): Target {
  const v = p.bpftraceVersion ? parseVersion(p.bpftraceVersion) : undefined;
  return v ? { node: p.node, version: v, fromNode: true } : { node: p.node, version: NEWEST, fromNode: false };
}
