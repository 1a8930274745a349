import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Looks for secrets in every file a run left behind: as text (UTF-8), as UTF-16LE (Chromium keeps
 * localStorage values that way), as hex, and as base64 at each of the three byte alignments
 * (the part of the encoding that does not depend on the bytes around the secret).
 */
export interface SecretHit {
  readonly file: string;
  readonly secret: string;
  readonly encoding: string;
}

export function encodings(secret: string): { encoding: string; bytes: Buffer }[] {
  const raw = Buffer.from(secret, 'utf8');
  const out = [
    { encoding: 'utf8', bytes: raw },
    { encoding: 'utf16le', bytes: Buffer.from(secret, 'utf16le') },
    { encoding: 'hex', bytes: Buffer.from(raw.toString('hex')) },
  ];
  for (let k = 0; k < 3; k++) {
    const b = Buffer.concat([Buffer.alloc(k), raw])
      .toString('base64')
      .replace(/=+$/, '');
    const start = k === 0 ? 0 : 4;
    const end = (k + raw.length) % 3 === 0 ? b.length : b.length - 4;
    if (end - start >= 8) out.push({ encoding: `base64+${k}`, bytes: Buffer.from(b.slice(start, end)) });
  }
  return out;
}

export function scanBuffer(buf: Buffer, secrets: Record<string, string>): { secret: string; encoding: string }[] {
  const hits: { secret: string; encoding: string }[] = [];
  for (const [label, value] of Object.entries(secrets)) {
    for (const e of encodings(value)) if (buf.includes(e.bytes)) hits.push({ secret: label, encoding: e.encoding });
  }
  return hits;
}

/** Every regular file under the roots (symlinks not followed), and what of the secrets is in it. */
export function scanTree(roots: readonly string[], secrets: Record<string, string>): { files: string[]; bytes: number; hits: SecretHit[] } {
  const files: string[] = [];
  const hits: SecretHit[] = [];
  let bytes = 0;
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) walk(path.join(p, e));
      return;
    }
    if (!st.isFile()) return;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(p);
    } catch {
      return; // a socket or a file that went away meanwhile
    }
    files.push(p);
    bytes += buf.length;
    for (const h of scanBuffer(buf, secrets)) hits.push({ file: p, ...h });
  };
  for (const r of roots) walk(r);
  return { files, bytes, hits };
}
