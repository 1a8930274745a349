import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CancellationSource } from '../core/cancel';
import { SLOW_LOGIN_MS, loginText } from '../core/bounds';
import { mapLimit } from '../core/concurrency';
import { InputError, ToolError, errorMessage } from '../core/errors';
import type { NodeConfig } from '../core/inventory';
import { parseConfigFile } from '../core/inventory';
import { listNode, listingJson } from '../core/listing';
import { nodesFromSshConfig } from '../core/sshConfig';
import type { ConnectContext } from '../ssh/nodeClient';
import { NodeClient } from '../ssh/nodeClient';
import { TraceRun } from '../ssh/trace';
import { TrustStore } from '../ssh/trustStore';
import type { TraceRecord } from '../core/trace/output';
import { mapText } from '../core/trace/format';
import { installedGuardFile } from '../core/trace/guard';
import type { Snapshot } from '../core/snapshot/model';
import { SnapshotStore } from '../core/snapshot/store';
import { knownFromStore } from '../core/snapshot/known';
import { takeSnapshot } from '../core/snapshot/take';
import { diffJson, diffSnapshots, diffText, objectsBeside, readSnapshotFile } from './snapshot';
import { Exit, errorKind, exitCodeFor } from './exitCodes';
import { formatListing, nodeHeader } from './format';
import { askHidden } from './prompt';
import type { CheckLine } from './check';
import { checkLineText, checkText, nodeCheckLines } from './check';
import type { Version } from '../core/bpftrace/catalog';
import { parseVersion } from '../core/bpftrace/catalog';
import { checkCommand } from '../core/bpftrace/check';

const USAGE = `ebpf-lens — eBPF programs, maps and links on your edge nodes, over SSH

Usage:
  ebpf-lens list (--node NAME[,NAME...] | --all) [options]
  ebpf-lens trace --node NAME FILE.bt|- [--duration S] [--json] [options]
  ebpf-lens snapshot --node NAME [--out DIR] [--note TEXT] [options]
  ebpf-lens diff A.json B.json [--json] [--no-instructions]
  ebpf-lens check FILE.bt... [--target-version X.Y] [--json] [--node NAME [options]]
  ebpf-lens guard-script      the root-owned trace guard to install on nodes (see SECURITY.md)

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

trace runs bpftrace on the node under eBPF Lens's guard: output streams back, Ctrl-C stops it
(END probes run, maps print), and nothing is left on the node however the run ends.
  --duration S          end the trace after S seconds (default: until Ctrl-C, at most 1 hour)
  --json                one JSON record per line, then a summary object

snapshot records what is deployed on a node (programs, their maps and attach points, pins,
normalised instructions) as JSON under DIR/NODE/ (default ./ebpf-lens-snapshots); an unchanged
deployment is not written again. diff compares two snapshots (two times, or two nodes).

check analyses bpftrace scripts without a kernel (syntax, unknown functions and builtins, arity,
map key shapes, variables used before assignment; features newer than --target-version, default
the newest bpftrace, are warnings). With --node it also compiles them with that node's bpftrace,
compile only: nothing is attached. One "FILE:LINE:COL: severity: message [code]" per finding,
or with --json one JSON object per line (file, line, col, endLine, endCol: 1-based, UTF-16
columns; severity error|warning|info; code; message).

Exit codes: 0 ok (diff: the same), 1 diff: they differ / check: errors found, 2 usage, 3 connection/authentication/host key, 4 tool error on the node
(for trace: the script was refused, a probe type is not available, bpftrace failed),
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

/** a line under a node's header when its login shell is slow (its startup files run for every session) */
function slowLoginNote(c: NodeClient): string {
  return c.login && c.login.ms > SLOW_LOGIN_MS ? `  note: ${loginText(c.login)}: its startup files run for every SSH session\n` : '';
}

function connectContext(values: { 'known-hosts'?: string[] | undefined; 'accept-new'?: boolean | undefined }, inv: { knownHostsFiles?: string[] }, timeoutS: number, io: CliIO): ConnectContext {
  const trust = new TrustStore(values['known-hosts'] ?? inv.knownHostsFiles ?? TrustStore.defaultUserFiles(), TrustStore.defaultStoreFile(io.env));
  return {
    trust,
    agent: io.env['SSH_AUTH_SOCK'] || undefined,
    connectTimeoutMs: timeoutS * 1000,
    commandTimeoutMs: timeoutS * 1000,
    onUnknownHostKey: async (p) => (values['accept-new'] && p.otherTypes.length === 0 && !p.certAuthorityOnly ? 'always' : 'reject'),
    askPassphrase: ({ file, attempt, signal }) => askHidden(`${attempt > 1 ? 'Wrong passphrase. ' : ''}Passphrase for ${file}: `, signal),
    askPassword: ({ user, host, port, attempt, signal }) => askHidden(`${attempt > 1 ? 'Permission denied, please try again.\n' : ''}${user}@${host}:${port}'s password: `, signal),
  };
}

