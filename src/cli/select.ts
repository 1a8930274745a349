import type { NodeConfig } from '../core/inventory/inventory';
import type { CliIO, ConnectOptions, Inventory, InvalidNode } from './common';
import { UsageError, connectContext, loadInventory } from './common';

export interface NodeChoice {
  /** --node, repeatable, each NAME[,NAME...] */
  readonly node?: readonly string[] | undefined;
  /** --tag, repeatable: the nodes carrying any of these tags */
  readonly tag?: readonly string[] | undefined;
  readonly all?: boolean | undefined;
}

export interface Selection {
  /** in the order given (names first, then tags), each once */
  readonly nodes: NodeConfig[];
  /** named (or --all) entries of the inventory that could not be read: reported as failed nodes */
  readonly invalid: InvalidNode[];
}

const words = (list: readonly string[] | undefined): string[] =>
  (list ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');

/**
 * The nodes a command works on: `--node a,b --node c`, `--tag edge`, or `--all`. An unknown
 * name or a tag no node has is a usage error naming what is known; an entry of the inventory
 * that is known by name but could not be read is a failed node, as an unreachable one is.
 */
export function selectNodes(inv: Inventory, choice: NodeChoice, allowAll = true): Selection {
  const names = words(choice.node);
  const tags = words(choice.tag);
  const how = `--node NAME[,NAME...]${tags.length > 0 || allowAll ? ', --tag TAG' : ''}${allowAll ? ' or --all' : ''}`;
  if (choice.all && (names.length > 0 || tags.length > 0)) throw new UsageError(`give ${how}: --all lists every node by itself`);
  if (!choice.all && names.length === 0 && tags.length === 0) throw new UsageError(`give ${how}`);
  if (choice.all) {
    if (inv.nodes.length === 0 && inv.invalid.length === 0) throw new UsageError('no nodes: the inventory is empty');
    return { nodes: [...inv.nodes], invalid: [...inv.invalid] };
  }
  const known = [...inv.nodes.map((n) => n.name), ...inv.invalid.map((n) => n.name)];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown node${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: ${known.join(', ') || 'none'})`,
    );
  }
  const allTags = [...new Set(inv.nodes.flatMap((n) => n.tags))].sort();
  const unmatched = tags.filter((t) => !allTags.includes(t));
  if (unmatched.length > 0) {
    throw new UsageError(
      `no node has the tag${unmatched.length > 1 ? 's' : ''} ${unmatched.map((t) => JSON.stringify(t)).join(', ')} (tags: ${allTags.join(', ') || 'none'})`,
    );
  }
  const chosen = new Set<string>([...names, ...inv.nodes.filter((n) => n.tags.some((t) => tags.includes(t))).map((n) => n.name)]);
  return {
    nodes: [...chosen].flatMap((n) => inv.nodes.filter((x) => x.name === n)),
    invalid: [...chosen].flatMap((n) => inv.invalid.filter((x) => x.name === n)),
  };
}

/** One exit code for several nodes: each node's own when all agree, 5 when some failed. */
export function fleetExit(codes: readonly number[], ok: number, some: number): number {
  const failed = codes.filter((c) => c !== ok);
  if (failed.length === 0) return ok;
  if (codes.length === 1 || (failed.length === codes.length && new Set(failed).size === 1)) return failed[0] ?? some;
  return some;
}

/**
 * What every command that works on nodes does first: the inventory (its warnings said), the nodes
 * chosen, and how to connect to them.
 */
export function openSelection(
  values: NodeChoice & ConnectOptions & { readonly config?: string | undefined },
  timeoutS: number,
  io: CliIO,
  allowAll = true,
) {
  const inv = loadInventory(values.config);
  for (const w of inv.warnings) io.err(`warning: ${w}`);
  const sel = selectNodes(inv, values, allowAll);
  return { inv, sel, ctx: connectContext(values, inv, timeoutS, io) };
}
