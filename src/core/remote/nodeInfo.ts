import type { CommandOutput, RemoteCommand } from './command';
import { failure } from './command';
import { parseBpftoolVersion } from '../bpftool/parse';
import { INSTALLED_GUARD_PATH } from '../trace/guard';

/** What the connection probe learns about a node, once per connection. */
export interface NodeInfo {
  readonly hostname: string;
  readonly kernel: string;
  readonly arch: string;
  readonly os: string;
  readonly btf: boolean;
  /** /proc/sys/kernel/random/boot_id: which kernel (boot) this node runs on */
  readonly bootId: string;
  readonly uid: number;
  readonly user: string;
  readonly bpftool?: ToolInfo;
  readonly bpftrace?: ToolInfo;
  /** `sudo` exists, and which tools the login user may run with `sudo -n` */
  readonly sudo: { readonly present: boolean; readonly bpftool: boolean; readonly bpftrace: boolean };
  /** the root-owned guard is installed and this (non-root) user may run it with sudo -n */
  readonly rootGuard?: string;
}

export interface ToolInfo {
  readonly path: string;
  /** "7.1.0", "0.23.2"; empty when the tool did not say */
  readonly version: string;
}

// A fixed script (no user input): key=value lines. Tools are looked up with the sbin dirs added,
// because a non-root login's PATH usually lacks them.
const PROBE_SCRIPT = [
  'P="$PATH:/usr/local/sbin:/usr/sbin:/sbin"',
  'echo "uid=$(id -u)"',
  'echo "user=$(id -un)"',
  'echo "hostname=$(uname -n)"',
  'echo "kernel=$(uname -r)"',
  'echo "arch=$(uname -m)"',
  'if [ -r /etc/os-release ]; then . /etc/os-release; echo "os=${PRETTY_NAME:-}"; fi',
  'if [ -e /sys/kernel/btf/vmlinux ]; then echo btf=1; else echo btf=0; fi',
  'echo "bootid=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"',
  'bt=$(PATH=$P command -v bpftool 2>/dev/null); echo "bpftool=$bt"',
  'if [ -n "$bt" ]; then echo "bpftoolVersion=$("$bt" version 2>/dev/null | head -n 1)"; fi',
  'tr=$(PATH=$P command -v bpftrace 2>/dev/null); echo "bpftrace=$tr"',
  'if [ -n "$tr" ]; then echo "bpftraceVersion=$("$tr" --version 2>/dev/null | head -n 1)"; fi',
  'su=$(PATH=$P command -v sudo 2>/dev/null); echo "sudo=$su"',
  'if [ -n "$su" ] && [ "$(id -u)" != 0 ]; then',
  '  if [ -n "$bt" ] && "$su" -n -l "$bt" >/dev/null 2>&1; then echo sudoBpftool=1; fi',
  '  if [ -n "$tr" ] && "$su" -n -l "$tr" >/dev/null 2>&1; then echo sudoBpftrace=1; fi',
  `  g=${INSTALLED_GUARD_PATH}`,
  '  if [ -x "$g" ] && [ "$(stat -c %u "$g" 2>/dev/null)" = 0 ] && "$su" -n -l "$g" >/dev/null 2>&1; then echo "rootGuard=$g"; fi',
  'fi',
  'exit 0',
].join('\n');

export function parseProbe(text: string): NodeInfo | string {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const uid = Number(kv.get('uid'));
  if (!kv.has('uid') || !Number.isInteger(uid)) return 'the node did not answer the probe (no uid in its output)';
  const tool = (k: string, parseVersion: (s: string) => string | undefined): ToolInfo | undefined => {
    const path = kv.get(k);
    if (!path) return undefined;
    return { path, version: parseVersion(kv.get(`${k}Version`) ?? '') ?? '' };
  };
  const bpftool = tool('bpftool', parseBpftoolVersion);
  const bpftrace = tool('bpftrace', (s) => /v?(\d+\.\d+(?:\.\d+)?)/.exec(s)?.[1]);
  return {
    hostname: kv.get('hostname') ?? '',
    kernel: kv.get('kernel') ?? '',
    arch: kv.get('arch') ?? '',
    os: kv.get('os') ?? '',
    btf: kv.get('btf') === '1',
    bootId: kv.get('bootid') ?? '',
    uid,
    user: kv.get('user') ?? '',
    ...(bpftool ? { bpftool } : {}),
    ...(bpftrace ? { bpftrace } : {}),
    sudo: { present: !!kv.get('sudo'), bpftool: kv.get('sudoBpftool') === '1', bpftrace: kv.get('sudoBpftrace') === '1' },
    ...(kv.get('rootGuard') ? { rootGuard: kv.get('rootGuard') ?? '' } : {}),
  };
}

export function probeCommand(): RemoteCommand<NodeInfo> {
  return {
    title: 'node probe',
    argv: ['sh', '-c', PROBE_SCRIPT],
    root: false,
    timeoutMs: 15_000,
    interpret(out: CommandOutput): NodeInfo {
      if (out.code !== 0) throw failure('node probe', out);
      const info = parseProbe(out.stdout);
      if (typeof info === 'string') throw failure('node probe', out, info);
      return info;
    },
  };
}
