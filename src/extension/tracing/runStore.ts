import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SavedRun } from '../../core/trace/savedRun';
import { parseSavedRun } from '../../core/trace/savedRun';

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

  async save(run: SavedRun): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${run.startedAt}-${run.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(run), { mode: 0o600 });
    await fs.rename(tmp, file);
    await this.prune();
    return file;
  }

  async list(): Promise<RunEntry[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((f) => /^\d+-[0-9a-f]+\.json$/.test(f));
    } catch {
      return [];
    }
    const out: RunEntry[] = [];
    for (const f of names.sort().reverse()) {
      const r = await this.load(path.join(this.dir, f));
      if (typeof r !== 'string') out.push({ file: path.join(this.dir, f), id: r.id, title: r.title, startedAt: r.startedAt, nodes: r.nodes.map((n) => n.node) });
    }
    return out;
  }

  async load(file: string): Promise<SavedRun | string> {
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
