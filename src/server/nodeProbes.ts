import type { Connection } from 'vscode-languageserver/node';
import type { AttachPoint } from '../core/bpftrace/ast';
import { versionAtLeast } from '../core/bpftrace/catalog';
import { probeType } from '../core/bpftrace/probeTypes';
import type { DocumentCache } from './documentCache';
import type { ListProbesResult } from './protocol';
import { request } from './protocol';
import type { Target } from './target';

/**
 * What only a node can answer: its attach point listings. The server asks the extension (it
 * holds the SSH connections); unit tests give a listing of their own.
 */
export interface NodeProbes {
  /** `bpftrace -l PATTERN` (`-lv` when verbose) on the active node; undefined when no node is active */
  list(pattern: string, verbose?: boolean): Promise<ListProbesResult | undefined>;
}

/** The active node's listings, asked of the client. */
export function clientProbes(connection: Connection, cache: DocumentCache): NodeProbes {
  return {
    async list(pattern, verbose) {
      if (!cache.target.node) return undefined;
      return request(connection, 'ebpfLens/listProbes', { pattern, ...(verbose ? { verbose } : {}) });
    },
  };
}

/** What provider to ask the node for, from what was typed (aliases resolved; kfunc before 0.20). */
export function listProvider(provider: string, target: Target): string | undefined {
  const t = probeType(provider);
  if (!t) return undefined;
  switch (t.name) {
    case 'tracepoint':
    case 'rawtracepoint':
    case 'kprobe':
    case 'uprobe':
    case 'usdt':
      return t.name;
    case 'kretprobe':
      return 'kprobe';
    case 'uretprobe':
      return 'uprobe';
    case 'fentry':
    case 'fexit':
    case 'kfunc':
    case 'kretfunc':
      return versionAtLeast(target.version, [0, 20]) ? 'fentry' : 'kfunc';
    default:
      return undefined;
  }
}

/** Canonical `bpftrace -l` pattern for a wildcard attach point (aliases resolved), or undefined. */
export function listPattern(ap: AttachPoint, target: Target): string | undefined {
  const t = probeType(ap.provider);
  if (!t) return undefined;
  const prov =
    t.name === 'kretprobe'
      ? 'kretprobe'
      : t.name === 'uretprobe'
        ? 'uretprobe'
        : t.name === 'fexit' || t.name === 'kretfunc'
          ? versionAtLeast(target.version, [0, 20])
            ? 'fexit'
            : 'kretfunc'
          : listProvider(ap.provider, target);
  return prov ? `${prov}:${ap.parts.join(':')}` : undefined;
}
