import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SavedRun } from './savedRun';
import { StorageError } from '../base/errors';
import { makeDir, writeFileAtomic } from '../base/files';
import { parseSavedRun } from './savedRun';

/** the file name of a run that is not written yet: `pending:<id>` */
const PENDING = 'pending:';

export interface RunEntry {
  readonly file: string;
  readonly id: string;
  readonly title: string;
  readonly startedAt: number;
  readonly nodes: readonly string[];
}

/**
 * Saved runs: one JSON file each (`<startedAt>-<id>.json`) in the extension's storage, written
 * atomically (temp file + rename), the oldest removed beyond `max`.
 */
export class RunStore {
  constructor(
    readonly dir: string,
    private readonly max: () => number,
  ) {}

  /** runs that could not be written yet (a full disk): kept, and written with the next save */
  private readonly unsaved = new Map<string, SavedRun>();

  get pending(): readonly SavedRun[] {
    return [...this.unsaved.values()];
  }

  /** Save a run (and any earlier one that could not be saved). A failure keeps the run pending. */
  async save(run: SavedRun): Promise<string> {
    this.unsaved.set(run.id, run);
    let file = '';
    for (const r of [...this.unsaved.values()]) {
      const f = await this.write(r);
      this.unsaved.delete(r.id);
      if (r.id === run.id) file = f;
    }
    await this.prune().catch(() => undefined);
    return file;
  }

  private async write(run: SavedRun): Promise<string> {
    const file = path.join(this.dir, `${run.startedAt}-${run.id}.json`);
    try {
      makeDir(this.dir);
      await writeFileAtomic(file, JSON.stringify(run), { mode: 0o600 });
      return file;
    } catch (e) {
      throw StorageError.from(e, `could not save the run "${run.title}" in ${this.dir}`);
    }
  }

  async list(): Promise<RunEntry[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((f) => /^\d+-[0-9a-f]+\.json$/.test(f));
    } catch {
      names = [];
    }
    const out: RunEntry[] = [];
    for (const f of names.sort().reverse()) {
      const r = await this.load(path.join(this.dir, f));
      if (typeof r !== 'string')
        out.push({ file: path.join(this.dir, f), id: r.id, title: r.title, startedAt: r.startedAt, nodes: r.nodes.map((n) => n.node) });
    }
    // runs not written yet are still there to open and compare
    for (const r of this.unsaved.values())
      if (!out.some((o) => o.id === r.id))
        out.unshift({ file: `${PENDING}${r.id}`, id: r.id, title: r.title, startedAt: r.startedAt, nodes: r.nodes.map((n) => n.node) });
    return out;
  }

  async load(file: string): Promise<SavedRun | string> {
    if (file.startsWith(PENDING)) {
      const id = file.slice(PENDING.length);
      return this.unsaved.get(id) ?? `the run ${id} is gone`;
    }
    try {
      return parseSavedRun(await fs.readFile(file, 'utf8'));
    } catch (e) {
      return `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  async find(id: string): Promise<SavedRun | undefined> {
    const e = (await this.list()).find((x) => x.id === id);
    if (!e) return undefined;
    const r = await this.load(e.file);
    return typeof r === 'string' ? undefined : r;
  }

  private async prune(): Promise<void> {
    const names = (await fs.readdir(this.dir)).filter((f) => /^\d+-[0-9a-f]+\.json$/.test(f)).sort();
    for (const f of names.slice(0, Math.max(0, names.length - this.max()))) await fs.rm(path.join(this.dir, f), { force: true });
  }
}
