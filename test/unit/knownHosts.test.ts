import * as assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import {
  checkHostKey,
  entryMatches,
  fingerprintSha256,
  knownHostName,
  knownHostsLine,
  parseKnownHosts,
} from '../../src/core/inventory/knownHosts';

// real ed25519 public keys (from ssh-keygen)
const K1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMm/F15uGTSDUv/jMfPdJXC+tvrA5h8caZRfGTmQT04j';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMdF3NUpH5CZkFrpjpUIR+u4BRD0ElSNK6u1FAqrSXHy';
const blob = (b64: string): Buffer => Buffer.from(b64, 'base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

describe('known_hosts', () => {
  it('fingerprints like ssh-keygen -l -E sha256', () => {
    // ssh-keygen printed SHA256:ybtmvfISu4T5rH3sW0Z7apbjiqGX5bEw0LSxjiqf5r0 for K1
    assert.equal(fingerprintSha256(blob(K1)), 'SHA256:ybtmvfISu4T5rH3sW0Z7apbjiqGX5bEw0LSxjiqf5r0');
  });

  it('names: host on port 22, [host]:port otherwise', () => {
    assert.equal(knownHostName('Edge.Example', 22), 'edge.example');
    assert.equal(knownHostName('10.0.0.1', 2222), '[10.0.0.1]:2222');
  });

  it('plain, hashed, port, wildcard and negated entries', () => {
    const text = [
      '# comment',
      `10.0.0.1,edge1 ssh-ed25519 ${K1}`,
      `${hashed('[10.0.0.2]:2222')} ssh-ed25519 ${K1}`,
      `*.edge.example,!bad.edge.example ssh-ed25519 ${K2}`,
      '',
    ].join('\n');
    const r = parseKnownHosts(text, 'kh');
    assert.deepEqual(r.errors, []);
    assert.equal(r.value.length, 3);
    const [plain, hash, wild] = r.value;
    assert.ok(plain && hash && wild);
    assert.ok(entryMatches(plain, '10.0.0.1'));
    assert.ok(entryMatches(plain, 'edge1'));
    assert.ok(!entryMatches(plain, '[10.0.0.1]:2222'));
    assert.ok(entryMatches(hash, '[10.0.0.2]:2222'));
    assert.ok(!entryMatches(hash, '10.0.0.2'));
    assert.ok(entryMatches(wild, 'a.edge.example'));
    assert.ok(!entryMatches(wild, 'bad.edge.example'));
  });

  it('verdicts: trusted, mismatch (with expected fingerprints), unknown, revoked', () => {
    const entries = parseKnownHosts(`10.0.0.1 ssh-ed25519 ${K1}\n@revoked * ssh-ed25519 ${K2}\n`, 'kh').value;
    assert.equal(checkHostKey(entries, '10.0.0.1', 22, blob(K1)).status, 'trusted');
    const unknown = checkHostKey(entries, '10.0.0.9', 22, blob(K1));
    assert.equal(unknown.status, 'unknown');
    const revoked = checkHostKey(entries, '10.0.0.1', 22, blob(K2));
    assert.equal(revoked.status, 'revoked');
    const other = parseKnownHosts(`10.0.0.1 ssh-ed25519 ${K2}\n`, 'kh2').value;
    const mm = checkHostKey(other, '10.0.0.1', 22, blob(K1));
    assert.equal(mm.status, 'mismatch');
    assert.ok(mm.status === 'mismatch' && mm.expected[0]?.fingerprint === fingerprintSha256(blob(K2)) && mm.expected[0]?.file === 'kh2');
  });

  it('a revoked key is refused even when it is also listed as trusted', () => {
    const entries = parseKnownHosts(`10.0.0.1 ssh-ed25519 ${K1}\n@revoked 10.0.0.1 ssh-ed25519 ${K1}\n`).value;
    assert.equal(checkHostKey(entries, '10.0.0.1', 22, blob(K1)).status, 'revoked');
  });

  it('@cert-authority lines are not trust (ssh2 cannot check certificates)', () => {
    const entries = parseKnownHosts(`@cert-authority *.example ssh-ed25519 ${K2}\n`).value;
    const v = checkHostKey(entries, 'a.example', 22, blob(K1));
    assert.ok(v.status === 'unknown' && v.certAuthorityOnly);
  });

  it('bad lines are reported with their line number and skipped', () => {
    const r = parseKnownHosts(
      `junk\n@bogus h ssh-ed25519 ${K1}\nh ssh-ed25519 !!!\nh ssh-rsa ${K1}\nok ssh-ed25519 ${K1}\n|1|short|x ssh-ed25519 ${K1}\n`,
    );
    assert.equal(r.value.length, 1);
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [1, 2, 3, 4, 6],
    );
  });

  it('writes lines it can read back', () => {
    const line = knownHostsLine('10.0.0.5', 2201, blob(K1), 'added by test');
    const e = parseKnownHosts(line).value[0];
    assert.ok(e && entryMatches(e, '[10.0.0.5]:2201') && e.key.equals(blob(K1)));
  });
});
