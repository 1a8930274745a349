import * as fs from 'node:fs';
import { SLOW_LOGIN_MS, loginText } from '../core/remote/bounds';
import { InputError, errorMessage } from '../core/base/errors';
import type { NodeConfig } from '../core/inventory/inventory';
import { parseConfigFile } from '../core/inventory/inventory';
import { nodesFromSshConfig } from '../core/inventory/sshConfig';
import type { ConnectContext, NodeClient } from '../ssh/nodeClient';
import { TrustStore, expandHome } from '../ssh/trustStore';
import { askHidden } from './prompt';

export interface CliIO {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** standard output as is (a trace's printf text), when it is not `out` plus a newline */
  readonly write?: (s: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Called once when standard output is closed by its reader (`ebpf-lens trace … | head -2`):
   * the command stops its work as Ctrl-C would and ends quietly with Exit.outputClosed.
   */
  readonly onOutputClosed?: (listener: () => void) => void;
  readonly outputClosed?: () => boolean;
  /** resolves when what was written has reached standard output (or it was found closed) */
  readonly flush?: () => Promise<void>;
}

export class UsageError extends InputError {}

/** A node entry of the inventory that could not be read: a failed row where nodes are listed. */
export interface InvalidNode {
  readonly name: string;
  readonly message: string;
}

export interface Inventory {
  readonly nodes: NodeConfig[];
  readonly knownHostsFiles?: string[];
  readonly warnings: string[];
  readonly invalid: InvalidNode[];
}

export function loadInventory(configFile: string | undefined): Inventory {
  if (configFile) {
    let text: string;
    try {
      text = fs.readFileSync(configFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --config ${configFile}: ${errorMessage(e)}`);
    }
    const r = parseConfigFile(text);
    const invalid = r.errors.filter((e) => e.node !== undefined).map((e) => ({ name: e.node ?? '', message: e.message }));
    if (r.value.nodes.length === 0 && invalid.length === 0 && r.errors.length > 0) {
      throw new UsageError(`${configFile}: ${r.errors.map((e) => e.message).join('; ')}`);
    }
    return { ...r.value, invalid, warnings: r.errors.filter((e) => e.node === undefined).map((e) => `${configFile}: ${e.message}`) };
  }
  const r = nodesFromSshConfig();
  return { nodes: r.value, invalid: [], warnings: r.errors.map((e) => `~/.ssh/config: ${e.message}`) };
}

/** a line under a node's header when its login shell is slow (its startup files run for every session) */
export function slowLoginNote(c: NodeClient): string {
  return c.login && c.login.ms > SLOW_LOGIN_MS ? `  note: ${loginText(c.login)}: its startup files run for every SSH session\n` : '';
}

export interface ConnectOptions {
  readonly 'known-hosts'?: string[] | undefined;
  readonly 'accept-new'?: boolean | undefined;
}

/** The known_hosts files a user named (--known-hosts, "ebpfLens.knownHostsFiles") that do not exist. */
export function missingKnownHosts(values: ConnectOptions, inv: { knownHostsFiles?: string[] }): string[] {
  const named = values['known-hosts'] ?? inv.knownHostsFiles ?? [];
  return named.filter((f) => !fs.existsSync(expandHome(f)));
}

export function connectContext(values: ConnectOptions, inv: { knownHostsFiles?: string[] }, timeoutS: number, io: CliIO): ConnectContext {
  for (const f of missingKnownHosts(values, inv))
    io.err(`warning: the known_hosts file ${f} does not exist: no host key is trusted from it`);
  const trust = new TrustStore(
    values['known-hosts'] ?? inv.knownHostsFiles ?? TrustStore.defaultUserFiles(),
    TrustStore.defaultStoreFile(io.env),
  );
  return {
    trust,
    agent: io.env['SSH_AUTH_SOCK'] || undefined,
    connectTimeoutMs: timeoutS * 1000,
    commandTimeoutMs: timeoutS * 1000,
    onUnknownHostKey: async (p) => (values['accept-new'] && p.otherTypes.length === 0 && !p.certAuthorityOnly ? 'always' : 'reject'),
    askPassphrase: ({ file, attempt, signal }) => askHidden(`${attempt > 1 ? 'Wrong passphrase. ' : ''}Passphrase for ${file}: `, signal),
    askPassword: ({ user, host, port, attempt, signal }) =>
      askHidden(`${attempt > 1 ? 'Permission denied, please try again.\n' : ''}${user}@${host}:${port}'s password: `, signal),
  };
}

export function positiveSeconds(value: string | undefined, option: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`${option} must be a positive number of seconds`);
  return n;
}

export function positiveInteger(value: string | undefined, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a positive integer`);
  return n;
}

/** user@host:port, as the node's rows and errors say where it is */
export function where(node: NodeConfig): string {
  return `${node.user ? `${node.user}@` : ''}${node.host}:${node.port}`;
}

/** Node's parseArgs errors, in the CLI's own words (args: what the command was given). */
export function argsMessage(e: unknown, args: readonly string[]): string | undefined {
  if (!(e instanceof TypeError) || !('code' in e) || !String(e.code).startsWith('ERR_PARSE_ARGS')) return undefined;
  const option = /^Option '(-[-\w]+)' argument is ambiguous/.exec(e.message)?.[1];
  if (!option) return e.message;
  const i = args.indexOf(option);
  const value = i >= 0 ? args[i + 1] : undefined;
  const shown = value !== undefined ? JSON.stringify(value) : 'a value';
  return `${option} was given ${shown}, which starts with "-" like an option; if that is the value you mean, write ${option}=${value ?? 'VALUE'}`;
}
