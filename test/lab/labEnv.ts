import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeConfig } from '../../src/core/inventory/inventory';
import { parseNodes } from '../../src/core/inventory/inventory';
import type { ConnectContext } from '../../src/ssh/nodeClient';
import { NodeClient } from '../../src/ssh/nodeClient';
import { TrustStore } from '../../src/ssh/trustStore';
import { repoRoot } from '../unit/paths';
import { sleep, waitFor } from '../unit/wait';
import { LAB_COMMAND_MS, LAB_CONNECT_MS } from './bounds';

export { sleep, waitFor };

/** The lab made by test/lab/lab.sh (its lab.json), and helpers to act on it as root. */
export interface LabNode {
  readonly name: string;
  readonly kind: 'netns' | 'loopback' | 'hidden' | 'trixie' | 'forky';
  readonly host: string;
  readonly port: number;
  readonly netns: string;
  /** the node's root directory as seen in its mount namespace ('' = /) */
  readonly root: string;
  readonly clientAlive: boolean;
  readonly forwarding: boolean;
  readonly proxyJump: string | null;
  readonly hostKey: string;
  readonly hostKeySha256: string;
  /** the node's listening sshd (its namespaces are the node's) */
  readonly sshdPid: number;
}

export interface Lab {
  readonly labDir: string;
  readonly clientKey: string;
  readonly wrongKey: string;
  readonly passphraseKey: string;
  readonly passphraseFile: string;
  readonly passwordFile: string;
  readonly knownHosts: string;
  readonly sudoUser: string;
  readonly noSudoUser: string;
  /** the lab's binaries (edgeapp, writegen, lab-load, BPF objects) */
  readonly labBin: string;
  readonly nodes: readonly LabNode[];
}

/**
 * One node of each flavour of the lab: the Debian release its tools come from and their versions.
 * A test of something that differs between versions runs on all three.
 */
export const FLAVOURS = [
  { node: 'edge1', release: 'bookworm', bpftrace: '0.17', bpftool: '7.1' },
  { node: 'trixie1', release: 'trixie', bpftrace: '0.23', bpftool: '7.5' },
  { node: 'forky1', release: 'forky', bpftrace: '0.27', bpftool: '7.8' },
] as const;
export type FlavourNode = (typeof FLAVOURS)[number]['node'];
export const FLAVOUR_NODES: readonly FlavourNode[] = FLAVOURS.map((f) => f.node);
/** the nodes that run a Debian root of their own (their files are under LabNode.root) */
export const ROOTED_NODES = ['trixie1', 'forky1'] as const;

export const LAB_SH = path.join(repoRoot, 'test', 'lab', 'lab.sh');
const labDir = process.env['LAB_DIR'] ?? '/run/ebpf-lens-lab';

export function lab(): Lab {
  return JSON.parse(fs.readFileSync(path.join(labDir, 'lab.json'), 'utf8')) as Lab;
}

