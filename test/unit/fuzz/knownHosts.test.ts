/** Fuzz: the known_hosts parser and the verdicts on host keys (src/core/inventory/knownHosts). */
import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { checkHostKey, entryMatches, keyTypeOf, parseKnownHosts } from '../../../src/core/inventory/knownHosts';
import type { KnownHostEntry } from '../../../src/core/inventory/knownHosts';
import type { Mutated, Seed } from '../../support/mutate';
import { lineCase } from '../../support/mutate';
import { Family, RUN_SEED, seedCase } from './family';
import { ECDSA, ED1, ED2, ED3, RSA } from './ssh';

/** a hashed host (`ssh-keygen -H`), with a fixed salt so the seed is the same every run */
const hashedHost = (name: string, saltByte: number): string => {
  const salt = Buffer.alloc(20, saltByte);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};
const khSeeds: Seed[] = [
  {
    name: 'known_hosts (plain, port, wildcard, negation, markers)',
    text: [
      '# edge fleet',
      `edge1,10.0.0.1 ssh-ed25519 ${ED1}`,
      `[10.0.0.2]:2222 ssh-ed25519 ${ED1} root@edge2`,
      `*.edge.example,!bad.edge.example ssh-ed25519 ${ED2}`,
      `edge?.lab ecdsa-sha2-nistp256 ${ECDSA}`,
      `10.0.0.3 ssh-rsa ${RSA}`,
      `@revoked * ssh-ed25519 ${ED3}`,
      `@cert-authority *.example ssh-ed25519 ${ED2} ca@example`,
      '',
    ].join('\n'),
  },
  {
    name: 'known_hosts (hashed, HashKnownHosts yes)',
    text: [
      `${hashedHost('edge1', 1)} ssh-ed25519 ${ED1}`,
      `${hashedHost('[10.0.0.2]:2222', 2)} ssh-ed25519 ${ED1}`,
      `${hashedHost('10.0.0.3', 3)} ssh-rsa ${RSA}`,
      `${hashedHost('10.0.0.3', 4)} ecdsa-sha2-nistp256 ${ECDSA}`,
      '',
    ].join('\n'),
  },
  {
    name: 'known_hosts (CRLF, IPv6, tabs, comments)',
    text: [
      `[fe80::1%eth0]:2200\tssh-ed25519\t${ED2}`,
      `2001:db8::7 ssh-ed25519 ${ED3}   # lab`,
      '   # indented comment',
      `EDGE9.Example ssh-rsa ${RSA}`,
      '',
    ].join('\r\n'),
  },
];
const khTokens = [
  '@revoked',
  '@cert-authority',
  '@bogus',
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ssh-dss',
  ED1,
  ED2,
  RSA,
  ECDSA,
  '|1|',
  '|1|x|y',
  '|2|a|b',
  '*',
  '?',
  '!',
  '!*',
  '[h]:',
  '[10.0.0.1]:2222',
  ',',
  ',,',
  '#',
  'AAAA',
  '====',
  'AAAAC3NzaC1lZDI1NTE5',
  hashedHost('edge1', 9),
];
const VERDICTS = new Set(['trusted', 'revoked', 'mismatch', 'unknown']);
const khProbes: [string, number, string][] = [
  ['edge1', 22, ED1],
  ['10.0.0.2', 2222, ED1],
  ['a.edge.example', 22, ED2],
  ['bad.edge.example', 22, ED2],
  ['edge7.lab', 22, ECDSA],
  ['10.0.0.3', 22, RSA],
  ['10.0.0.1', 22, ED3],
  ['x'.repeat(200), 22, ED1],
];

function entryProblem(e: KnownHostEntry, lines: number): string | undefined {
  if (typeof e.keyType !== 'string' || e.keyType === '' || !Buffer.isBuffer(e.key) || keyTypeOf(e.key) !== e.keyType)
    return 'key type does not match the blob';
  if (!Number.isInteger(e.line) || e.line < 1 || e.line > lines) return `line ${e.line} out of range`;
  if (e.marker !== undefined && e.marker !== 'revoked' && e.marker !== 'cert-authority') return `marker ${String(e.marker)}`;
  if ((e.hashed === undefined) === (e.patterns === undefined)) return 'neither (or both) hashed and patterns';
  if (e.hashed && (e.hashed.salt.length !== 20 || e.hashed.hash.length !== 20)) return 'hashed entry with a bad salt/hash';
  if (e.patterns && !e.patterns.every((p) => typeof p === 'string' && p !== '')) return 'an empty pattern';
  return undefined;
}

