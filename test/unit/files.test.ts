import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Exit, errorKind, exitCodeFor } from '../../src/cli/exitCodes';
import { StorageError } from '../../src/core/base/errors';
import { makeDir, unmakeDir, writeFileAtomic, writeFileAtomicSync } from '../../src/core/base/files';
import type { SavedRun } from '../../src/core/trace/savedRun';
import { RunStore } from '../../src/core/trace/runStore';
import { TrustStore } from '../../src/ssh/trustStore';
import { Scratch, tmpFiles } from './scratch';

/**
 * Creating eBPF Lens's own files: every file system answer ends in a typed StorageError that
 * names the path and says what happened, nothing loops, nothing half-written remains. The
 * read-only and full file systems are real tmpfs mounts (the unit tier runs as root).
 */

const scratch = new Scratch();
const tempDir = (): string => scratch.dir();
const tmpfs = (opts: string): string => scratch.tmpfs(opts);
after(() => scratch.cleanup());

function storageErr(f: () => unknown, reason: string, message: RegExp): StorageError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(StorageError.is(caught), `expected a StorageError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.match(caught.message, message);
  return caught;
}

describe('makeDir', () => {
  it('on /proc (mkdir says ENOENT under a folder that exists) ends at once in a typed error, no retry loop', () => {
    // Node's recursive mkdir spins at 100 % CPU here; makeDir is synchronous, so a loop would hang this test
    const e = storageErr(
      () => makeDir('/proc/sys/x'),
      'cannotCreate',
      /^cannot create \/proc\/sys\/x: \/proc\/sys is not a directory you can create in$/,
    );
    assert.equal(e.path, '/proc/sys/x');
    storageErr(() => makeDir('/proc/sys/x/y/z'), 'cannotCreate', /cannot create \/proc\/sys\/x\/y\/z: \/proc\/sys is not a directory/);
    assert.equal(exitCodeFor(e), Exit.storage);
    assert.equal(Exit.storage, 6);
    assert.equal(errorKind(e), 'storage.cannotCreate');
  });

  it('creates the missing levels, answers the first it made, and is a no-op when the folder is there', () => {
    const root = tempDir();
    const deep = path.join(root, 'a', 'b', 'c');
    assert.equal(makeDir(deep, 0o700), path.join(root, 'a'));
    assert.ok(fs.statSync(deep).isDirectory());
    assert.equal(fs.statSync(path.join(root, 'a')).mode & 0o777, 0o700);
    assert.equal(makeDir(deep), undefined);
    unmakeDir(deep, path.join(root, 'a'));
    assert.ok(!fs.existsSync(path.join(root, 'a')));
    assert.ok(fs.existsSync(root), 'unmakeDir stops at the first folder makeDir made');
  });

  it('a path through a regular file: "not a folder", naming the file', () => {
    const root = tempDir();
    const file = path.join(root, 'plain');
    fs.writeFileSync(file, 'x');
    storageErr(
      () => makeDir(path.join(file, 'a', 'b')),
      'notDirectory',
      new RegExp(`cannot create ${file}/a/b: ${file} is a file, not a folder`),
    );
    storageErr(() => makeDir(file), 'notDirectory', new RegExp(`${file} is a file, not a folder`));
  });

  it('on a read-only file system: "read-only", not ENOENT', () => {
    const ro = tmpfs('ro,size=64k');
    storageErr(
      () => makeDir(path.join(ro, 'snapshots', 'edge1')),
      'readOnly',
      new RegExp(`^cannot create ${ro}/snapshots/edge1: the file system is read-only$`),
    );
    assert.deepEqual(fs.readdirSync(ro), []);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole, with the mode asked for, and through a link writes the link’s target', async () => {
    const root = tempDir();
    const f = path.join(root, 'x.json');
    await writeFileAtomic(f, 'one', { mode: 0o600 });
    await writeFileAtomic(f, 'two', { mode: 0o600 });
    assert.equal(fs.readFileSync(f, 'utf8'), 'two');
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    const link = path.join(root, 'link.json');
    fs.symlinkSync(f, link);
    writeFileAtomicSync(link, 'three');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(fs.readFileSync(f, 'utf8'), 'three');
    assert.deepEqual(tmpFiles(root), []);
  });

  it('a full disk: "no space left", the old file as it was, no temp file left', async () => {
    const small = tmpfs('size=64k');
    const f = path.join(small, 'runs.json');
    await writeFileAtomic(f, 'old');
    const big = 'y'.repeat(256 * 1024);
    await assert.rejects(writeFileAtomic(f, big), (e: unknown) => {
      assert.ok(StorageError.is(e, 'full'), String(e));
      assert.equal(e.message, `cannot write ${f}: no space left on the device`);
      return true;
    });
    assert.throws(
      () => writeFileAtomicSync(f, big),
      (e: unknown) => StorageError.is(e, 'full'),
    );
    assert.equal(fs.readFileSync(f, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(small), ['runs.json']);
  });

  it('read-only, through a file, in /proc: each a typed error naming the path', async () => {
    const ro = tmpfs('ro,size=64k');
    await assert.rejects(
      writeFileAtomic(path.join(ro, 'a.json'), 'x'),
      (e: unknown) => StorageError.is(e, 'readOnly') && /^cannot write .*a\.json: the file system is read-only$/.test(e.message),
    );
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'plain'), 'x');
    await assert.rejects(
      writeFileAtomic(path.join(root, 'plain', 'a.json'), 'x'),
      (e: unknown) => StorageError.is(e, 'notDirectory') && e.message.includes(`${path.join(root, 'plain')} is a file, not a folder`),
    );
    await assert.rejects(
      writeFileAtomic('/proc/sys/x.json', 'x'),
      (e: unknown) => StorageError.is(e, 'cannotCreate') && e.message.includes('/proc/sys is not a directory you can create in'),
    );
  });
});

describe('the trust store and saved runs write through the same code', () => {
  const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');

  it('trustAlways: a 0700 folder, a 0600 file, each key on its own line', () => {
    const root = tempDir();
    const file = path.join(root, 'cfg', 'ebpf-lens', 'known_hosts');
    const t = new TrustStore([], file);
    t.trustAlways('10.0.0.1', 22, key);
    t.trustAlways('10.0.0.2', 2222, key);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^10\.0\.0\.1 ssh-ed25519 /);
    assert.match(lines[1] ?? '', /^\[10\.0\.0\.2\]:2222 ssh-ed25519 /);
    assert.equal(t.verify('10.0.0.2', 2222, key).status, 'trusted');
  });

  it('trustAlways on a read-only folder or through a file: a StorageError (exit 6), not a raw ENOENT', () => {
    const ro = tmpfs('ro,size=64k');
    const e = storageErr(
      () => new TrustStore([], path.join(ro, 'ebpf-lens', 'known_hosts')).trustAlways('10.0.0.1', 22, key),
      'readOnly',
      /^could not remember the host key of 10\.0\.0\.1 in .*: cannot create .*: the file system is read-only$/,
    );
    assert.equal(exitCodeFor(e), 6);
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'ebpf-lens'), 'a file where the folder should be');
    storageErr(
      () => new TrustStore([], path.join(root, 'ebpf-lens', 'known_hosts')).trustAlways('10.0.0.1', 22, key),
      'notDirectory',
      /is a file, not a folder/,
    );
  });

  it('a saved run on a read-only disk: "read-only", and the run stays pending', async () => {
    const ro = tmpfs('ro,size=64k');
    const store = new RunStore(path.join(ro, 'runs'), () => 10);
    const run: SavedRun = { version: 1, id: 'beef', title: 'hello', script: 'BEGIN { exit(); }', startedAt: 1, nodes: [] };
    await assert.rejects(
      store.save(run),
      (e: unknown) =>
        StorageError.is(e, 'readOnly') &&
        /^could not save the run "hello" in .*: cannot create .*: the file system is read-only$/.test(e.message),
    );
    assert.deepEqual(
      store.pending.map((r) => r.id),
      ['beef'],
    );
  });
});
