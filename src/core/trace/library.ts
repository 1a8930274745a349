import { InputError } from '../base/errors';

/**
 * The built-in library of one-liners for "eBPF: Run Trace…". Every one works where kprobes are
 * missing (tracepoints, uprobes, profile) and on bpftrace 0.17+. Parameters are checked and
 * written into the script as bpftrace literals, never as raw text: a value cannot change the
 * script's structure.
 */

export type ParamKind = 'comm' | 'pid' | 'binary' | 'pattern' | 'function' | 'ms';

export interface SnippetParam {
  readonly name: string;
  readonly kind: ParamKind;
  readonly prompt: string;
  readonly optional: boolean;
  readonly placeHolder?: string;
  readonly default?: string;
}

export interface Snippet {
  readonly id: string;
  readonly title: string;
  readonly detail: string;
  readonly params: readonly SnippetParam[];
  build(p: Readonly<Record<string, string>>): string;
}

const COMM = /^[\x20-\x7e]{1,15}$/;

/** Why a value is not acceptable for a kind of parameter, or undefined when it is. */
export function checkParam(kind: ParamKind, value: string): string | undefined {
  switch (kind) {
    case 'comm':
      return COMM.test(value) ? undefined : 'a process name: 1–15 printable characters (the kernel keeps 15)';
    case 'pid':
      return /^[1-9]\d{0,9}$/.test(value) && Number(value) <= 4_194_304 ? undefined : 'a process id: a whole number from 1 to 4194304';
    case 'binary':
      return /^\/[A-Za-z0-9._+\-/]{1,4095}$/.test(value) && !value.includes('/../')
        ? undefined
        : 'an absolute path on the node (letters, digits, . _ + - /), e.g. /usr/sbin/nginx';
    case 'pattern':
      return /^[A-Za-z_*?][A-Za-z0-9_*?]{0,200}$/.test(value)
        ? undefined
        : 'a function name or a wildcard pattern (letters, digits, _, * and ?), e.g. ngx_http_*';
    case 'function':
      return /^[A-Za-z_][A-Za-z0-9_]{0,200}$/.test(value) ? undefined : 'a function name (letters, digits and _)';
    case 'ms':
      return /^[1-9]\d{0,6}$/.test(value) ? undefined : 'milliseconds: a whole number from 1';
  }
}

/** A bpftrace string literal. */
export function btString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function predicate(p: Readonly<Record<string, string>>, extra?: string): string {
  const parts: string[] = [];
  if (p['comm']) parts.push(`comm == ${btString(p['comm'])}`);
  if (p['pid']) parts.push(`pid == ${Number(p['pid'])}`);
  if (extra) parts.push(extra);
  return parts.length ? ` /${parts.join(' && ')}/` : '';
}

/**
 * eBPF Lens's own processes, left out of the one-liners that list processes and files: the trace's
 * guard names itself `ebpf-lens-guard` (its comm, see guard.ts), and what it starts is followed
 * from its fork on (a `cat` it runs has its own name, but the guard's pid as parent). The bash
 * guard starts nothing while a trace runs; the POSIX one (nodes without bash) needs `date`, `cat`,
 * `sleep` and `dd` in its loops. Tracepoint fields only: no BTF needed.
 */
const GUARD_TREE =
  "// eBPF Lens's trace guard and what it starts are left out\n" +
  'tracepoint:sched:sched_process_fork /comm == "ebpf-lens-guard" || @ebpf_lens_guard[args->parent_pid]/\n{\n\t@ebpf_lens_guard[args->child_pid] = 1;\n}\n\n' +
  'tracepoint:sched:sched_process_exit /@ebpf_lens_guard[args->pid]/\n{\n\tdelete(@ebpf_lens_guard[args->pid]);\n}\n\n';
const NOT_GUARD = 'comm != "ebpf-lens-guard" && !@ebpf_lens_guard[pid]';
const GUARD_TREE_END = '\nEND\n{\n\tclear(@ebpf_lens_guard);\n}\n';

