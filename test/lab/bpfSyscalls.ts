import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAB_COMMAND_MS } from './bounds';
import { lab } from './labEnv';

/** What the processes of one node asked of the kernel's BPF while something ran. */
export interface BpfCalls {
  /** BPF_PROG_LOAD: program type and instruction count of each program loaded */
  readonly loads: readonly { readonly pid: number; readonly type: number; readonly insns: number }[];
  /**
   * BPF_LINK_CREATE (with its attach type) and BPF_RAW_TRACEPOINT_OPEN (attach type -1): a program
   * attached through a link; `ret` is what bpf() answered (a link fd, or -errno: nothing attached)
   */
  readonly links: readonly { readonly pid: number; readonly cmd: string; readonly attachType: number; readonly ret: number }[];
  /** PERF_EVENT_IOC_SET_BPF: a program attached to a perf event (kprobe, tracepoint, uprobe) */
  readonly perfAttach: readonly { readonly pid: number }[];
}

// the machine's own bpftrace (0.17 on the lab machine), filtered to the node's mount namespace:
// a process of the node, however it was started (sshd, sudo, chroot), and nothing else
const WATCH = `
tracepoint:syscalls:sys_enter_bpf /curtask->nsproxy->mnt_ns->ns.inum == $1/ {
  if (args->cmd == 5) {
    $a = (uint64)args->uattr;
    printf("load %d %u %u\\n", pid, *uptr((uint32 *)$a), *uptr((uint32 *)($a + 4)));
  }
  if (args->cmd == 28) { @link[tid] = 1 + *uptr((uint32 *)((uint64)args->uattr + 8)); }
  if (args->cmd == 17) { @link[tid] = -1; }
}
tracepoint:syscalls:sys_exit_bpf /@link[tid] != 0/ {
  if (@link[tid] > 0) { printf("link %d link_create %d %d\\n", pid, @link[tid] - 1, args->ret); }
  else { printf("link %d raw_tracepoint_open -1 %d\\n", pid, args->ret); }
  delete(@link[tid]);
}
tracepoint:syscalls:sys_enter_ioctl /curtask->nsproxy->mnt_ns->ns.inum == $1 && args->cmd == 0x40042408/ {
  printf("perf %d\\n", pid);
}
`;

/**
 * Runs `during` while the machine's bpftrace watches every bpf() and perf ioctl of the node's
 * processes: the proof that a compile-only check loads none of the script's programs (bpftrace's
 * own feature probes, 2-instruction programs from 0.24 on, are told apart by their size).
 */
export async function bpfCallsDuring<T>(node: string, during: () => Promise<T>): Promise<{ result: T; calls: BpfCalls }> {
  const link = fs.readFileSync(path.join(lab().labDir, 'nodes', node, 'mntns'), 'utf8').trim();
  const inum = /\[(\d+)\]/.exec(link)?.[1];
  if (!inum) throw new Error(`${node}: no mount namespace id in "${link}"`);
  const w = spawn('bpftrace', ['-B', 'line', '-e', WATCH, inum], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  w.stdout.on('data', (d: Buffer) => (out += d.toString()));
  w.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => w.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + LAB_COMMAND_MS;
    while (!/Attaching \d+ probes/.test(out)) {
      if (w.exitCode !== null || Date.now() > deadline)
        throw new Error(`the bpf() watcher did not attach within ${LAB_COMMAND_MS} ms: ${err || out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = await during();
    return { result, calls: parse(out) };
  } finally {
    w.kill('SIGINT');
    const t = setTimeout(() => w.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

function parse(text: string): BpfCalls {
  const loads: { pid: number; type: number; insns: number }[] = [];
  const links: { pid: number; cmd: string; attachType: number; ret: number }[] = [];
  const perfAttach: { pid: number }[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'load') loads.push({ pid: Number(f[1]), type: Number(f[2]), insns: Number(f[3]) });
    else if (f[0] === 'link') links.push({ pid: Number(f[1]), cmd: f[2] ?? '', attachType: Number(f[3]), ret: Number(f[4]) });
    else if (f[0] === 'perf') perfAttach.push({ pid: Number(f[1]) });
  }
  return { loads, links, perfAttach };
}
