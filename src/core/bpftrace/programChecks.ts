import type { Expr, Span, TopItem } from './ast';
import type { Report, VersionCheck } from './attachPoints';
import type { Version } from './catalog';
import { CONFIG_KEYS, NEWEST, versionAtLeast, versionText } from './catalog';
import type { MapWrite, ValueKind } from './kinds';
import type { MapKeyShapes } from './mapKeys';
import { isPointer } from './mapKeys';

/**
 * Checks bpftrace makes on the whole program, which the analyser can make with certainty: config
 * keys and the license, unroll's bounds, maps read but never assigned, a map given values of two
 * types, and functions that need a map with keys given one without.
 */

/** the licenses the kernel calls GPL-compatible: bpftrace 0.25+ takes no other */
const GPL_COMPATIBLE = ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'];

export function checkConfig(item: Extract<TopItem, { kind: 'config' }>, target: Version, report: Report, checkVersion: VersionCheck): void {
  for (const e of item.entries) {
    const key = e.key.toLowerCase().replace(/^bpftrace_/, '');
    const k = CONFIG_KEYS.find((c) => c.name === key);
    // every release refuses a key it does not know; one newer than this catalog may know more
    if (!k) report(e, versionAtLeast(NEWEST, target) ? 'error' : 'warning', 'unknownConfig', `unknown config key '${e.key}'`);
    else checkVersion(e, k.since, `config key ${k.name}`, k.until);
    if (k?.name === 'license' && versionAtLeast(target, [0, 25]) && !GPL_COMPATIBLE.includes(e.value))
      report(
        e,
        'error',
        'config',
        `license "${e.value}" is not GPL-compatible: bpftrace ${versionText(target)} takes ${GPL_COMPATIBLE.map((l) => `"${l}"`).join(', ')}`,
      );
  }
}

/** unroll(N): a literal count from 1 to 100 */
export function checkUnroll(count: Expr, report: Report): void {
  if (count.kind !== 'int' || count.duration) return;
  const n = Number(count.text.replace(/_/g, ''));
  if (n < 1) report(count, 'error', 'unroll', 'unroll takes at least 1');
  else if (n > 100) report(count, 'error', 'unroll', 'unroll takes at most 100');
}

export interface MapFacts {
  readonly defs: readonly Span[];
  readonly refs: readonly Span[];
}

/** maps read and never assigned (bpftrace: "Undefined map") */
export function undefinedMaps(maps: ReadonlyMap<string, MapFacts>, report: Report): void {
  for (const [name, m] of maps) {
    const first = m.refs[0];
    if (m.defs.length === 0 && first) report(first, 'error', 'undefinedMap', `${name} is used but never assigned a value`);
  }
}

const describe = (k: ValueKind): string => (k.cls === 'aggregate' ? `${k.fn ?? 'an aggregation'}()` : k.what);

/** A map given an integer in one place and a string (or an aggregation, or another aggregation) in another. */
export function valueTypeClashes(writes: ReadonlyMap<string, readonly MapWrite[]>, line: (offset: number) => number, report: Report): void {
  for (const [name, ws] of writes) {
    const first = ws.find((w) => w.kind);
    const k = first?.kind;
    if (!first || !k) continue;
    const clash = ws.find((w) => w.kind && (w.kind.cls !== k.cls || w.kind.fn !== k.fn) && certain(w.kind, k));
    if (clash?.kind)
      report(
        clash.at,
        'error',
        'mapValue',
        `${name} is given ${describe(clash.kind)} here but ${describe(first.kind)} on line ${line(first.at.start)}`,
      );
  }
}

/** integers and the text kinds are distinct types in every release; so are two aggregations */
function certain(a: ValueKind, b: ValueKind): boolean {
  const classes = new Set([a.cls, b.cls]);
  return !(classes.has('text') && classes.has('buffer'));
}

/** `args.f` (0.19; `args->f` before), `.` on a pointer (0.25; `->` before), and `$t.N` past the end of the tuple in `$t` */
export function checkField(e: Extract<Expr, { kind: 'field' }>, vars: MapKeyShapes, report: Report, checkVersion: VersionCheck): void {
  if (e.object.kind === 'ident' && e.object.name === 'args' && !e.arrow) checkVersion(e, [0, 19], 'args.field (args->field before 0.19)');
  const pointer = isPointer(e.object) || (e.object.kind === 'var' && vars.holdsPointer(e.object.name));
  if (pointer && !e.arrow) checkVersion(e, [0, 25], '. on a pointer (-> before 0.25)');
  const tupleArity = (v: string): number | undefined => vars.tupleArity(v);
  if (e.object.kind === 'var' && /^\d+$/.test(e.field)) {
    const n = tupleArity(e.object.name);
    if (n !== undefined && Number(e.field) >= n)
      report(e, 'error', 'tupleIndex', `${e.object.name} holds ${n} elements: .${e.field} is out of range`);
  }
}
