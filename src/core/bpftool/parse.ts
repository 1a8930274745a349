import type { ParseIssue, Parsed } from '../base/result';
import type { BpfLink, BpfMap, BpfPidRef, BpfProgram, NetAttachment, PerfAttachment } from './types';

/**
 * Parsers for `bpftool -j …` output. They never throw: a document that cannot be read gives an
 * empty value and a document-level error; an entry that cannot be read is skipped with an
 * error naming its index, and the other entries are kept.
 */

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function num(o: Obj, k: string): number | undefined {
  const v = o[k];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}
function str(o: Obj, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}
function bool(o: Obj, k: string): boolean | undefined {
  const v = o[k];
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  return undefined;
}
function nums(o: Obj, k: string): number[] {
  const v = o[k];
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}
function strs(o: Obj, k: string): string[] {
  const v = o[k];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
/** pinned paths, each once: bpftool 7.8 prints a path twice when bpffs is mounted twice over it */
function pinnedPaths(o: Obj): string[] {
  return [...new Set(strs(o, 'pinned'))];
}
function pids(o: Obj): BpfPidRef[] {
  const v = o['pids'];
  if (!Array.isArray(v)) return [];
  const out: BpfPidRef[] = [];
  for (const p of v) {
    if (!isObj(p)) continue;
    const pid = num(p, 'pid');
    if (pid === undefined) continue;
    const comm = str(p, 'comm');
    out.push(comm === undefined ? { pid } : { pid, comm });
  }
  return out;
}
/**
 * String(v) that cannot throw: JSON may hold `{"toString": 1}` (no primitive value) or arrays
 * nested too deep to join.
 */
function asText(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
/** Build a typed value from fields that may be missing: absent fields are left out, not undefined. */
function defined<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Read the JSON document of one bpftool run; `{"error": …}` (bpftool's failure form) is an error. */
export function readDocument(text: string): Parsed<unknown> {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined, errors: [{ message: 'bpftool printed nothing (empty output)' }] };
  try {
    const doc: unknown = JSON.parse(trimmed);
    if (isObj(doc) && typeof doc['error'] === 'string') {
      return { value: undefined, errors: [{ message: `bpftool reported: ${doc['error']}` }] };
    }
    return { value: doc, errors: [] };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // JSON that breaks off at its very end was cut short, whatever the parser calls it
    const pos = Number(/position (\d+)/.exec(why)?.[1] ?? NaN);
    const truncated = /end of (JSON )?input|Unterminated/i.test(why) || pos >= trimmed.length - 1;
    return {
      value: undefined,
      errors: [
        {
          message: truncated
            ? `bpftool output is truncated (${trimmed.length} bytes, JSON ends early)`
            : `bpftool output is not valid JSON: ${why}`,
        },
      ],
    };
  }
}

function parseArray<T>(text: string, what: string, one: (o: Obj, i: number) => T | string): Parsed<T[]> {
  const doc = readDocument(text);
  if (doc.errors.length > 0) return { value: [], errors: doc.errors };
  if (!Array.isArray(doc.value)) {
    return { value: [], errors: [{ message: `bpftool ${what}: expected a JSON array, got ${typeof doc.value}` }] };
  }
  const value: T[] = [];
  const errors: ParseIssue[] = [];
  doc.value.forEach((entry: unknown, i: number) => {
    if (!isObj(entry)) {
      errors.push({ line: i + 1, message: `bpftool ${what}: entry ${i + 1} is not an object` });
      return;
    }
    const r = one(entry, i);
    if (typeof r === 'string') errors.push({ line: i + 1, message: `bpftool ${what}: entry ${i + 1}: ${r}` });
    else value.push(r);
  });
  return { value, errors };
}

export function parseProgShow(text: string): Parsed<BpfProgram[]> {
  return parseArray(text, 'prog show', (o) => {
    const id = num(o, 'id');
    if (id === undefined) return 'no program id';
    const metadata = isObj(o['metadata']) ? o['metadata'] : {};
    return defined<BpfProgram>({
      id,
      type: str(o, 'type') ?? `type ${asText(o['type'])}`,
      name: str(o, 'name') ?? '',
      tag: str(o, 'tag') ?? '',
      gplCompatible: bool(o, 'gpl_compatible'),
      loadedAt: num(o, 'loaded_at'),
      uid: num(o, 'uid'),
      bytesXlated: num(o, 'bytes_xlated'),
      jited: bool(o, 'jited'),
      bytesJited: num(o, 'bytes_jited'),
      bytesMemlock: num(o, 'bytes_memlock'),
      mapIds: nums(o, 'map_ids'),
      btfId: num(o, 'btf_id'),
      pinned: pinnedPaths(o),
      pids: pids(o),
      runTimeNs: num(o, 'run_time_ns'),
      runCnt: num(o, 'run_cnt'),
      recursionMisses: num(o, 'recursion_misses'),
      orphaned: bool(o, 'orphaned'),
      metadata,
      raw: o,
    });
  });
}

export function parseMapShow(text: string): Parsed<BpfMap[]> {
  return parseArray(text, 'map show', (o) => {
    const id = num(o, 'id');
    if (id === undefined) return 'no map id';
    return defined<BpfMap>({
      id,
      type: str(o, 'type') ?? `type ${asText(o['type'])}`,
      name: str(o, 'name') ?? '',
      flags: num(o, 'flags'),
      bytesKey: num(o, 'bytes_key'),
      bytesValue: num(o, 'bytes_value'),
      maxEntries: num(o, 'max_entries'),
      bytesMemlock: num(o, 'bytes_memlock'),
      frozen: bool(o, 'frozen'),
      btfId: num(o, 'btf_id'),
      pinned: pinnedPaths(o),
      pids: pids(o),
      raw: o,
    });
  });
}

function hex(n: number | undefined): string {
  return n === undefined ? '?' : `0x${n.toString(16)}`;
}

/** Where a link attaches, from whatever detail this bpftool version prints (often none on 7.1). */
export function linkTarget(o: Obj): string | undefined {
  const attach = str(o, 'attach_type');
  const withAttach = (s: string): string => (attach ? `${s} (${attach})` : s);
  const tp = str(o, 'tp_name') ?? str(o, 'tracepoint');
  if (tp) return tp;
  const func = str(o, 'func');
  if (func) return o['offset'] ? `${func}+${hex(num(o, 'offset'))}` : func;
  const file = str(o, 'file');
  if (file) return `${file}:${hex(num(o, 'offset'))}`;
  const path = str(o, 'path');
  if (path) return `${path} (${num(o, 'func_cnt') ?? '?'} functions)`;
  if (Array.isArray(o['addrs'])) {
    const fns = (o['addrs'] as unknown[]).filter(isObj).map((a) => str(a, 'func') ?? hex(num(a, 'addr')));
    return `${fns.length} functions${fns.length ? `: ${fns.slice(0, 3).join(', ')}${fns.length > 3 ? ', …' : ''}` : ''}`;
  }
  const dev = str(o, 'devname') ?? (num(o, 'ifindex') !== undefined ? `ifindex ${num(o, 'ifindex')}` : undefined);
  if (dev) return withAttach(dev);
  const cg = num(o, 'cgroup_id');
  if (cg !== undefined) return withAttach(`cgroup ${cg}`);
  const ns = num(o, 'netns_ino');
  if (ns !== undefined) return withAttach(`netns ${ns}`);
  const iter = str(o, 'target_name') ?? str(o, 'iter');
  if (iter) return `iter/${iter}`;
  const pf = o['pf'];
  if (pf !== undefined) return `netfilter ${asText(pf)} ${asText(o['hook'] ?? '?')} prio ${asText(o['prio'] ?? '?')}`;
  const mapId = num(o, 'map_id');
  if (mapId !== undefined) return withAttach(`map ${mapId}`);
  const obj = num(o, 'target_obj_id');
  if (obj !== undefined) return withAttach(`btf obj ${obj} id ${num(o, 'target_btf_id') ?? '?'}`);
  if (str(o, 'event_type')) return `${str(o, 'event_type')}${o['event_config'] !== undefined ? ` ${asText(o['event_config'])}` : ''}`;
  return attach;
}

export function parseLinkShow(text: string): Parsed<BpfLink[]> {
  return parseArray(text, 'link show', (o) => {
    const id = num(o, 'id');
    if (id === undefined) return 'no link id';
    return defined<BpfLink>({
      id,
      type: str(o, 'type') ?? `type ${asText(o['type'])}`,
      progId: num(o, 'prog_id'),
      target: linkTarget(o),
      pinned: pinnedPaths(o),
      pids: pids(o),
      raw: o,
    });
  });
}

/** `bpftool -j net`: one object per namespace dump with arrays per attachment kind. */
export function parseNet(text: string): Parsed<NetAttachment[]> {
  const doc = readDocument(text);
  if (doc.errors.length > 0) return { value: [], errors: doc.errors };
  const dumps = Array.isArray(doc.value) ? doc.value : [doc.value];
  const value: NetAttachment[] = [];
  const errors: ParseIssue[] = [];
  dumps.forEach((d: unknown, di: number) => {
    if (!isObj(d)) {
      errors.push({ line: di + 1, message: 'bpftool net: entry is not an object' });
      return;
    }
    for (const [kind, list] of Object.entries(d)) {
      if (!Array.isArray(list)) continue;
      list.forEach((e: unknown, i: number) => {
        if (!isObj(e)) {
          errors.push({ line: i + 1, message: `bpftool net: ${kind} entry ${i + 1} is not an object` });
          return;
        }
        const kindField = str(e, 'kind');
        value.push(
          defined<NetAttachment>({
            kind,
            progId: num(e, 'id') ?? num(e, 'prog_id'),
            devname: str(e, 'devname'),
            ifindex: num(e, 'ifindex'),
            mode: str(e, 'mode') ?? kindField,
            name: str(e, 'name'),
            raw: e,
          }),
        );
      });
    }
  });
  return { value, errors };
}

export function parsePerf(text: string): Parsed<PerfAttachment[]> {
  return parseArray(text, 'perf', (o) => {
    const pid = num(o, 'pid');
    const progId = num(o, 'prog_id');
    if (pid === undefined || progId === undefined) return 'no pid or prog_id';
    const fdType = str(o, 'fd_type') ?? 'unknown';
    let target: string | undefined;
    const tp = str(o, 'tracepoint');
    const func = str(o, 'func');
    const file = str(o, 'filename');
    if (tp) target = tp;
    else if (func) target = num(o, 'offset') ? `${func}+${hex(num(o, 'offset'))}` : func;
    else if (file) target = `${file}:${hex(num(o, 'offset'))}`;
    else if (num(o, 'addr') !== undefined) target = hex(num(o, 'addr'));
    return defined<PerfAttachment>({ pid, fd: num(o, 'fd') ?? -1, progId, fdType, target, raw: o });
  });
}

/** `bpftool version` (plain text: "bpftool v7.1.0") or `bpftool -j version`. */
export function parseBpftoolVersion(text: string): string | undefined {
  const t = text.trim();
  if (t.startsWith('{')) {
    const doc = readDocument(t);
    if (isObj(doc.value)) return str(doc.value, 'version');
    return undefined;
  }
  return /bpftool v?(\d+\.\d+(?:\.\d+)?)/.exec(t)?.[1];
}
