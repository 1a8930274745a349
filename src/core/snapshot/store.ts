import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../base/errors';
import { makeDir, unmakeDir, writeFileAtomic } from '../base/files';
import { validateNodeName } from '../remote/quote';
import type { Snapshot, SnapshotParse } from './model';
import { parseSnapshot } from './model';

/**
 * Snapshots on disk: one folder per node, one JSON file per snapshot, named
 * `<takenAt>_<hash12>_<programs>.json` so a listing needs no file reads. Writes are atomic (temp
 * file + rename, files.ts), one save at a time, and a save that fails takes back what it wrote;
 * an identical consecutive snapshot is not written again (its note is added to the one kept);
 * history is bounded.
 */
export interface StoredSnapshot {
  readonly path: string;
  readonly node: string;
  readonly takenAt: string;
  readonly hash: string;
  readonly programs: number;
}

export interface SaveResult {
  readonly entry: StoredSnapshot;
  /** a new snapshot file was written (false: the latest one has the same content) */
  readonly saved: boolean;
  /** the snapshot was unchanged and its note was added to the latest one's */
  readonly noteAdded: boolean;
}

const NAME = /^(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(?:\.\d+)?Z)_([0-9a-f]{12})_(\d+)\.json$/;

export function fileTime(iso: string): string {
  return iso.replace(/:/g, '-');
}

export function isoFromFile(t: string): string {
  return t.replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3');
}

export class SnapshotStore {
  constructor(
    readonly root: string,
    readonly maxPerNode = 200,
  ) {}

  /** Instruction texts, by hash, shared by all snapshots (of all nodes) that contain them. */
  get objectsDir(): string {
    return path.join(this.root, 'objects');
  }

  /** The instruction text of a program of a stored snapshot (undefined if the object is gone). */
  xlated(hash: string): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    try {
      return fs.readFileSync(path.join(this.objectsDir, hash), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** An XlatedSource for diffs: inline text first, then the store's objects. */
  readonly source = (p: { readonly xlated?: string; readonly xlatedHash: string }): string | undefined =>
    p.xlated ?? this.xlated(p.xlatedHash);

  private dir(node: string): string {
    const bad = validateNodeName(node);
    if (bad) throw new Error(bad);
    return path.join(this.root, node);
  }

  async nodes(): Promise<string[]> {
    try {
      return (await fsp.readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && d.name !== 'objects' && !validateNodeName(d.name))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** Snapshots of a node, oldest first (file names only: no reads). */
  async list(node: string): Promise<StoredSnapshot[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir(node));
    } catch {
      return [];
    }
    const out: StoredSnapshot[] = [];
    for (const n of names) {
      const m = NAME.exec(n);
      if (!m) continue;
      out.push({ path: path.join(this.dir(node), n), node, takenAt: isoFromFile(m[1] ?? ''), hash: m[2] ?? '', programs: Number(m[3]) });
    }
    return out.sort((a, b) => a.takenAt.localeCompare(b.takenAt));
  }

  async load(file: string): Promise<SnapshotParse> {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      return { error: `${file}: ${e instanceof Error ? e.message : String(e)}` };
    }
    const r = parseSnapshot(text);
    return 'error' in r ? { error: `${path.basename(file)}: ${r.error}` } : r;
  }

  /** saves one at a time: two saves never race for the same object or prune each other's files */
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Save unless the node's latest snapshot has the same content; then a note the snapshot
   * carries is added to that one's (`noteAdded`). Answers the stored entry and whether it was
   * new. A failure is a StorageError, and the files this save wrote are removed again.
   */
  save(s: Snapshot): Promise<SaveResult> {
    return this.serial(async () => {
      const dir = this.dir(s.node);
      const existing = await this.list(s.node);
      const last = existing[existing.length - 1];
      if (last && last.hash === s.contentHash.slice(0, 12)) {
        if (!s.note) return { entry: last, saved: false, noteAdded: false };
        const added = await this.noteOn(last, s.note);
        // an unreadable latest file cannot take the note: the snapshot is saved anew instead
        if (added !== undefined) return { entry: last, saved: false, noteAdded: added };
      }
      const entry = await this.write(s, dir);
      const all = [...existing, entry];
      // the oldest go; one that cannot be removed now goes with a later save
      for (const old of all.slice(0, Math.max(0, all.length - this.maxPerNode)))
        await fsp.rm(old.path, { force: true }).catch(() => undefined);
      return { entry, saved: true, noteAdded: false };
    });
  }

  /** Write the snapshot's new objects and its file; on a failure remove what was written. */
  private async write(s: Snapshot, dir: string): Promise<StoredSnapshot> {
    const what = `could not save the snapshot in ${this.root}`;
    const made: { dir: string; first: string | undefined }[] = [];
    const written: string[] = [];
    try {
      for (const d of [dir, this.objectsDir]) made.push({ dir: d, first: makeDir(d) });
      // instruction texts once each, by hash; the snapshot refers to them
      for (const p of s.programs) {
        if (p.xlated === undefined || p.xlatedHash === '') continue;
        const obj = path.join(this.objectsDir, p.xlatedHash);
        if (fs.existsSync(obj) || written.includes(obj)) continue;
        await writeFileAtomic(obj, p.xlated);
        written.push(obj);
      }
      const lean = { ...s, programs: s.programs.map(({ xlated: _x, ...rest }) => rest) };
      const file = path.join(dir, `${fileTime(s.takenAt)}_${s.contentHash.slice(0, 12)}_${s.programs.length}.json`);
      await writeFileAtomic(file, `${JSON.stringify(lean)}\n`);
      return { path: file, node: s.node, takenAt: s.takenAt, hash: s.contentHash.slice(0, 12), programs: s.programs.length };
    } catch (e) {
      for (const f of written) await fsp.rm(f, { force: true }).catch(() => undefined);
      for (const m of made.reverse()) unmakeDir(m.dir, m.first);
      throw StorageError.from(e, what);
    }
  }

  /**
   * Add a note to a stored snapshot (after the notes it has, each on its own line; one it has
   * already is not added twice). Its content, and so its hash and name, stay the same. Answers
   * whether the note was added; throws a StorageError when the file cannot be written, and an
   * Error when it cannot be read.
   */
  addNote(entry: StoredSnapshot, note: string): Promise<boolean> {
    return this.serial(async () => {
      const added = await this.noteOn(entry, note);
      if (added === undefined) throw new Error(`cannot add a note to ${entry.path}: it cannot be read`);
      return added;
    });
  }

  /** addNote without the queue: undefined when the stored file cannot be read */
  private async noteOn(entry: StoredSnapshot, note: string): Promise<boolean | undefined> {
    const r = await this.load(entry.path);
    if ('error' in r) return undefined;
    const had = r.snapshot.note ?? '';
    if (note.trim() === '' || had.split('\n').includes(note)) return false;
    const withNote: Snapshot = { ...r.snapshot, note: had === '' ? note : `${had}\n${note}` };
    try {
      await writeFileAtomic(entry.path, `${JSON.stringify(withNote)}\n`);
    } catch (e) {
      throw StorageError.from(e, `could not add the note to ${entry.path}`);
    }
    return true;
  }

  /** The latest snapshot of a node that can be read (corrupt ones are skipped and reported). */
  async latest(node: string, problems: string[] = []): Promise<Snapshot | undefined> {
    const list = await this.list(node);
    for (let i = list.length - 1; i >= 0; i--) {
      const r = await this.load((list[i] as StoredSnapshot).path);
      if ('snapshot' in r) return r.snapshot;
      problems.push(r.error);
    }
    return undefined;
  }
}
