import { SshError } from '../../core/base/errors';

/**
 * An error as ssh2 emits it. `level` says where it arose: 'client-socket' (the socket's error,
 * `code` its errno name), 'client-timeout' (keepalives unanswered), 'client-authentication' (no
 * method left, or a key that cannot sign), 'agent' (ssh-agent unreachable or cannot sign),
 * 'handshake' (key exchange, a refused host key), 'protocol'. A numeric `code` is the reason of
 * a DISCONNECT the server sent.
 */
export type Ssh2Error = Error & { level?: string; code?: string | number };

/** What the handshake knows when ssh2 reports an error. */
export interface HandshakeFacts {
  /** user@host:port */
  readonly target: string;
  /** the auth methods offered so far */
  readonly tried: readonly string[];
  /** identity files that could not be used */
  readonly unusable: readonly string[];
  /** the host key was refused: that is the reason, whatever ssh2 says about it */
  readonly hostKeyError?: SshError | undefined;
}

/**
 * The typed error an ssh2 error during the handshake means; undefined for an unreachable or
 * failing ssh-agent, which ssh2 gets past itself (it goes on with the next method).
 */
export function classifyHandshakeError(e: Ssh2Error, f: HandshakeFacts): SshError | undefined {
  if (e.level === 'agent') return undefined;
  if (f.hostKeyError) return f.hostKeyError;
  const { target, tried, unusable } = f;
  if (e.level === 'client-authentication') {
    return new SshError(
      'authFailed',
      `authentication failed for ${target} (tried: ${tried.join(', ') || 'no usable key, agent or password'})${unusableText(unusable)}`,
      { tried: [...tried], unusable: [...unusable] },
    );
  }
  if (typeof e.code === 'number' && tried.length > 0) {
    // the node sent DISCONNECT while we were logging in: sshd's MaxAuthTries ("Too many authentication failures")
    return new SshError(
      'authFailed',
      `authentication failed for ${target}: the node ended the tries (${e.message}; tried: ${tried.join(', ')})${unusableText(unusable)}`,
      { tried: [...tried], unusable: [...unusable] },
    );
  }
  if (e.level === 'client-timeout') return new SshError('timeout', `${target}: ${e.message}`);
  if (typeof e.code === 'number') return new SshError('disconnected', `${target} hung up: ${e.message}`, { code: e.code });
  if (e.level === 'client-socket' || e.code) return new SshError('unreachable', `${target}: ${e.message}`, { code: e.code });
  return new SshError('disconnected', `${target}: ${e.message}`);
}

/** An ssh2 error after login: the connection is lost (keepalives unanswered: a timeout). */
export function lostConnectionError(e: Ssh2Error, nodeName: string): SshError {
  return new SshError(e.level === 'client-timeout' ? 'timeout' : 'disconnected', `the connection to ${nodeName} was lost: ${e.message}`);
}

/** The socket closed before login, with no ssh2 error first (a refused host key has said why). */
export function closedDuringHandshake(target: string, hostKeyError: SshError | undefined): SshError {
  return hostKeyError ?? new SshError('disconnected', `${target} closed the connection during the handshake`);
}

/** The connection closed after login. */
export function closedError(nodeName: string): SshError {
  return new SshError('disconnected', `the connection to ${nodeName} closed`);
}

/** No login within the budget (prompts not counted). */
export function handshakeTimeout(target: string, timeoutMs: number): SshError {
  return new SshError('timeout', `${target}: no SSH handshake within ${timeoutMs / 1000} s`);
}

/** The TCP connect failed: ECONNREFUSED, EHOSTUNREACH, ENOTFOUND (a name that does not resolve) … */
export function socketError(host: string, port: number, e: NodeJS.ErrnoException): SshError {
  return new SshError('unreachable', `cannot reach ${host}:${port}: ${e.code ?? e.message}`, { code: e.code });
}

/** The TCP connect got no answer within the budget. */
export function socketTimeout(host: string, port: number, timeoutMs: number): SshError {
  return new SshError('unreachable', `${host}:${port} did not answer within ${timeoutMs / 1000} s`);
}

/** ", and could not use identity file X (no such file)" for an auth failure's message */
function unusableText(unusable: readonly string[]): string {
  if (unusable.length === 0) return '';
  return `; could not use identity file${unusable.length > 1 ? 's' : ''} ${unusable.join(', ')}`;
}
