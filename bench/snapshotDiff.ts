// Snapshot diff: load two 500-program snapshots (4,000 instructions each, 10% of programs
// changed in a few instructions), match them and diff the instructions. Goal < 200 ms.
// Baseline in the same run: reading and JSON.parse of the same two files (the floor).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffSnapshots } from '../src/core/snapshot/diff';
import type { Snapshot, SnapshotProgram } from '../src/core/snapshot/model';
import { contentHash, hashText } from '../src/core/snapshot/model';
import { SnapshotStore } from '../src/core/snapshot/store';
import { median, report, timeRuns } from './util';

function program(i: number, changed: boolean): SnapshotProgram {
  const lines: string[] = [`int prog_${i}(struct xdp_md * ctx):`];
  for (let k = 0; k < 4000; k++) {
    if (k % 7 === 0) lines.push(`; u32 v${k} = bpf_map_lookup_elem(&map_${i % 13}, &key);`);
    lines.push(
      `${String(k).padStart(5)}: (${(k * 37) % 255 < 16 ? '0' : ''}${((k * 37) % 255).toString(16)}) r${k % 10} = r${(k + 3) % 10} + ${k % 97}`,
    );
  }
  if (changed) {
    lines.splice(1200, 0, ' 1200: (25) if r1 > 0x2 goto pc+34');
    lines.splice(3000, 1, ' 3000: (b7) r0 = 1');
  }
  return {
    id: 1000 + i,
    name: `prog_${i}`,
    type: i % 3 ? 'xdp' : 'tracepoint',
    tag: changed ? `changed${i}`.padEnd(16, '0') : `tag${i}`.padEnd(16, '0'),
    maps: [{ id: i, name: `map_${i % 13}`, type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1024, pinned: [] }],
    attach: [{ kind: i % 3 ? 'link:xdp' : 'link:perf_event' }],
    pinned: [`/sys/fs/bpf/bench/prog_${i}`],
    owners: [],
    metadata: {},
    xlated: `${lines.join('\n')}\n`,
    xlatedHash: hashText(`${lines.join('\n')}\n`),
  };
}

function snapshot(changedEvery: number, at: string): Snapshot {
  const programs = Array.from({ length: 500 }, (_, i) => program(i, changedEvery > 0 && i % changedEvery === 0));
  return {
    version: 1,
    node: 'bench',
    takenAt: at,
    kernel: '6.18',
    bootId: 'b',
    bpftoolVersion: '7.1.0',
    contentHash: contentHash(programs),
    programs,
    transient: 0,
  };
}

async function main(): Promise<void> {
  const store = new SnapshotStore(fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-bench-')));
  const a = await store.save(snapshot(0, '2026-11-25T10:00:00.000Z'));
  const b = await store.save(snapshot(10, '2026-11-25T11:00:00.000Z'));
  const sizeMb = (fs.statSync(a.entry.path).size + fs.statSync(b.entry.path).size) / 1e6; // without the instruction objects
  // the floor: reading the bytes this needs (both snapshot files and the changed programs' instructions)
  const objects = fs.readdirSync(store.objectsDir).map((f) => path.join(store.objectsDir, f));
  const changedObjects = objects.filter((_, i) => i < 100);
  const baseline = await timeRuns(10, () => [a.entry.path, b.entry.path, ...changedObjects].map((f) => fs.readFileSync(f, 'utf8').length));
  let changed = 0;
  const runs = await timeRuns(10, async () => {
    const [ra, rb] = [await store.load(a.entry.path), await store.load(b.entry.path)];
    if (!('snapshot' in ra) || !('snapshot' in rb)) throw new Error('load failed');
    changed = diffSnapshots(ra.snapshot, rb.snapshot, store.source).summary.changed;
  });
  if (changed !== 50) throw new Error(`expected 50 changed programs, got ${changed}`);
  const m = median(runs);
  const base = median(baseline);
  report({
    bench: 'snapshot-diff-500',
    medianMs: m,
    baselineMs: base,
    ratio: m / base,
    goal: '< 200 ms',
    pass: m < 200,
    filesMb: Number(sizeMb.toFixed(1)),
    changed,
  });
  fs.rmSync(store.root, { recursive: true, force: true });
}

void main();
