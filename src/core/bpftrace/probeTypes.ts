import type { Version } from './catalog';
import { release as v } from './catalog';

/** The probe types bpftrace attaches to, with their aliases, argument counts and versions. */

export interface ProbeType {
  readonly name: string;
  readonly aliases: readonly string[];
  /** accepted numbers of ':'-separated parts after the type (module forms included) */
  readonly parts: readonly number[];
  readonly since: Version;
  readonly until?: Version;
  readonly syntax: string;
  readonly doc: string;
}

export const PROBE_TYPES: readonly ProbeType[] = [
  {
    name: 'BEGIN',
    aliases: ['begin'],
    parts: [0],
    since: v(17),
    syntax: 'BEGIN',
    doc: 'Runs once when the program starts, before other probes fire.',
  },
  {
    name: 'END',
    aliases: ['end'],
    parts: [0],
    since: v(17),
    syntax: 'END',
    doc: 'Runs once when the program exits (Ctrl-C, `exit()`, a time limit); maps print after it.',
  },
  {
    name: 'self',
    aliases: [],
    parts: [2],
    since: v(22),
    syntax: 'self:signal:SIGUSR1',
    doc: 'bpftrace itself received a signal (only `signal` is supported).',
  },
  {
    name: 'kprobe',
    aliases: ['k'],
    parts: [1, 2],
    since: v(17),
    syntax: 'kprobe:[module:]function[+offset]',
    doc: 'Kernel function entry (dynamic). `arg0`…`argN` are its arguments. Needs CONFIG_KPROBES.',
  },
  {
    name: 'kretprobe',
    aliases: ['kr'],
    parts: [1, 2],
    since: v(17),
    syntax: 'kretprobe:[module:]function',
    doc: 'Kernel function return. `retval` is the return value.',
  },
  {
    name: 'uprobe',
    aliases: ['u'],
    parts: [2, 3],
    since: v(17),
    syntax: 'uprobe:binary:function[+offset]',
    doc: 'User-space function entry in a binary or library. `arg0`…`argN` are its arguments.',
  },
  {
    name: 'uretprobe',
    aliases: ['ur'],
    parts: [2, 3],
    since: v(17),
    syntax: 'uretprobe:binary:function',
    doc: 'User-space function return. `retval` is the return value.',
  },
  {
    name: 'usdt',
    aliases: ['U'],
    parts: [2, 3],
    since: v(17),
    syntax: 'usdt:binary:[namespace:]probe',
    doc: 'User-level statically defined tracing point (DTRACE_PROBE) in a binary.',
  },
  {
    name: 'tracepoint',
    aliases: ['t'],
    parts: [2],
    since: v(17),
    syntax: 'tracepoint:category:event',
    doc: 'Kernel static tracepoint. `args` holds its fields (see `bpftrace -lv`).',
  },
  {
    name: 'rawtracepoint',
    aliases: ['rt'],
    parts: [1, 2],
    since: v(18),
    syntax: 'rawtracepoint:[module:]event',
    doc: 'Raw kernel tracepoint (no argument formatting).',
  },
  {
    name: 'fentry',
    aliases: ['f', 'kfunc'],
    parts: [1, 2, 3],
    since: v(20),
    syntax: 'fentry:[module:]function',
    doc: 'Kernel function entry through BTF (fentry). `args` holds the typed arguments.',
  },
  {
    name: 'fexit',
    aliases: ['fr', 'kretfunc'],
    parts: [1, 2, 3],
    since: v(20),
    syntax: 'fexit:[module:]function',
    doc: 'Kernel function return through BTF (fexit). `args` and `retval`.',
  },
  {
    name: 'kfunc',
    aliases: [],
    parts: [1, 2],
    since: v(17),
    syntax: 'kfunc:[module:]function',
    doc: 'Kernel function entry through BTF (renamed fentry in 0.20).',
  },
  {
    name: 'kretfunc',
    aliases: [],
    parts: [1, 2],
    since: v(17),
    syntax: 'kretfunc:[module:]function',
    doc: 'Kernel function return through BTF (renamed fexit in 0.20).',
  },
  {
    name: 'profile',
    aliases: ['p'],
    parts: [1, 2],
    since: v(17),
    syntax: 'profile:hz:99 | profile:ms:10 | profile:s:1 | profile:us:100',
    doc: 'Fires on every CPU at a rate (timed sampling).',
  },
  {
    name: 'interval',
    aliases: ['i'],
    parts: [1, 2],
    since: v(17),
    syntax: 'interval:s:1 | interval:ms:100 | interval:hz:10',
    doc: 'Fires on one CPU at an interval.',
  },
  {
    name: 'software',
    aliases: ['s'],
    parts: [1, 2],
    since: v(17),
    syntax: 'software:event[:count]',
    doc: 'Kernel software event (cpu-clock, page-faults, context-switches, …).',
  },
  {
    name: 'hardware',
    aliases: ['h'],
    parts: [1, 2],
    since: v(17),
    syntax: 'hardware:event[:count]',
    doc: 'Hardware PMU event (cycles, instructions, cache-misses, …). Needs a CPU PMU.',
  },
  {
    name: 'watchpoint',
    aliases: ['w'],
    parts: [3],
    since: v(17),
    syntax: 'watchpoint:address:length:mode',
    doc: 'Memory watchpoint (hardware breakpoint).',
  },
  {
    name: 'asyncwatchpoint',
    aliases: ['aw'],
    parts: [3],
    since: v(17),
    until: v(25),
    syntax: 'asyncwatchpoint:address:length:mode',
    doc: 'Asynchronous memory watchpoint (removed in 0.25).',
  },
  {
    name: 'iter',
    aliases: ['it'],
    parts: [1, 2],
    since: v(17),
    syntax: 'iter:task | iter:task_file | iter:task_vma',
    doc: 'BPF iterator over kernel objects; must be the only attach point of its probe.',
  },
  { name: 'bench', aliases: [], parts: [1], since: v(24), syntax: 'bench:name', doc: 'Benchmark body, run with `--bench`.' },
  { name: 'test', aliases: [], parts: [1], since: v(25), syntax: 'test:name', doc: 'Test body, run with `--test`.' },
];

const probeByName = new Map<string, ProbeType>();
for (const p of PROBE_TYPES) {
  probeByName.set(p.name, p);
  for (const a of p.aliases) if (!probeByName.has(a)) probeByName.set(a, p);
}

export function probeType(name: string): ProbeType | undefined {
  return (
    probeByName.get(name) ??
    probeByName.get(name.toLowerCase()) ??
    (name === 'begin' || name === 'end' ? probeByName.get(name.toUpperCase()) : undefined)
  );
}