async function cmdTrace(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      node: { type: 'string' },
      config: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true },
      'accept-new': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '20' },
      duration: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(USAGE);
    return Exit.ok;
  }
  if (!values.node) throw new UsageError('give --node NAME');
  if (positionals.length !== 1) throw new UsageError('give one script file (or - for standard input)');
  const file = positionals[0] ?? '';
  let script: string;
  try {
    script = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(e)}`);
  }
  const timeoutS = Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  let maxSec = 3600;
  if (values.duration !== undefined) {
    maxSec = Number(values.duration);
    if (!Number.isInteger(maxSec) || maxSec < 1) throw new UsageError('--duration must be a whole number of seconds, at least 1');
  }
  const inv = loadInventory(values.config);
  for (const w of inv.warnings) io.err(`warning: ${w}`);
  const node = inv.nodes.find((n) => n.name === values.node);
  if (!node) throw new UsageError(`unknown node ${JSON.stringify(values.node)} (known: ${inv.nodes.map((n) => n.name).join(', ') || 'none'})`);
  const ctx = connectContext(values, inv, timeoutS, io);
  const cancel = new CancellationSource();
  let trace: TraceRun | undefined;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (trace) {
      if (interrupts === 1) io.err('stopping… (Ctrl-C again to leave now: the node stops the trace by itself)');
      else process.exit(Exit.cancelled);
      trace.stop('interrupt');
    } else cancel.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const client = await NodeClient.open(node, inv.nodes, ctx, cancel.token);
  try {
    trace = await TraceRun.start(client, { script, maxSec, token: cancel.token });
    trace.on('record', (r: TraceRecord) => {
      if (values.json) io.out(JSON.stringify(r));
      else if (r.type === 'printf' || r.type === 'time' || r.type === 'text') process.stdout.write(r.text);
      else if (r.type === 'value') io.out(JSON.stringify(r.value));
      // maps print when bpftrace prints them (print(), and once at the end of the run)
      else if (r.type === 'map') io.out(mapText(r.map).trimEnd());
      else if (r.type === 'attached') io.err(`Attached ${r.probes} probe${r.probes === 1 ? '' : 's'} on ${node.name}`);
    });
    const o = await trace.finished;
    if (values.json) io.out(JSON.stringify({ type: 'summary', node: node.name, ...o, results: { ...o.results, lines: undefined } }));
    else {
      const drops = o.results.droppedByRate + o.results.droppedOldest;
      if (drops > 0 || o.results.lostByBpftrace > 0) io.err(`dropped ${drops} event(s) over the output limits; bpftrace lost ${o.results.lostByBpftrace}`);
      for (const d of o.diagnostics) io.err(`${d.severity}${d.line !== undefined ? ` line ${d.line}${d.col !== undefined ? `:${d.col}` : ''}` : ''}: ${d.message}`);
      if (o.error && o.error.kind !== 'tool.script') io.err(`ebpf-lens: ${o.error.message}`);
      if (o.leftover) io.err(`ebpf-lens: WARNING: ${o.leftover.message}`);
    }
    if (!o.error) return Exit.ok;
    return o.error.kind.startsWith('ssh.') ? Exit.connection : Exit.nodeTool;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    client.close();
  }
}

async function cmdSnapshot(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      node: { type: 'string' },
      out: { type: 'string', default: 'ebpf-lens-snapshots' },
      note: { type: 'string' },
      config: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true },
      'accept-new': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.node) throw new UsageError('give --node NAME');
  const timeoutS = Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  const inv = loadInventory(values.config);
  const node = inv.nodes.find((n) => n.name === values.node);
  if (!node) throw new UsageError(`unknown node ${JSON.stringify(values.node)} (known: ${inv.nodes.map((n) => n.name).join(', ') || 'none'})`);
  const client = await NodeClient.open(node, inv.nodes, connectContext(values, inv, timeoutS, io));
  try {
    const store = new SnapshotStore(values.out ?? 'ebpf-lens-snapshots');
    // programs the store already holds (same tag and size, same kernel) are not dumped again
    const known = await knownFromStore(store, node.name, client.info.kernel);
    const snap = await takeSnapshot((cmd) => client.run(cmd), node, client.info, { known, ...(values.note ? { note: values.note } : {}) });
    const { entry, saved } = await store.save(snap);
    if (values.json) io.out(JSON.stringify({ path: entry.path, saved, programs: snap.programs.length, transient: snap.transient, contentHash: snap.contentHash }));
    else io.out(saved ? `${entry.path}  (${snap.programs.length} programs${snap.transient ? `, ${snap.transient} bpftrace programs left out` : ''})` : `unchanged since ${entry.path}`);
    return Exit.ok;
  } finally {
    client.close();
  }
}

function cmdDiff(args: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, 'no-instructions': { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError('give two snapshot files: ebpf-lens diff A.json B.json');
  let a: Snapshot;
  let b: Snapshot;
  try {
    a = readSnapshotFile(positionals[0] ?? '');
    b = readSnapshotFile(positionals[1] ?? '');
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const fromA = objectsBeside(positionals[0] ?? '');
  const fromB = objectsBeside(positionals[1] ?? '');
  const d = diffSnapshots(a, b, (p) => (a.programs.includes(p) ? fromA(p) : fromB(p)));
  io.out(values.json ? JSON.stringify(diffJson(d), null, 1) : diffText(d, !values['no-instructions']));
  return d.same ? Exit.ok : Exit.findings;
}

async function cmdCheck(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'target-version': { type: 'string' },
      json: { type: 'boolean', default: false },
      node: { type: 'string' },
      config: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true },
      'accept-new': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('give one or more script files (or - for standard input)');
  let target: Version | undefined;
  if (values['target-version'] !== undefined) {
    target = parseVersion(values['target-version']);
    if (!target) throw new UsageError(`--target-version wants a version like 0.17 (got ${JSON.stringify(values['target-version'])})`);
  }
  const files = positionals.map((f) => {
    try {
      return { file: f === '-' ? '<stdin>' : f, text: f === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(f, 'utf8') };
    } catch (e) {
      throw new UsageError(`cannot read ${f}: ${errorMessage(e)}`);
    }
  });
  const found: CheckLine[] = [];
  let client: NodeClient | undefined;
  try {
    if (values.node) {
      const timeoutS = Number(values.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('--timeout must be a positive number of seconds');
      const inv = loadInventory(values.config);
      for (const w of inv.warnings) io.err(`warning: ${w}`);
      const node = inv.nodes.find((n) => n.name === values.node);
      if (!node) throw new UsageError(`unknown node ${JSON.stringify(values.node)} (known: ${inv.nodes.map((n) => n.name).join(', ') || 'none'})`);
      client = await NodeClient.open(node, inv.nodes, connectContext(values, inv, timeoutS, io));
      const v = client.info.bpftrace?.version;
      if (!client.info.bpftrace || !v) throw new ToolError('missing', `bpftrace is not installed on ${node.name} (or did not say its version)`);
      // the node's version is the target unless one was given
      target ??= parseVersion(v);
    }
    for (const f of files) {
      found.push(...checkText(f.file, f.text, target));
      if (client) {
        const r = await client.run(checkCommand(client.info.bpftrace?.version ?? '', f.text));
        found.push(...nodeCheckLines(f.file, r.diagnostics, client.node.name));
      }
    }
  } finally {
    client?.close();
  }
  for (const l of found) io.out(values.json ? JSON.stringify(l) : checkLineText(l));
  const errors = found.filter((l) => l.severity === 'error').length;
  if (!values.json && found.length > 0) io.err(`${errors} error${errors === 1 ? '' : 's'}, ${found.length - errors} other finding${found.length - errors === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`);
  return errors > 0 ? Exit.findings : Exit.ok;
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

  const cancel = new CancellationSource();
  const onSigint = (): void => cancel.cancel();
  process.once('SIGINT', onSigint);
  const ctx = connectContext(values, inv, timeoutS, io);

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
        text: `${nodeHeader(node.name, where, c.info)}\n${slowLoginNote(c)}${formatListing(listing)}\n`,
        json: {
          node: node.name,
          host: node.host,
          port: node.port,
          ok: true,
          info: c.info,
          ...(c.login ? { login: c.login } : {}),
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
      case 'trace':
        return await cmdTrace(rest, io);
      case 'snapshot':
        return await cmdSnapshot(rest, io);
      case 'diff':
        return cmdDiff(rest, io);
      case 'check':
        return await cmdCheck(rest, io);
      case 'guard-script':
        // the root-owned guard a team may install on its nodes (SECURITY.md)
        process.stdout.write(installedGuardFile());
        return Exit.ok;
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