function checkKnownHosts(fam: Family, c: Mutated): void {
  const r = fam.call(c, 'parseKnownHosts', () => parseKnownHosts(c.text, 'kh'));
  if (!r) return;
  const lines = c.text.split(/\r?\n/);
  fam.check(c, Array.isArray(r.value), 'value is not an array');
  fam.issues(c, r.errors, 'known_hosts', lines.length);
  for (const e of r.value) {
    const problem = entryProblem(e, lines.length);
    fam.check(c, problem === undefined, `entry: ${problem ?? ''}`);
  }
  // every line that is not blank or a comment is an entry or an error, never both, never neither
  const meaningful = lines.map((l, k) => (l.trim() === '' || l.trim().startsWith('#') ? 0 : k + 1)).filter((k) => k > 0);
  const accounted = [...r.value.map((e) => e.line), ...r.errors.map((e) => e.line ?? 0)].sort((a, b) => a - b);
  fam.check(
    c,
    JSON.stringify(accounted) === JSON.stringify(meaningful),
    `lines ${JSON.stringify(meaningful)} but entries+errors name ${JSON.stringify(accounted)}`,
  );
  for (const [host, port, key] of khProbes) {
    const v = fam.call(c, `checkHostKey ${host}:${port}`, () => checkHostKey(r.value, host, port, Buffer.from(key, 'base64')));
    if (!v) continue;
    fam.check(c, VERDICTS.has(v.status), `verdict ${String(v.status)}`);
    if (v.status === 'trusted' || v.status === 'revoked')
      fam.check(c, /^SHA256:/.test(v.by.fingerprint) && v.by.file === 'kh', 'verdict without its fingerprint and file');
    if (v.status === 'mismatch') fam.check(c, v.expected.length > 0, 'mismatch without the expected keys');
  }
  for (const e of r.value.slice(0, 4))
    fam.call(c, 'entryMatches', () => entryMatches(e, c.rng.pick(['edge1', '[10.0.0.2]:2222', 'a.edge.example', 'é.example', ''])));
}

describe('fuzz: known_hosts parser', function () {
  this.timeout(60_000);

  it('unmutated files: every line an entry, the verdicts OpenSSH gives', () => {
    const [plain, hashed, crlf] = khSeeds.map((s) => parseKnownHosts(s.text, 'kh'));
    assert.ok(plain && hashed && crlf);
    assert.deepEqual([plain.errors, hashed.errors, crlf.errors], [[], [], []]);
    assert.deepEqual([plain.value.length, hashed.value.length, crlf.value.length], [7, 4, 3]);
    const verdict = (entries: readonly KnownHostEntry[], host: string, port: number, key: string): string =>
      checkHostKey(entries, host, port, Buffer.from(key, 'base64')).status;
    assert.equal(verdict(plain.value, 'edge1', 22, ED1), 'trusted');
    assert.equal(verdict(plain.value, '10.0.0.2', 2222, ED1), 'trusted');
    assert.equal(verdict(plain.value, '10.0.0.2', 22, ED1), 'unknown');
    assert.equal(verdict(plain.value, 'a.edge.example', 22, ED2), 'trusted');
    assert.equal(verdict(plain.value, 'bad.edge.example', 22, ED2), 'unknown');
    assert.equal(verdict(plain.value, 'edge7.lab', 22, ECDSA), 'trusted');
    assert.equal(verdict(plain.value, 'edge1', 22, ED2), 'mismatch');
    assert.equal(verdict(plain.value, '10.0.0.1', 22, ED3), 'revoked');
    assert.equal(verdict(hashed.value, 'edge1', 22, ED1), 'trusted');
    assert.equal(verdict(hashed.value, '10.0.0.2', 2222, ED1), 'trusted');
    assert.equal(verdict(hashed.value, '10.0.0.3', 22, ECDSA), 'trusted');
    assert.equal(verdict(crlf.value, 'fe80::1%eth0', 2200, ED2), 'trusted');
    assert.equal(verdict(crlf.value, 'edge9.example', 22, RSA), 'trusted');
    const fam = new Family('known_hosts seeds');
    for (const s of khSeeds) checkKnownHosts(fam, seedCase(s));
    assert.equal(fam.exceptions + fam.badResults + fam.reported, 0);
  });

  it('10,000 mutated files: no exception, every line accounted for, verdicts never throw', () => {
    const fam = new Family('known_hosts');
    for (let i = 0; i < 10_000; i++) {
      const c = lineCase(khSeeds, i, { runSeed: RUN_SEED + 2, tokens: khTokens });
      fam.input(c, () => checkKnownHosts(fam, c));
    }
    fam.done();
    assert.ok(fam.truncationsReported > 50, `bare truncations reported: ${fam.truncationsReported}`);
  });
});
