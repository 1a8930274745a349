import type * as vscode from 'vscode';
import { errorMessage } from '../../core/base/errors';
import { formatCommand, listProbesCommand } from '../../core/bpftrace/nodeTools';
import type { ListProbesParams, ListProbesResult, NodeFormatParams, NodeFormatResult } from '../../server/protocol';
import type { Fleet } from '../../ssh/fleet';

/** at most this many `bpftrace -l` answers are kept */
const MAX_CACHED = 200;

/**
 * What the language server asks the active node through the extension: probe lists (for
 * completion and hover), cached per node, boot and pattern (a reboot may bring another kernel),
 * and `bpftrace --fmt`.
 */
export class NodeRequests {
  private readonly probeCache = new Map<string, Promise<ListProbesResult>>();

  constructor(
    private readonly fleet: Fleet,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** forget every probe list (the server restarts) */
  clear(): void {
    this.probeCache.clear();
  }

  listProbes = async (p: ListProbesParams): Promise<ListProbesResult> => {
    const { fleet, probeCache } = this;
    const node = fleet.activeNode;
    if (!node) return { error: 'no active node' };
    const nc = fleet.client(node);
    if (!nc) return { error: `${node} is not connected` };
    const key = `${node}\0${nc.info.bootId}\0${p.verbose ? 'v' : ''}\0${p.pattern}`;
    let r = probeCache.get(key);
    if (!r) {
      r = fleet.run(node, listProbesCommand(p.pattern, p.verbose)).then(
        (l) => ({ node, lines: l.lines, truncated: l.truncated }),
        (e: unknown) => {
          probeCache.delete(key);
          this.log.warn(`bpftrace -l ${p.pattern} on ${node}: ${errorMessage(e)}`);
          return { error: errorMessage(e) };
        },
      );
      probeCache.set(key, r);
      if (probeCache.size > MAX_CACHED) probeCache.delete(probeCache.keys().next().value as string);
    }
    return r;
  };

  nodeFormat = async (p: NodeFormatParams): Promise<NodeFormatResult> => {
    const node = this.fleet.activeNode;
    if (!node || !this.fleet.client(node)) return { unavailable: true };
    try {
      return await this.fleet.run(node, formatCommand(p.text));
    } catch (e) {
      return { error: errorMessage(e) };
    }
  };
}
