import type { Authenticator, PasswordResult } from './authRunner';
import { takesPassword } from './authRunner';
import type { HandshakeScope } from './scope';

type AskPassword = NonNullable<HandshakeScope['o']['askPassword']>;

/**
 * The password method: the server's methods first (the keys went before, or were skipped), so a
 * password is sent the way it takes them; then the saved password, then asked up to three times
 * (as OpenSSH). 'sent': logged in; undefined: the next method, if any.
 */
export async function passwordLogin(h: HandshakeScope, auth: Authenticator): Promise<'sent' | undefined> {
  const o = h.o;
  if (auth.left === null) {
    const r = await auth.send({ type: 'none', username: o.username });
    if (r !== 'failed') return r === 'ok' ? 'sent' : undefined;
  }
  if (!takesPassword(auth.left)) return undefined;
  if (o.password !== undefined) {
    const r = await auth.tryPassword(o.password);
    if (r !== 'wrong') return r === 'ok' ? 'sent' : undefined;
    h.log(`${o.nodeName}: the saved password was refused`);
  }
  const first = o.password !== undefined ? 2 : 1;
  for (let attempt = first; attempt < first + 3 && o.askPassword; attempt++) {
    const r = await askOnce(h, auth, o.askPassword, attempt);
    if (r === 'ok') return 'sent';
    if (r === 'over') return undefined;
  }
  return undefined;
}

/** Ask for a password once; its prompt may log in itself (`check`), else its answer is tried here. */
async function askOnce(h: HandshakeScope, auth: Authenticator, ask: AskPassword, attempt: number): Promise<PasswordResult> {
  const o = h.o;
  const ended = new AbortController();
  const stop = (): void => ended.abort();
  h.promptsEnd.addEventListener('abort', stop);
  // the last check, awaited after the prompt: one closed during it (Escape) still gets its answer
  let last: Promise<PasswordResult> | undefined;
  const check = async (pw: string): Promise<boolean> => {
    // the server's answer is on the clock (the prompt stopped it for the person)
    h.arm();
    last = auth.tryPassword(pw);
    const r = await last;
    h.pause();
    if (r === 'over') ended.abort();
    return r === 'ok';
  };
  let pw: string | undefined;
  try {
    pw = await h.prompt(() =>
      ask({ nodeName: o.nodeName, user: o.username, host: o.host, port: o.port, attempt, check, signal: ended.signal }),
    );
  } finally {
    h.promptsEnd.removeEventListener('abort', stop);
  }
  const checked = await last;
  if (checked === 'ok' || checked === 'over') return checked;
  if (pw === undefined) return 'over';
  // a prompt that did not check it: try it here
  return auth.tryPassword(pw);
}
