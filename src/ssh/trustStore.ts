import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StorageError } from '../core/base/errors';
import { makeDir, writeFileAtomicSync } from '../core/base/files';
import type { HostKeyVerdict, KnownHostEntry } from '../core/inventory/knownHosts';
import { checkHostKey, fingerprintSha256, knownHostName, knownHostsLine, parseKnownHosts } from '../core/inventory/knownHosts';

/**
 * Host keys the product trusts: the user's known_hosts files (read only — the product never
 * writes ~/.ssh) plus an OpenSSH-format file of the product's own, shared by the extension and
 * the CLI. "Trust once" keys live in memory for this process only.
 */
export class TrustStore {
  private readonly once = new Set<string>();
  /** problems met while reading the files (bad lines are skipped, the rest used) */
  readonly problems: string[] = [];
  /** the user's known_hosts files that did not exist at the last read (a wrong path is named, not silent) */
  readonly missing: string[] = [];

  private readonly files: () => readonly string[];

  /** `userFiles` may be a function: the files are then looked up at every check (settings change). */
  constructor(
    userFiles: readonly string[] | (() => readonly string[]),
    readonly storeFile: string,
  ) {
    this.files = typeof userFiles === 'function' ? userFiles : () => userFiles;
  }

  get userFiles(): readonly string[] {
    return this.files();
  }

  static defaultStoreFile(env: NodeJS.ProcessEnv = process.env): string {
    const base = env['XDG_CONFIG_HOME'] || path.join(os.homedir(), '.config');
    return path.join(base, 'ebpf-lens', 'known_hosts');
  }

  static defaultUserFiles(): string[] {
    return [path.join(os.homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
  }

  /** Entries from every file, read fresh (a line added by another window counts at once). */
  entries(): KnownHostEntry[] {
    const out: KnownHostEntry[] = [];
    this.problems.length = 0;
    this.missing.length = 0;
    for (const f of [...this.userFiles, this.storeFile]) {
      let text: string;
      try {
        text = fs.readFileSync(expandHome(f), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.problems.push(`${f}: ${(e as Error).message}`);
        else if (f !== this.storeFile) this.missing.push(f);
        continue;
      }
      const r = parseKnownHosts(text, f);
      out.push(...r.value);
      for (const err of r.errors) this.problems.push(`${f}:${err.line ?? '?'}: ${err.message}`);
    }
    return out;
  }

  verify(host: string, port: number, key: Buffer): HostKeyVerdict {
    const v = checkHostKey(this.entries(), host, port, key);
    if (v.status === 'unknown' && this.once.has(onceKey(host, port, key))) {
      return { status: 'trusted', by: { keyType: 'session', fingerprint: fingerprintSha256(key), line: 0 } };
    }
    return v;
  }

  trustOnce(host: string, port: number, key: Buffer): void {
    this.once.add(onceKey(host, port, key));
  }

  /**
   * Add the key to the product's own file (created 0600, its folder 0700). The file is written
   * whole (temp file + rename): a full or read-only disk leaves it as it was and throws a
   * StorageError that says so.
   */
  trustAlways(host: string, port: number, key: Buffer, comment = 'added by eBPF Lens'): void {
    const what = `could not remember the host key of ${knownHostName(host, port)} in ${this.storeFile}`;
    let cur = '';
    try {
      makeDir(path.dirname(this.storeFile), 0o700);
      cur = fs.readFileSync(this.storeFile, 'utf8');
    } catch (e) {
      // a new file; any other failure to read is one to write too
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw StorageError.from(e, what);
    }
    const prefix = cur !== '' && !cur.endsWith('\n') ? '\n' : '';
    try {
      writeFileAtomicSync(this.storeFile, `${cur}${prefix}${knownHostsLine(host, port, key, comment)}\n`, { mode: 0o600 });
    } catch (e) {
      throw StorageError.from(e, what);
    }
  }
}

function onceKey(host: string, port: number, key: Buffer): string {
  return `${knownHostName(host, port)} ${fingerprintSha256(key)}`;
}

export function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}