const COMM_FILTER: SnippetParam = {
  name: 'comm',
  kind: 'comm',
  prompt: 'Only this process name (empty: every process)',
  optional: true,
  placeHolder: 'e.g. nginx',
};
const PID_FILTER: SnippetParam = {
  name: 'pid',
  kind: 'pid',
  prompt: 'Only this process id (empty: every process)',
  optional: true,
  placeHolder: 'e.g. 1234',
};
const BINARY: SnippetParam = {
  name: 'binary',
  kind: 'binary',
  prompt: 'Binary or library on the node',
  optional: false,
  placeHolder: '/usr/sbin/nginx',
};

export const SNIPPETS: readonly Snippet[] = [
  {
    id: 'syscalls-by-process',
    title: 'System calls by process',
    detail: 'tracepoint:raw_syscalls:sys_enter — which processes make the most system calls',
    params: [COMM_FILTER],
    build: (p) =>
      `tracepoint:raw_syscalls:sys_enter${predicate(p)}\n{\n\t@syscalls[comm] = count();\n}\n\ninterval:s:2\n{\n\tprint(@syscalls, 20);\n}\n`,
  },
  {
    id: 'read-write-sizes',
    title: 'Read and write sizes (histograms)',
    detail: 'tracepoint:syscalls:sys_exit_read/write — bytes per successful call',
    params: [COMM_FILTER, PID_FILTER],
    build: (p) =>
      `tracepoint:syscalls:sys_exit_read${predicate(p, 'args->ret > 0')}\n{\n\t@read_bytes = hist(args->ret);\n}\n\n` +
      `tracepoint:syscalls:sys_exit_write${predicate(p, 'args->ret > 0')}\n{\n\t@write_bytes = hist(args->ret);\n}\n`,
  },
  {
    id: 'runqueue-latency',
    title: 'Run-queue latency (sched tracepoints)',
    detail: 'time from wakeup to running, in microseconds — CPU saturation without kprobes',
    params: [],
    build: () =>
      'tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new\n{\n\t@qtime[args->pid] = nsecs;\n}\n\n' +
      'tracepoint:sched:sched_switch\n{\n\tif (args->prev_state == 0) {\n\t\t@qtime[args->prev_pid] = nsecs;\n\t}\n\t$ns = @qtime[args->next_pid];\n\tif ($ns) {\n\t\t@runq_usecs = hist((nsecs - $ns) / 1000);\n\t}\n\tdelete(@qtime[args->next_pid]);\n}\n\n' +
      'END\n{\n\tclear(@qtime);\n}\n',
  },
  {
    id: 'tcp-retransmits',
    title: 'TCP retransmits by destination',
    detail: 'tracepoint:tcp:tcp_retransmit_skb — retransmitted segments per remote address and port',
    params: [],
    build: () => 'tracepoint:tcp:tcp_retransmit_skb\n{\n\t@retransmits[ntop(args->daddr), args->dport] = count();\n}\n',
  },
  {
    id: 'skb-drops',
    title: 'Packet drops by reason and location',
    detail: 'tracepoint:skb:kfree_skb — why and where the kernel drops packets (drop reasons: kernel 5.17+)',
    params: [],
    build: () =>
      'tracepoint:skb:kfree_skb\n{\n\t@drops_by_reason[args->reason] = count();\n\t@drops_by_location[ksym(args->location)] = count();\n}\n\ninterval:s:2\n{\n\tprint(@drops_by_reason);\n}\n',
  },
  {
    id: 'xdp-exceptions',
    title: 'XDP exceptions',
    detail: 'tracepoint:xdp:xdp_exception — XDP programs that aborted or returned an invalid action',
    params: [],
    build: () => 'tracepoint:xdp:xdp_exception\n{\n\t@xdp_exceptions[args->prog_id, args->act, args->ifindex] = count();\n}\n',
  },
  {
    id: 'profile-stacks',
    title: 'CPU profile (stacks at 49 Hz)',
    detail: 'profile:hz:49 — where CPU time goes: kernel stacks, and user stacks for one process',
    params: [PID_FILTER],
    build: (p) =>
      p['pid']
        ? `profile:hz:49${predicate(p)}\n{\n\t@stacks[kstack, ustack, comm] = count();\n}\n`
        : 'profile:hz:49\n{\n\t@stacks[kstack, comm] = count();\n}\n',
  },
  {
    id: 'uprobe-calls',
    title: 'Function calls in a binary (uprobe counts)',
    detail: 'uprobe:BINARY:PATTERN — how often each matching function is called',
    params: [
      BINARY,
      {
        name: 'pattern',
        kind: 'pattern',
        prompt: 'Functions to count (a name or a wildcard pattern)',
        optional: false,
        placeHolder: 'e.g. ngx_http_*',
      },
      PID_FILTER,
    ],
    build: (p) =>
      `uprobe:${p['binary'] ?? ''}:${p['pattern'] ?? ''}${predicate(p)}\n{\n\t@calls[func] = count();\n}\n\ninterval:s:2\n{\n\tprint(@calls, 20);\n}\n`,
  },
  {
    id: 'uprobe-latency',
    title: 'Function latency in a binary (uprobe + uretprobe)',
    detail: 'uprobe/uretprobe:BINARY:FUNCTION — histogram of call durations in microseconds',
    params: [
      BINARY,
      { name: 'function', kind: 'function', prompt: 'Function to time', optional: false, placeHolder: 'e.g. ngx_http_process_request' },
      PID_FILTER,
    ],
    build: (p) =>
      `uprobe:${p['binary'] ?? ''}:${p['function'] ?? ''}${predicate(p)}\n{\n\t@start[tid] = nsecs;\n}\n\n` +
      `uretprobe:${p['binary'] ?? ''}:${p['function'] ?? ''}${predicate(p, '@start[tid]')}\n{\n\t@usecs = hist((nsecs - @start[tid]) / 1000);\n\tdelete(@start[tid]);\n}\n\nEND\n{\n\tclear(@start);\n}\n`,
  },
  {
    id: 'execsnoop',
    title: 'New processes (execve)',
    detail: 'tracepoint:syscalls:sys_enter_execve — every program started, with its parent',
    params: [],
    build: () =>
      `${GUARD_TREE}tracepoint:syscalls:sys_enter_execve /${NOT_GUARD}/\n{\n\tprintf("%-8d %-8d %-16s %s\\n", pid, curtask->real_parent->tgid, comm, str(args->filename));\n}\n${GUARD_TREE_END}`,
  },
  {
    id: 'opensnoop',
    title: 'Files opened (openat)',
    detail: 'tracepoint:syscalls:sys_enter_openat — every file opened, by whom',
    params: [COMM_FILTER, PID_FILTER],
    build: (p) =>
      `${GUARD_TREE}tracepoint:syscalls:sys_enter_openat${predicate(p, NOT_GUARD)}\n{\n\tprintf("%-8d %-16s %s\\n", pid, comm, str(args->filename));\n}\n${GUARD_TREE_END}`,
  },
];

/** Build a snippet's script from its parameters (each checked; optional ones may be empty). */
export function buildSnippet(id: string, values: Readonly<Record<string, string>>): string {
  const s = SNIPPETS.find((x) => x.id === id);
  if (!s) throw new InputError(`no snippet ${JSON.stringify(id)} (known: ${SNIPPETS.map((x) => x.id).join(', ')})`);
  const clean: Record<string, string> = {};
  for (const p of s.params) {
    const v = (values[p.name] ?? p.default ?? '').trim();
    if (v === '') {
      if (!p.optional) throw new InputError(`${s.title}: ${p.name} is required (${checkParam(p.kind, '') ?? ''})`);
      continue;
    }
    const why = checkParam(p.kind, v);
    if (why) throw new InputError(`${s.title}: ${p.name} ${JSON.stringify(v.slice(0, 80))} is not ${why}`);
    clean[p.name] = v;
  }
  for (const k of Object.keys(values))
    if (!s.params.some((p) => p.name === k)) throw new InputError(`${s.title} has no parameter ${JSON.stringify(k)}`);
  return s.build(clean);
}
