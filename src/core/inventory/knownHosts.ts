import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ParseIssue, Parsed } from '../base/result';

/**
 * OpenSSH known_hosts: plain and hashed (`|1|salt|hash`) host patterns, `[host]:port`, `!`
 * negation, `*`/`?` wildcards, and the `@revoked` / `@cert-authority` markers. No well-kept npm
 * package parses this format (checked: `known-hosts` 0.1.0 is a 2015 one-off), so it lives here,
 * pure and fuzzed.
 */

export interface KnownHostEntry {
  readonly marker?: 'revoked' | 'cert-authority';
  /** comma-separated host patterns of a plain line */
  readonly patterns?: readonly string[];
  /** salt and HMAC-SHA1 of a hashed line */
  readonly hashed?: { readonly salt: Buffer; readonly hash: Buffer };
  readonly keyType: string;
  /** the public key blob (base64-decoded) */
  readonly key: Buffer;
  readonly file?: string;
  readonly line: number;
}

export function parseKnownHosts(text: string, file?: string): Parsed<KnownHostEntry[]> {
  const value: KnownHostEntry[] = [];
  const errors: ParseIssue[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        errors.push({ line: i + 1, message: `unknown marker ${m ?? ''}` });
        return;
      }
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) {
      errors.push({ line: i + 1, message: 'expected: [marker] hosts keytype base64-key [comment]' });
      return;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
      errors.push({ line: i + 1, message: 'the key is not base64' });
      return;
    }
    const key = Buffer.from(b64, 'base64');
    if (key.length < 8 || keyTypeOf(key) !== keyType) {
      errors.push({ line: i + 1, message: `the key blob is not a ${keyType} key` });
      return;
    }
    const base = { keyType, key, line: i + 1, ...(file !== undefined ? { file } : {}), ...(marker ? { marker } : {}) };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      const s = Buffer.from(salt ?? '', 'base64');
      const h = Buffer.from(hash ?? '', 'base64');
      if (s.length !== 20 || h.length !== 20) {
        errors.push({ line: i + 1, message: 'hashed host entry is malformed' });
        return;
      }
      value.push({ ...base, hashed: { salt: s, hash: h } });
    } else {
      value.push({ ...base, patterns: hosts.split(',').filter((p) => p !== '') });
    }
  });
  return { value, errors };
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** A code unit as a case-insensitive RegExp (no `u` flag) compares it (ECMA-262 Canonicalize). */
function fold(c: string): string {
  const u = c.toUpperCase();
  return u.length !== 1 || (c.charCodeAt(0) >= 128 && u.charCodeAt(0) < 128) ? c : u;
}
/** Folded code unit by code unit (same length); printable ASCII, every host name, all at once. */
function folded(s: string): string {
  return /^[ -~]*$/.test(s) ? s.toUpperCase() : Array.from({ length: s.length }, (_, k) => fold(s.charAt(k))).join('');
}
const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/**
 * `*` and `?` patterns, case-insensitive, matched as the RegExp `^…$` with `.*` and `.` they
 * used to be, but without backtracking: `*a*a*a*a*a*a*a*a*a*ab` in a known_hosts file took
 * minutes per host key check as a RegExp. Greedy with a return to the last `*`: O(pattern × name).
 */
function wildcard(pattern: string, name: string): boolean {
  const p = folded(pattern);
  const t = folded(name);
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < t.length) {
    const pc = p.charAt(i);
    if (pc === '*') {
      star = i++;
      mark = j;
    } else if (i < p.length && (pc === '?' ? !isLineEnd(t.charCodeAt(j)) : pc === t.charAt(j))) {
      i++;
      j++;
    } else if (star >= 0 && !isLineEnd(t.charCodeAt(mark))) {
      // the last `*` takes one more character (like `.`, never a line end) and the rest is tried again
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (p.charAt(i) === '*') i++;
  return i === p.length;
}

/** Does the entry name this host? Negated patterns win over positive ones, as in OpenSSH. */
export function entryMatches(e: KnownHostEntry, name: string): boolean {
  if (e.hashed) {
    const mac = createHmac('sha1', e.hashed.salt).update(name).digest();
    return timingSafeEqual(mac, e.hashed.hash);
  }
  let positive = false;
  for (const p of e.patterns ?? []) {
    if (p.startsWith('!')) {
      if (wildcard(p.slice(1), name)) return false;
    } else if (wildcard(p, name)) positive = true;
  }
  return positive;
}

/** OpenSSH-style fingerprint: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return undefined;
  const t = blob.subarray(4, 4 + n).toString('latin1');
  return /^[\x21-\x7e]+$/.test(t) ? t : undefined;
}

export interface KnownKeyRef {
  readonly keyType: string;
  readonly fingerprint: string;
  readonly file?: string;
  readonly line: number;
}

export type HostKeyVerdict =
  | { readonly status: 'trusted'; readonly by: KnownKeyRef }
  | { readonly status: 'revoked'; readonly by: KnownKeyRef }
  /** the host is known with other keys of this type: possible man-in-the-middle */
  | { readonly status: 'mismatch'; readonly expected: readonly KnownKeyRef[] }
  /** nothing known for this host and key type (`otherTypes`: key types that are known) */
  | { readonly status: 'unknown'; readonly otherTypes: readonly string[]; readonly certAuthorityOnly: boolean };

const ref = (e: KnownHostEntry): KnownKeyRef => ({
  keyType: e.keyType,
  fingerprint: fingerprintSha256(e.key),
  line: e.line,
  ...(e.file !== undefined ? { file: e.file } : {}),
});

/**
 * StrictHostKeyChecking semantics: a revoked key (on any line, for any host) is refused; a key
 * listed for the host is trusted; a host known with a different key of the same type is a
 * mismatch; anything else is unknown (the caller asks, or refuses).
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', by: ref(revoked) };
  const name = knownHostName(host, port);
  const forHost = entries.filter((e) => e.marker !== 'revoked' && entryMatches(e, name));
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: 'trusted', by: ref(same) };
  const type = keyTypeOf(key);
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'mismatch', expected: sameType.map(ref) };
  return {
    status: 'unknown',
    otherTypes: [...new Set(plain.map((e) => e.keyType))],
    certAuthorityOnly: plain.length === 0 && forHost.some((e) => e.marker === 'cert-authority'),
  };
}

/** A known_hosts line for a newly trusted key (plain host name, as `ssh -o HashKnownHosts=no`). */
export function knownHostsLine(host: string, port: number, key: Buffer, comment?: string): string {
  const type = keyTypeOf(key) ?? 'unknown';
  return `${knownHostName(host, port)} ${type} ${key.toString('base64')}${comment ? ` ${comment.replace(/\s+/g, ' ')}` : ''}`;
}
