import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { InputError } from '../../src/core/base/errors';
import { shJoin, shQuote, validateHost, validateNodeName, validateRemotePath, validateUser } from '../../src/core/remote/quote';
import { HOSTILE } from '../support/hostile';

/** What a real POSIX sh makes of a quoted line: its argv, one per NUL-terminated record. */
function shArgv(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shQuote / shJoin', () => {
  it('every hostile string reaches sh as exactly one literal word', () => {
    for (const s of HOSTILE) {
      assert.deepEqual(shArgv(shQuote(s)), [s], `for ${JSON.stringify(s).slice(0, 60)}`);
    }
  });

  it('random byte strings round-trip through a real sh (2,000 cases)', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    const words: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 12);
      let w = '';
      for (let j = 0; j < len; j++) w += String.fromCharCode(1 + Math.floor(rnd() * 126));
      words.push(w);
    }
    // one sh per 200 words keeps it quick
    for (let i = 0; i < words.length; i += 200) {
      const chunk = words.slice(i, i + 200);
      assert.deepEqual(shArgv(chunk.map(shQuote).join(' ')), chunk);
    }
  });

  it('leaves plain words readable', () => {
    assert.equal(shJoin(['bpftool', '-j', 'prog', 'show']), 'bpftool -j prog show');
    assert.equal(shQuote('/sys/fs/bpf/edge'), '/sys/fs/bpf/edge');
    assert.equal(shQuote('a b'), `'a b'`);
  });

  it('rejects NUL and empty argv with a typed error', () => {
    assert.throws(() => shQuote('a\0b'), InputError);
    assert.throws(() => shJoin([]), InputError);
  });
});

describe('validators', () => {
  it('node names: plain names only', () => {
    for (const ok of ['edge1', 'edge-paris-1', 'a.b_c', 'N0de']) assert.equal(validateNodeName(ok), undefined, ok);
    for (const bad of ['', '-x', '.x', 'a b', 'a;b', 'a/b', '$(x)', 'a\nb', 'x'.repeat(64)]) {
      assert.ok(validateNodeName(bad), JSON.stringify(bad));
    }
  });
  it('hosts: names and addresses, nothing that looks like an option', () => {
    for (const ok of ['10.200.0.11', 'edge.example.com', '::1', '[fe80::1]', 'fe80::1%eth0', 'localhost']) {
      assert.equal(validateHost(ok), undefined, ok);
    }
    for (const bad of ['', '-oProxyCommand=x', 'a b', 'a;b', 'host\n', '$(x)', 'a..b']) assert.ok(validateHost(bad), JSON.stringify(bad));
  });
  it('users: no leading dash, no spaces or metacharacters', () => {
    for (const ok of ['root', 'edgeuser', 'svc.bpf', 'user@realm', 'machine$']) assert.equal(validateUser(ok), undefined, ok);
    for (const bad of ['', '-root', 'a b', 'a;b', '`x`', 'a\nb']) assert.ok(validateUser(bad), JSON.stringify(bad));
  });
  it('remote paths: absolute, no control characters', () => {
    assert.equal(validateRemotePath('/sys/fs/bpf/edge'), undefined);
    assert.equal(validateRemotePath("/tmp/it's fine"), undefined);
    for (const bad of ['relative', '-rf', '/a\nb', '']) assert.ok(validateRemotePath(bad), JSON.stringify(bad));
  });
});