export function labNode(name: string): LabNode {
  const n = lab().nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no lab node ${name}`);
  return n;
}

/** Run lab.sh (deploy, cut, kill, fault …). */
export function labSh(...args: string[]): string {
  return execFileSync('bash', [LAB_SH, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** lab.sh without waiting for it: resolves with its output, rejects with its error output */
export function labShAsync(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', [LAB_SH, ...args], { encoding: 'utf8' }, (e, out, err) =>
      e ? reject(new Error(`lab.sh ${args.join(' ')}: ${err || e.message}`)) : resolve(out),
    ),
  );
}

/** lab.sh with settings of its own in the environment (SLOW=… for `fault NODE slow`) */
export function labShWith(env: Record<string, string>, ...args: string[]): string {
  return execFileSync('bash', [LAB_SH, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

/** Run a command on a node directly (nsenter, root, no ssh): the ground truth for tests. */
export function onNode(node: string, argv: readonly string[]): string {
  const n = labNode(node);
  const full = n.root ? ['chroot', n.root, ...argv] : [...argv];
  return labSh('nodeexec', node, ...full);
}

/** `bpftool -j …` run on the node itself. */
export function bpftoolOn(node: string, ...args: string[]): unknown {
  return JSON.parse(onNode(node, ['bpftool', '-j', ...args]));
}

export function readSecret(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

/** A node of the lab as the product's inventory sees it. */
export function nodeConfig(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const n = labNode(name);
  return {
    name,
    host: n.host,
    port: n.port,
    user: 'root',
    identityFile: lab().clientKey,
    ...(n.proxyJump ? { proxyJump: n.proxyJump } : {}),
    ...over,
  };
}

export function inventory(list: Record<string, unknown>[]): NodeConfig[] {
  const r = parseNodes(list, 'configFile');
  if (r.errors.length > 0) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}

/** A fresh product config dir (its own trust store) per test. */
/** Temporary directories the tests made here; removed when the test process exits. */
const madeDirs: string[] = [];
process.once('exit', () => {
  for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true });
});
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(d);
  return d;
}

export function tempXdg(): string {
  return tempDir('ebpf-lens-xdg-');
}

export function context(over: Partial<ConnectContext> & { knownHosts?: string[]; xdg?: string } = {}): ConnectContext {
  const xdg = over.xdg ?? tempXdg();
  return {
    trust: new TrustStore(over.knownHosts ?? [lab().knownHosts], path.join(xdg, 'ebpf-lens', 'known_hosts')),
    connectTimeoutMs: LAB_CONNECT_MS,
    commandTimeoutMs: LAB_COMMAND_MS,
    ...over,
  };
}

export async function openNode(
  name: string,
  over: Record<string, unknown> = {},
  ctx: ConnectContext = context(),
  extra: Record<string, unknown>[] = [],
): Promise<NodeClient> {
  const inv = inventory([nodeConfig(name, over), ...extra]);
  return NodeClient.open(inv[0] as NodeConfig, inv, ctx);
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real CLI bundle (dist/cli.js) as a user would. */
export function cli(args: string[], env: Record<string, string> = {}, onStart?: (pid: number) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: os.homedir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (onStart && child.pid) onStart(child.pid);
  });
}

/** Write a CLI config file with these nodes; returns its path. */
export function writeConfig(nodes: Record<string, unknown>[], knownHosts: string[] = [lab().knownHosts]): string {
  const dir = tempDir('ebpf-lens-cfg-');
  const file = path.join(dir, 'nodes.json');
  fs.writeFileSync(file, JSON.stringify({ 'ebpfLens.nodes': nodes, 'ebpfLens.knownHostsFiles': knownHosts }, null, 2));
  return file;
}

/** The node's own view: is that pid still a bpftrace? Which programs are loaded? Which temp files? */
export function alive(node: string, pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    // a zombie waiting for init to reap it is not running
    const st = onNode(node, ['sh', '-c', `echo "$(cat /proc/${pid}/comm) $(sed 's/.*) //' /proc/${pid}/stat | cut -d' ' -f1)"`]).trim();
    return /^bpftrace [^Z]/.test(st);
  } catch {
    return false;
  }
}
export const progIds = (node: string): Set<number> => new Set((bpftoolOn(node, 'prog', 'show') as { id: number }[]).map((p) => p.id));
export function tempFiles(node: string): string[] {
  const out = onNode(node, ['sh', '-c', 'ls -1 /tmp | grep "^ebpf-lens-" || true']).trim();
  return out ? out.split('\n') : [];
}

/** the program types a bpftrace trace attaches (what it may leave behind) */
const TRACE_PROG_TYPES = new Set(['tracepoint', 'kprobe', 'perf_event', 'raw_tracepoint', 'tracing', 'raw_tracepoint_writable']);

/** Everything a trace may leave on a node is gone (within the 15 s the issue allows). */
export async function nothingLeft(node: string, pid: number | undefined, before: Set<number>, within = 15_000): Promise<void> {
  await waitFor(() => !alive(node, pid), within, `bpftrace ${pid} on ${node} to end`);
  // programs are kernel-global: only new programs of the kinds a trace loads count (bpftrace's own
  // feature probes are socket filters, and so is what another job on the machine may load)
  const ours = (): { id: number; type: string; name?: string }[] =>
    (bpftoolOn(node, 'prog', 'show') as { id: number; type: string; name?: string }[]).filter(
      (p) => !before.has(p.id) && TRACE_PROG_TYPES.has(p.type),
    );
  await waitFor(() => ours().length === 0, 5000, 'the trace programs to be unloaded', 100, ours);
  await waitFor(
    () => tempFiles(node).length === 0,
    within,
    `no script file in ${node}'s temp dir`,
    100,
    () => tempFiles(node),
  );
}

/**
 * Every edge node of `names` gets a slow login shell (lab.sh slowlogin): `cpu 0.5` keeps a CPU
 * busy for half a second of CPU time in /etc/bash.bashrc of each SSH session, on top of whatever
 * the machine's own rc files cost. Undone by `slowLoginOff` (and by lab.sh down).
 */
export function slowLogin(names: readonly string[], mode: 'cpu' | 'sleep', secs: number): void {
  for (const n of names) labSh('slowlogin', n, mode, String(secs));
}
export function slowLoginOff(names: readonly string[]): void {
  for (const n of names) labSh('slowlogin', n, 'off');
}

/** pids of processes whose command line matches `pattern` (pgrep -f; write it as "[b]pftool" so that
 * the search itself never matches) in NODE's own mount namespace: the lab's nodes share one process table */
export function runningOn(node: string, pattern: string): string[] {
  const out = onNode(node, [
    'sh',
    '-c',
    'me=$(readlink /proc/self/ns/mnt); for p in $(pgrep -f "$1"); do [ "$(readlink /proc/$p/ns/mnt 2>/dev/null)" = "$me" ] && echo $p; done; true',
    'sh',
    pattern,
  ]);
  return out.split('\n').filter(Boolean);
}
