import type { BpfProgram } from '../bpftool/types';
import { normalizeXlated, xlatedDump } from '../bpftool/xlated';
import { xlatedBatch } from '../bpftool/xlatedBatch';
import { mapLimit } from '../base/concurrency';
import { ToolError } from '../base/errors';
import type { Runner } from '../nodes/listing';

/**
 * The normalised instructions of a snapshot's programs. Those whose (tag, xlated size) a store
 * already knows are not dumped again (a reconnect to an unchanged node dumps nothing); the others
 * are dumped in `bpftool batch` runs of a bounded size, one bpftool per run.
 */

/** Normalised instructions of a program with this tag and xlated size, if already known. */
export type KnownXlated = (tag: string, bytesXlated: number) => string | undefined;

/**
 * Dumps per bpftool batch: a batch costs one bpftool start and one round trip more than the dumps
 * themselves (bench/snapshotMany: 300 programs in 10 batches of 30 took 1.27 × one batch of all
 * 300, on a loaded machine), and its command carries its own time bound from its size
 * (xlatedBatch: 20 s + 250 ms a program; a dump took ~70 ms on an idle lab node, ~120 ms on a
 * busy one).
 */
export const BATCH_PROGRAMS = 64;
/**
 * Xlated bytes per batch (8 per instruction; the text is ~5 × that): the answer of one run stays a
 * few MiB (~2.5 MiB of text). A larger program goes alone.
 */
export const BATCH_XLATED_BYTES = 512 * 1024;

/** Split the programs to dump into batches of at most BATCH_PROGRAMS and about BATCH_XLATED_BYTES. */
export function batches(programs: readonly BpfProgram[]): BpfProgram[][] {
  const out: BpfProgram[][] = [];
  let cur: BpfProgram[] = [];
  let bytes = 0;
  for (const p of programs) {
    const size = p.bytesXlated ?? 0;
    if (cur.length > 0 && (cur.length >= BATCH_PROGRAMS || bytes + size > BATCH_XLATED_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(p);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** A stored text is used only if every map it names is one of this program's maps now. */
function fits(text: string, mapNames: ReadonlySet<string>): boolean {
  for (const m of text.matchAll(/map\[([^\]]*)\]/g)) if (!mapNames.has(m[1] ?? '')) return false;
  return true;
}

export interface XlatedTexts {
  /** normalised instructions per program id ('' when they could not be read) */
  readonly texts: Map<number, string>;
  /** programs asked of bpftool (in batches, or one by one where a batch could not run) */
  readonly dumped: number;
  /** programs whose text came from `known` */
  readonly reused: number;
  /** bpftool runs for the dumps */
  readonly runs: number;
}

/** Dump `ids` raw: batches; a program gone since the listing is kept without instructions. */
async function dumpRaw(run: Runner, ids: readonly number[], raw: Map<number, string>): Promise<number> {
  let queue = ids;
  let runs = 0;
  while (queue.length > 0) {
    runs++;
    try {
      const r = await run(xlatedBatch(queue));
      for (const [id, text] of r.dumps) raw.set(id, text);
      // unloaded between the listing and the dump: the snapshot keeps it without instructions
      if (r.failed !== undefined) raw.set(r.failed, '');
      queue = r.notRun;
    } catch (e) {
      // bpftool could not run the batch at all (or timed out): one dump each, as before batches
      if (!ToolError.is(e)) throw e;
      const rest = queue;
      await mapLimit(rest, 8, async (id) => {
        try {
          raw.set(id, await run(xlatedDump(id)));
        } catch (err) {
          if (!ToolError.is(err)) throw err;
          raw.set(id, '');
        }
      });
      return runs + rest.length;
    }
  }
  return runs;
}

/** The normalised instructions of `programs`; `mapName` names map ids, `known` answers texts already stored. */
export async function xlatedTexts(
  run: Runner,
  programs: readonly BpfProgram[],
  mapName: (id: number) => string | undefined,
  known?: KnownXlated,
): Promise<XlatedTexts> {
  const texts = new Map<number, string>();
  const toDump: BpfProgram[] = [];
  for (const p of programs) {
    const k = known && p.tag && p.bytesXlated !== undefined ? known(p.tag, p.bytesXlated) : undefined;
    const names = new Set(p.mapIds.map((id) => mapName(id)).filter((n): n is string => n !== undefined));
    if (k !== undefined && fits(k, names)) texts.set(p.id, k);
    else toDump.push(p);
  }
  const raw = new Map<number, string>();
  let runs = 0;
  for (const b of batches(toDump))
    runs += await dumpRaw(
      run,
      b.map((p) => p.id),
      raw,
    );
  for (const [id, text] of raw) texts.set(id, text === '' ? '' : normalizeXlated(text, mapName));
  return { texts, dumped: toDump.length, reused: programs.length - toDump.length, runs };
}
