import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors';
import { validateNodeName } from '../quote';
import type { Snapshot, SnapshotParse } from './model';
import { parseSnapshot } from './model';

/**
 * Snapshots on disk: one folder per node, one JSON file per snapshot, named
 * `<takenAt>_<hash12>_<programs>.json` so a listing needs no file reads. Writes are atomic (temp
 * file + rename); an identical consecutive snapshot is not written again; history is bounded.
 */
export interface StoredSnapshot {
  readonly path: string;
  readonly node: string;
  readonly takenAt: string;
  readonly hash: string;
  readonly programs: number;
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
  readonly source = (p: { readonly xlated?: string; readonly xlatedHash: string }): string | undefined => p.xlated ?? this.xlated(p.xlatedHash);

  private async writeAtomic(file: string, text: string): Promise<void> {
    const tmp = path.join(path.dirname(file), `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await fsp.writeFile(tmp, text, { mode: 0o644 });
      await fsp.rename(tmp, file);
    } catch (e) {
      // a full disk leaves no half-written file: the earlier snapshots stay as they were
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw StorageError.from(e, `could not save the snapshot in ${this.root}`);
    }
  }

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

  /**
   * Save unless the node's latest snapshot has the same content. Answers the stored entry and
   * whether it was new.
   */
  async save(s: Snapshot): Promise<{ entry: StoredSnapshot; saved: boolean }> {
    const dir = this.dir(s.node);
    const existing = await this.list(s.node);
    const last = existing[existing.length - 1];
    if (last && last.hash === s.contentHash.slice(0, 12)) return { entry: last, saved: false };
    try {
      await fsp.mkdir(dir, { recursive: true });
      await fsp.mkdir(this.objectsDir, { recursive: true });
    } catch (e) {
      throw StorageError.from(e, `could not save the snapshot in ${this.root}`);
    }
    // instruction texts once each, by hash; the snapshot refers to them
    for (const p of s.programs) {
      if (p.xlated === undefined || p.xlatedHash === '') continue;
      const obj = path.join(this.objectsDir, p.xlatedHash);
      if (!fs.existsSync(obj)) await this.writeAtomic(obj, p.xlated);
    }
    const lean = { ...s, programs: s.programs.map(({ xlated: _x, ...rest }) => rest) };
    const name = `${fileTime(s.takenAt)}_${s.contentHash.slice(0, 12)}_${s.programs.length}.json`;
    const file = path.join(dir, name);
    await this.writeAtomic(file, `${JSON.stringify(lean)}\n`);
    const all = [...existing, { path: file, node: s.node, takenAt: s.takenAt, hash: s.contentHash.slice(0, 12), programs: s.programs.length }];
    for (const old of all.slice(0, Math.max(0, all.length - this.maxPerNode))) await fsp.rm(old.path, { force: true });
    return { entry: all[all.length - 1] as StoredSnapshot, saved: true };
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
