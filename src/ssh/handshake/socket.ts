import * as net from 'node:net';
import type { CancellationTokenLike } from '../../core/base/cancel';
import { CancelledError } from '../../core/base/errors';
import { socketError, socketTimeout } from './classifyError';

/** Open a TCP socket with TCP_NODELAY (no Nagle + delayed-ACK stalls on small commands). */
export function openSocket(host: string, port: number, timeoutMs: number, token?: CancellationTokenLike): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = new net.Socket();
    sock.setNoDelay(true);
    let done = false;
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub?.dispose();
      if (e) {
        sock.destroy();
        reject(e);
      } else resolve(sock);
    };
    const timer = setTimeout(() => finish(socketTimeout(host, port, timeoutMs)), timeoutMs);
    const sub = token?.onCancellationRequested(() => finish(new CancelledError()));
    sock.once('connect', () => finish());
    sock.once('error', (e: NodeJS.ErrnoException) => finish(socketError(host, port, e)));
    sock.connect(port, host);
  });
}
