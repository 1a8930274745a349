import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Scratch folders and tmpfs mounts for tests of eBPF Lens's own files: a read-only file system
 * (`ro`) or a small one to fill (`size=64k`). Mounting needs root, as the unit tier runs; a
 * mount that fails fails the test (never a skip). `cleanup()` in the file's after().
 */
export class Scratch {
  private readonly temps: string[] = [];
  private readonly mounts: string[] = [];

  dir(prefix = 'ebpf-lens-files-'): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.temps.push(d);
    return d;
  }

  tmpfs(opts: string): string {
    const d = this.dir('ebpf-lens-mnt-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', d]);
    this.mounts.push(d);
    return d;
  }

  cleanup(): void {
    for (const m of this.mounts.splice(0)) execFileSync('umount', [m]);
    for (const t of this.temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
  }
}

/** Temp files (`….tmp`) anywhere under `dir`. */
export function tmpFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tmp$/.test(path.basename(f)));
}
