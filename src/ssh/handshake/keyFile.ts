import * as fs from 'node:fs';
import type { ParsedKey } from 'ssh2';
import { errorMessage } from '../../core/base/errors';
import { ssh2 } from '../ssh2';
import type { HandshakeScope } from './scope';

/**
 * Read an identity file; an encrypted one's passphrase is asked, up to three times. A file that
 * cannot be used is logged and named in `h.unusable` (said in an auth failure).
 */
export async function loadKey(h: HandshakeScope, file: string): Promise<ParsedKey | undefined> {
  const o = h.o;
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    h.log(`${o.nodeName}: identity file ${file}: ${errorMessage(e)}`);
    h.unusable.push(`${file} (${fileProblem(e)})`);
    return undefined;
  }
  let parsed = ssh2().utils.parseKey(data);
  // what the prompt's check opened, so the key is not decrypted twice (bcrypt is slow on purpose)
  const opened = new Map<string, ParsedKey>();
  const check = (pass: string): boolean => {
    const r = ssh2().utils.parseKey(data, pass);
    if (r instanceof Error) return false;
    opened.set(pass, r);
    return true;
  };
  for (let attempt = 1; parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message) && attempt <= 3; attempt++) {
    const pass = await h.prompt(async () => o.askPassphrase?.({ nodeName: o.nodeName, file, attempt, check, signal: h.promptsEnd }));
    if (pass === undefined) return undefined;
    parsed = opened.get(pass) ?? ssh2().utils.parseKey(data, pass);
    opened.clear();
  }
  if (parsed instanceof Error) {
    h.log(`${o.nodeName}: identity file ${file}: ${parsed.message}`);
    h.unusable.push(`${file} (${parsed.message})`);
    return undefined;
  }
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** what a failed read of a local file means, in words */
function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'a directory, not a key file';
  return errorMessage(e);
}
