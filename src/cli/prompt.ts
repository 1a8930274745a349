import * as fs from 'node:fs';
import * as tty from 'node:tty';

/**
 * Ask on the terminal without echo (passwords, passphrases). Without a terminal there is no one
 * to ask: the answer is undefined and the caller reports a clear authentication error.
 */
export async function askHidden(question: string, signal?: AbortSignal): Promise<string | undefined> {
  if (signal?.aborted) return undefined;
  let fd: number;
  try {
    fd = fs.openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  const input = new tty.ReadStream(fd);
  const output = new tty.WriteStream(fd);
  try {
    output.write(question);
    input.setRawMode(true);
    input.resume();
    return await new Promise<string | undefined>((resolve) => {
      // the connection ended while asking (the node hung up, a timeout): nobody wants the answer
      signal?.addEventListener(
        'abort',
        () => {
          output.write('\n');
          resolve(undefined);
        },
        { once: true },
      );
      let answer = '';
      input.on('data', (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            output.write('\n');
            resolve(answer);
            return;
          }
          if (ch === '\u0003' || ch === '\u0004') {
            output.write('\n');
            resolve(undefined);
            return;
          }
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      });
    });
  } finally {
    input.setRawMode(false);
    input.destroy();
    output.destroy();
  }
}
