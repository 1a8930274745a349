import type { KnownXlated } from './dumps';
import type { SnapshotParse } from './model';
import { hashText } from './model';
import type { StoredSnapshot } from './store';

/** What `knownFromStore` reads of a snapshot store (its public reading side). */
export interface StoreReader {
  list(node: string): Promise<StoredSnapshot[]>;
  load(file: string): Promise<SnapshotParse>;
  xlated(hash: string): string | undefined;
}

/**
 * The instructions a store already holds for a node, by (tag, xlated size), for `takeSnapshot`'s
 * `known`: the node's latest `depth` readable snapshots taken on the same kernel (the kernel
 * rewrites programs as it loads them) are indexed; a text is read from `objects/` when asked, and
 * used only if it still has its hash.
 */
export async function knownFromStore(store: StoreReader, node: string, kernel: string, depth = 3): Promise<KnownXlated> {
  const index = new Map<string, string>();
  const key = (tag: string, bytes: number): string => `${tag}/${bytes}`;
  const list = await store.list(node);
  let read = 0;
  for (let i = list.length - 1; i >= 0 && read < depth; i--) {
    const r = await store.load((list[i] as StoredSnapshot).path);
    if (!('snapshot' in r)) continue;
    read++;
    if (r.snapshot.kernel !== kernel) continue;
    for (const p of r.snapshot.programs) {
      if (p.bytesXlated === undefined || p.xlatedHash === '' || !p.tag) continue;
      if (!index.has(key(p.tag, p.bytesXlated))) index.set(key(p.tag, p.bytesXlated), p.xlatedHash);
    }
  }
  return (tag, bytes) => {
    const hash = index.get(key(tag, bytes));
    if (hash === undefined) return undefined;
    const text = store.xlated(hash);
    return text !== undefined && hashText(text) === hash ? text : undefined;
  };
}
