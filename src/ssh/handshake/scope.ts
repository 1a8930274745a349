import type { SshError } from '../../core/base/errors';
import type { ConnectOptions, Logger } from '../connection';

/** What the parts of one handshake share: its options, its clock, its end, and what it tried. */
export interface HandshakeScope {
  readonly o: ConnectOptions;
  readonly log: Logger;
  /** the handshake has ended: logged in, failed or cancelled */
  readonly settled: boolean;
  /** ends the prompts still open when the handshake ends (a failure, a cancel) */
  readonly promptsEnd: AbortSignal;
  /** the auth methods offered, for the log and an auth failure */
  readonly tried: string[];
  /** identity files that could not be used (missing, unreadable, not a key): named in an auth failure */
  readonly unusable: string[];
  /** why the host key was refused: said instead of ssh2's error */
  hostKeyError: SshError | undefined;
  /** end the handshake with this error (once) */
  fail(e: Error): void;
  /** (re)start the handshake's clock */
  arm(): void;
  /** stop the clock */
  pause(): void;
  /** prompts stop the clock: a person reading a fingerprint is not a slow server */
  prompt<T>(ask: () => Promise<T>): Promise<T>;
}
