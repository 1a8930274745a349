import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { STORAGE_WHY, StorageError } from './errors';

/**
 * Creating eBPF Lens's own files and folders (snapshots, saved runs, the trust store, exports).
 * Every answer of the file system ends in a StorageError naming the path and what happened, and
 * nothing loops: Node's recursive mkdir retries for ever where mkdir says ENOENT under a folder
 * that exists (/proc/sys/x), so folders are made here, one level at a time, each tried once.
 * A file is written to a temp file beside it, flushed and renamed over it: a failure (a full
 * disk) removes the temp file, and the old file, if any, stays as it was.
 */

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

function isDir(p: string): boolean | undefined {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of `p` that exists (at most the path's depth of steps). */
function nearestExisting(p: string): string {
  let cur = path.dirname(p);
  while (!fs.existsSync(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

/**
 * A file system error met on `p` as a StorageError: `verb` is what was being done ("write",
 * "create"), `p` the path it was done to.
 */
export function storageError(e: unknown, p: string, verb = 'write'): StorageError {
  if (e instanceof StorageError) return e;
  const code = codeOf(e);
  const head = `cannot ${verb} ${p}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new StorageError('full', `${head}: ${STORAGE_WHY.full}`, p);
    case 'EACCES':
    case 'EPERM':
      return new StorageError('denied', `${head}: ${STORAGE_WHY.denied}`, p);
    case 'EROFS':
      return new StorageError('readOnly', `${head}: ${STORAGE_WHY.readOnly}`, p);
    case 'ENOTDIR':
    case 'EEXIST': {
      const inTheWay = code === 'EEXIST' ? p : nearestExisting(p);
      return new StorageError('notDirectory', `${head}: ${inTheWay} is a file, not a folder`, p);
    }
    case 'ENOENT': {
      const parent = path.dirname(p);
      // the folder is there and still the file system says "no such file": it does not let anyone create here
      if (isDir(parent)) return new StorageError('cannotCreate', `${head}: ${parent} is not a directory you can create in`, p);
      return new StorageError('failed', `${head}: the folder ${parent} does not exist`, p);
    }
    case 'EISDIR':
      return new StorageError('failed', `${head}: it is a folder`, p);
    default:
      return new StorageError('failed', `${head}: ${e instanceof Error ? e.message : String(e)}`, p);
  }
}

/**
 * Create the folder `dir` and any missing parents (`mode` for the new ones). Answers the first
 * folder it created (undefined when `dir` was there), so a caller can take back what it made.
 * Throws a StorageError on any failure: at most one stat per level up and one mkdir per level
 * down, never a retry.
 */
export function makeDir(dir: string, mode = 0o777): string | undefined {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let cur = target; ;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(cur);
    } catch (e) {
      const code = codeOf(e);
      // missing, or a file further up (ENOTDIR): go up until something exists
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw storageError(e, target, 'create');
      missing.push(cur);
      const up = path.dirname(cur);
      if (up === cur) throw new StorageError('failed', `cannot create ${target}: ${cur} does not exist`, target);
      cur = up;
      continue;
    }
    if (!st.isDirectory()) throw new StorageError('notDirectory', `cannot create ${target}: ${cur} is a file, not a folder`, target);
    break;
  }
  let first: string | undefined;
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode });
      first ??= d;
    } catch (e) {
      const code = codeOf(e);
      // made by someone else meanwhile: fine if it is a folder
      if (code === 'EEXIST' && isDir(d)) continue;
      if (code === 'EEXIST')
        throw new StorageError('notDirectory', `cannot create ${target}: ${d} is in the way and is not a folder`, target);
      if (code === 'ENOENT' && isDir(path.dirname(d))) {
        throw new StorageError('cannotCreate', `cannot create ${target}: ${path.dirname(d)} is not a directory you can create in`, target);
      }
      throw storageError(e, target, 'create');
    }
  }
  return first;
}

/** Remove the folders `makeDir` created (from `first` down to `dir`) if they are empty; never throws. */
export function unmakeDir(dir: string, first: string | undefined): void {
  if (first === undefined) return;
  const top = path.resolve(first);
  for (let cur = path.resolve(dir); cur === top || cur.startsWith(`${top}${path.sep}`); cur = path.dirname(cur)) {
    try {
      fs.rmdirSync(cur);
    } catch {
      return;
    }
  }
}

function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file).slice(0, 80)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The file to replace: a link's target (so a linked file stays linked), else the path itself. */
function replaceTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

export interface WriteOptions {
  /** permissions of a new file (default 0644; the umask applies) */
  readonly mode?: number;
}

/**
 * Write `data` to `file` atomically: a temp file in the same folder, flushed, renamed over `file`.
 * On any failure the temp file is removed (nothing half-written remains) and a StorageError
 * says why. The folder must exist (makeDir).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  const target = replaceTarget(file);
  const tmp = tempBeside(target);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', opts.mode ?? 0o644);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, target);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw storageError(e, target);
  }
}

/** writeFileAtomic, synchronously (for small files written in a synchronous path). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  const target = replaceTarget(file);
  const tmp = tempBeside(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o644);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* closing is all that is left to try */
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* it was never created */
    }
    throw storageError(e, target);
  }
}
