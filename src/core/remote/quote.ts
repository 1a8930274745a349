import { InputError } from '../base/errors';

/**
 * The ONE place where strings become a POSIX `sh` command line. Every argument is quoted so
 * that the remote shell sees exactly one literal word; nothing else in the product may build a
 * shell line by concatenation.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one argument for POSIX sh. NUL cannot be passed in argv and is rejected. */
export function shQuote(arg: string): string {
  if (arg.includes('\0')) throw new InputError('an argument contains a NUL byte, which no command can receive');
  if (arg !== '' && SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv → one sh command line (a simple command: no pipes, no redirections). */
export function shJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new InputError('empty command');
  return argv.map(shQuote).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Validation of strings that are not shell words but still reach a node or ssh: they are
// rejected early with a clear message instead of being "escaped" into something surprising.

function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(s);
}

/** A node's display name: what users type on the command line and see in the tree. */
export function validateNodeName(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    return `node name ${JSON.stringify(name)} is not allowed: use 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit`;
  }
  return undefined;
}

/** A host name or an IP address (v4, or v6 with or without brackets). */
export function validateHost(host: string): string | undefined {
  const v6 = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const ok =
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?$/.test(host) ||
    /^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?$/.test(v6);
  if (!ok || host.length > 253) return `host ${JSON.stringify(host)} is not a valid host name or address`;
  return undefined;
}

/** A login name as sshd and useradd accept it (no leading '-', no spaces or control chars). */
export function validateUser(user: string): string | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}\$?$/.test(user)) {
    return `user name ${JSON.stringify(user)} is not allowed`;
  }
  return undefined;
}

/** An absolute path on a node, given to a command as one argument. */
export function validateRemotePath(path: string): string | undefined {
  if (!path.startsWith('/')) return `path ${JSON.stringify(path)} must be absolute (start with '/')`;
  if (hasControl(path)) return `path ${JSON.stringify(path)} contains control characters`;
  if (path.length > 4095) return 'path is too long';
  return undefined;
}

export function validatePort(port: unknown): string | undefined {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    let shown: string | undefined;
    try {
      shown = JSON.stringify(port);
    } catch {
      // nested too deep to print (a settings value of [[[…]]]): still a problem, not a RangeError
      shown = Array.isArray(port) ? '[…]' : '{…}';
    }
    return `port ${shown} must be an integer from 1 to 65535`;
  }
  return undefined;
}
