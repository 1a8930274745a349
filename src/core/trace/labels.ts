/**
 * Readable names for the keys of the library's one-liners: `@xdp_exceptions[1636,0,4]` reads as
 * `xdp_edge (1636) · XDP_ABORTED · inc0` when the node's listing names program 1636 and
 * interface 4. Only maps whose key parts the one-liner fixes are labelled; a number the listing
 * does not know stays a number.
 */

/** What the node's listing says: program names by id, interface names by ifindex. */
export interface NodeFacts {
  readonly programs: ReadonlyMap<number, string>;
  readonly interfaces: ReadonlyMap<number, string>;
}

/** enum xdp_action (include/uapi/linux/bpf.h) */
export const XDP_ACTIONS: readonly string[] = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];

type Part = (value: string, facts: NodeFacts) => string;

const program: Part = (v, f) => {
  const name = f.programs.get(Number(v));
  return name ? `${name} (${v})` : `prog ${v}`;
};
const xdpAction: Part = (v) => XDP_ACTIONS[Number(v)] ?? `action ${v}`;
const iface: Part = (v, f) => f.interfaces.get(Number(v)) ?? `ifindex ${v}`;

/** map name → its key's parts, for the one-liners of core/trace/library.ts */
const KNOWN: ReadonlyMap<string, { readonly marker: string; readonly parts: readonly Part[] }> = new Map([
  ['@xdp_exceptions', { marker: 'tracepoint:xdp:xdp_exception', parts: [program, xdpAction, iface] }],
]);

/**
 * A labeller for the maps of one script, or undefined when none of its maps is one the library
 * labels. The script must contain the one-liner's probe: a user's own map of that name is not
 * guessed at.
 */
export function keyLabeller(script: string): ((map: string, key: string, facts: NodeFacts) => string | undefined) | undefined {
  const known = [...KNOWN].filter(([, k]) => script.includes(k.marker));
  if (known.length === 0) return undefined;
  const byMap = new Map(known);
  return (map, key, facts) => {
    const k = byMap.get(map);
    if (!k) return undefined;
    const values = key.split(',');
    if (values.length !== k.parts.length || !values.every((v) => /^-?\d+$/.test(v))) return undefined;
    return values.map((v, i) => (k.parts[i] as Part)(v, facts)).join(' · ');
  };
}
