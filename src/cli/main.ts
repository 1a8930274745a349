import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CancellationSource } from '../core/cancel';
import { mapLimit } from '../core/concurrency';
import { InputError, errorMessage } from '../core/errors';
import type { NodeConfig } from '../core/inventory';
import { parseConfigFile } from '../core/inventory';
import { listNode, listingJson } from '../core/listing';
import { nodesFromSshConfig } from '../core/sshConfig';
import type { ConnectContext } from '../ssh/nodeClient';
import { NodeClient } from '../ssh/nodeClient';
import { TrustStore } from '../ssh/trustStore';
import { Exit, errorKind, exitCodeFor } from './exitCodes';
import { formatListing, nodeHeader } from './format';
import { askHidden } from './prompt';

const USAGE = `ebpf-lens — eBPF programs, maps and links on your edge nodes, over SSH

Usage:
  ebpf-lens list (--node NAME[,NAME...] | --all) [options]

Nodes come from --config FILE (JSON: {"ebpfLens.nodes": [...]}, the extension's setting) or,
without it, from the Host entries of ~/.ssh/config.

Options:
  --config FILE         nodes (and "ebpfLens.knownHostsFiles") from a JSON file
  --known-hosts FILE    a known_hosts file to trust (repeatable; default ~/.ssh/known_hosts
                        and /etc/ssh/ssh_known_hosts), read together with eBPF Lens's own
                        $XDG_CONFIG_HOME/ebpf-lens/known_hosts
  --accept-new          trust an unknown host key and remember it (never a changed one)
  --timeout SECONDS     per connection and per command (default 20)
  --concurrency N       nodes worked on at once (default 8)
  --json                machine-readable output
  -h, --help

Exit codes: 0 ok, 2 usage, 3 connection/authentication/host key, 4 tool error on the node,
5 some of several nodes failed (each reported; the others listed).`;

export interface CliIO {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

class UsageError extends InputError {}

function loadInventory(configFile: string | undefined): { nodes: NodeConfig[]; knownHostsFiles?: string[]; warnings: string[] } {
  if (configFile) {
    let text: string;
    try {
      text = fs.readFileSync(configFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --config ${configFile}: ${errorMessage(e)}`);
    }
    const r = parseConfigFile(text);
    if (r.value.nodes.length === 0 && r.errors.length > 0) {
      throw new UsageError(`${configFile}: ${r.errors.map((e) => e.message).join('; ')}`);
    }
    return { ...r.value, warnings: r.errors.map((e) => `${configFile}: ${e.message}`) };
  }
  const r = nodesFromSshConfig();
  return { nodes: r.value, warnings: r.errors.map((e) => `~/.ssh/config: ${e.message}`) };
}

async function cmdList(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      node: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      config: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true },
      'accept-new': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '8' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(USAGE);
    return Exit.ok;
  }
  const timeoutS = Number(values.timeout);
  const concurrency = Number(values.concurrency);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
  const names = (values.node ?? []).flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n !== '');
  if (values.all === names.length > 0) throw new UsageError('give --node NAME[,NAME...] or --all (one of them)');

  const inv = loadInventory(values.config);
  for (const w of inv.warnings) io.err(`warning: ${w}`);
  let targets: NodeConfig[];
  if (values.all) targets = inv.nodes;
  else {
    const unknown = names.filter((n) => !inv.nodes.some((x) => x.name === n));
    if (unknown.length > 0) {
      throw new UsageError(
        `unknown node${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}` +
          ` (known: ${inv.nodes.map((n) => n.name).join(', ') || 'none'})`,
      );
    }
    targets = [...new Set(names)].map((n) => inv.nodes.find((x) => x.name === n) as NodeConfig);
  }
  if (targets.length === 0) throw new UsageError('no nodes to list: the inventory is empty');

  const trust = new TrustStore(values['known-hosts'] ?? inv.knownHostsFiles ?? TrustStore.defaultUserFiles(), TrustStore.defaultStoreFile(io.env));
  const cancel = new CancellationSource();
  const onSigint = (): void => cancel.cancel();
  process.once('SIGINT', onSigint);
  const ctx: ConnectContext = {
    trust,
    agent: io.env['SSH_AUTH_SOCK'] || undefined,
    connectTimeoutMs: timeoutS * 1000,
    commandTimeoutMs: timeoutS * 1000,
    onUnknownHostKey: async (p) => (values['accept-new'] && p.otherTypes.length === 0 && !p.certAuthorityOnly ? 'always' : 'reject'),
    askPassphrase: ({ file, attempt }) => askHidden(`${attempt > 1 ? 'Wrong passphrase. ' : ''}Passphrase for ${file}: `),
    askPassword: ({ user, host, port }) => askHidden(`${user}@${host}:${port}'s password: `),
  };

  interface Result {
    node: NodeConfig;
    ok: boolean;
    text: string;
    json: Record<string, unknown>;
    code: number;
  }
  // human output in node order, each node as soon as it and all nodes before it are done
  let printed = 0;
  const done: (Result | undefined)[] = new Array<Result | undefined>(targets.length);
  const flush = (): void => {
    while (printed < done.length && done[printed]) {
      const r = done[printed] as Result;
      if (!values.json) (r.ok ? io.out : io.err)(r.text);
      printed++;
    }
  };
  const results = await mapLimit(targets, concurrency, async (node, i): Promise<Result> => {
    const where = `${node.user ? `${node.user}@` : ''}${node.host}:${node.port}`;
    let client: NodeClient | undefined;
    let r: Result;
    try {
      client = await NodeClient.open(node, inv.nodes, ctx, cancel.token);
      const c = client;
      const listing = await listNode((cmd) => c.run(cmd, cancel.token), node.scope);
      r = {
        node,
        ok: true,
        code: Exit.ok,
        text: `${nodeHeader(node.name, where, c.info)}\n${formatListing(listing)}\n`,
        json: {
          node: node.name,
          host: node.host,
          port: node.port,
          ok: true,
          info: c.info,
          ...(node.scope ? { scope: node.scope } : {}),
          ...listingJson(listing),
        },
      };
    } catch (e) {
      r = {
        node,
        ok: false,
        code: exitCodeFor(e),
        text: `${node.name}  ${where}  ERROR (${errorKind(e)}): ${errorMessage(e)}\n`,
        json: { node: node.name, host: node.host, port: node.port, ok: false, error: { kind: errorKind(e), message: errorMessage(e) } },
      };
    } finally {
      client?.close();
    }
    done[i] = r;
    flush();
    return r;
  });
  process.removeListener('SIGINT', onSigint);
  if (values.json) io.out(JSON.stringify({ nodes: results.map((r) => r.json) }, null, 2));
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return Exit.ok;
  if (cancel.token.isCancellationRequested) return Exit.cancelled;
  if (results.length === 1) return failed[0]?.code ?? Exit.nodeTool;
  const codes = new Set(failed.map((r) => r.code));
  if (failed.length === results.length && codes.size === 1) return failed[0]?.code ?? Exit.someNodesFailed;
  return Exit.someNodesFailed;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'list':
        return await cmdList(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? Exit.usage : Exit.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'));
    io.err(`ebpf-lens: ${errorMessage(e)}${usage ? '\n(ebpf-lens --help for usage)' : ''}`);
    return usage ? Exit.usage : exitCodeFor(e);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
