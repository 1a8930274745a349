/**
 * What bpftrace knows by name: probe types, builtin variables, functions and config keys, with
 * the version that introduced each (0.17 → 0.26). Used by the analyser (unknown names, arity,
 * version warnings), completion and hover.
 */

/** "0.24" → comparable number 24 (0.x releases only; 1.x would be 100+x). */
export type Version = readonly [major: number, minor: number];

export function parseVersion(v: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function versionAtLeast(v: Version, min: Version): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

export function versionText(v: Version): string {
  return `${v[0]}.${v[1]}`;
}

/** The newest bpftrace this analyser follows. */
export const NEWEST: Version = [0, 26];

const v = (minor: number): Version => [0, minor];

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

export interface Builtin {
  readonly name: string;
  readonly type: string;
  readonly since: Version;
  readonly until?: Version;
  readonly doc: string;
}

export const BUILTINS: readonly Builtin[] = [
  { name: 'pid', type: 'uint32', since: v(17), doc: 'Process id (kernel tgid).' },
  { name: 'tid', type: 'uint32', since: v(17), doc: 'Thread id (kernel pid).' },
  { name: 'uid', type: 'uint64', since: v(17), doc: 'User id.' },
  { name: 'gid', type: 'uint64', since: v(17), doc: 'Group id.' },
  { name: 'nsecs', type: 'uint64', since: v(17), doc: 'Timestamp in nanoseconds (monotonic; `nsecs(boot|tai|sw_tai)` since 0.19).' },
  { name: 'elapsed', type: 'uint64', since: v(17), doc: 'Nanoseconds since bpftrace started.' },
  { name: 'numaid', type: 'uint32', since: v(17), doc: 'NUMA node id.' },
  { name: 'cpu', type: 'uint32', since: v(17), doc: 'CPU id.' },
  { name: 'ncpus', type: 'uint64', since: v(24), doc: 'Number of CPUs.' },
  { name: 'comm', type: 'string[16]', since: v(17), doc: 'Name of the current thread.' },
  { name: 'kstack', type: 'kstack_t', since: v(17), doc: 'Kernel stack trace (`kstack(mode, limit)` for perf/raw modes and depth).' },
  { name: 'ustack', type: 'ustack_t', since: v(17), doc: 'User stack trace (`ustack(mode, limit)`).' },
  { name: 'retval', type: 'uint64', since: v(17), doc: 'Return value (kretprobe, uretprobe, fexit).' },
  { name: 'func', type: 'string', since: v(17), doc: 'Name of the traced function.' },
  { name: 'probe', type: 'string', since: v(17), doc: 'Full name of the probe that fired.' },
  { name: 'probetype', type: 'string', since: v(25), doc: 'Type of the probe that fired.' },
  { name: 'curtask', type: 'struct task_struct *', since: v(17), doc: 'Current task (`curtask->…` for its fields).' },
  { name: 'rand', type: 'uint32', since: v(17), doc: 'A random number.' },
  { name: 'cgroup', type: 'uint64', since: v(17), doc: 'Cgroup id of the current process.' },
  { name: 'cpid', type: 'uint32', since: v(17), doc: 'Pid of the child started with `-c`.' },
  { name: 'username', type: 'string', since: v(17), doc: 'Current user name.' },
  {
    name: 'args',
    type: 'struct',
    since: v(17),
    doc: 'Typed arguments of tracepoint, rawtracepoint, fentry/fexit and DWARF uprobe probes (`args.field`).',
  },
  { name: 'ctx', type: 'pointer', since: v(17), doc: 'The raw probe context.' },
  { name: 'jiffies', type: 'uint64', since: v(20), doc: 'Kernel jiffies.' },
  { name: 'usermode', type: 'uint8', since: v(24), doc: '1 when the probe fired in user mode (x86_64).' },
  { name: 'sarg0', type: 'uint64', since: v(17), until: v(25), doc: 'Stack arguments (removed in 0.25).' },
];
export const BUILTIN_NAMES = new Set(BUILTINS.map((b) => b.name));
export const ARG_BUILTIN = /^arg\d+$/;
export const SARG_BUILTIN = /^sarg\d$/;

export interface FunctionInfo {
  readonly name: string;
  readonly signature: string;
  readonly min: number;
  /** Infinity for variadic */
  readonly max: number;
  readonly since: Version;
  readonly until?: Version;
  /** must be assigned directly to a map (`@m = count()`) */
  readonly aggregate?: boolean;
  /** needs --unsafe */
  readonly unsafe?: boolean;
  readonly doc: string;
}

const F = (
  name: string,
  signature: string,
  min: number,
  max: number,
  since: number,
  doc: string,
  extra: Partial<FunctionInfo> = {},
): FunctionInfo => ({
  name,
  signature,
  min,
  max,
  since: v(since),
  doc,
  ...extra,
});

export const FUNCTIONS: readonly FunctionInfo[] = [
  F('count', 'count()', 0, 0, 17, 'Count the times this runs.', { aggregate: true }),
  F('sum', 'sum(int n)', 1, 1, 17, 'Sum of the values.', { aggregate: true }),
  F('avg', 'avg(int n)', 1, 1, 17, 'Average of the values.', { aggregate: true }),
  F('min', 'min(int n)', 1, 1, 17, 'Minimum of the values.', { aggregate: true }),
  F('max', 'max(int n)', 1, 1, 17, 'Maximum of the values.', { aggregate: true }),
  F('stats', 'stats(int n)', 1, 1, 17, 'Count, average and total of the values.', { aggregate: true }),
  F('hist', 'hist(int n[, int k])', 1, 2, 17, 'Power-of-2 histogram; `k` (0–5, since 0.20) splits each power of 2 into 2^k buckets.', {
    aggregate: true,
  }),
  F('lhist', 'lhist(int n, int min, int max, int step)', 4, 4, 17, 'Linear histogram from `min` to `max` in steps of `step` (literals).', {
    aggregate: true,
  }),
  F(
    'tseries',
    'tseries(int n, int interval_ns, int count[, "avg"|"sum"|"min"|"max"])',
    3,
    4,
    24,
    'Time series of the values in `count` intervals (unstable).',
    { aggregate: true },
  ),
  F('printf', 'printf(char *fmt, ...)', 1, 128, 17, 'Formatted output (`%d %s %u %x %lu %llu %p %c %r` …).'),
  F('print', 'print(@map[, int top[, int div]]) | print(value)', 1, 3, 17, 'Print a map (optionally the top N, divided), or a value.'),
  F('time', 'time([char *fmt])', 0, 1, 17, 'Print the current time (strftime format, default "%H:%M:%S\\n").'),
  F('strftime', 'strftime(char *fmt, int nsecs)', 2, 2, 17, 'Format a timestamp as text when printed.'),
  F('str', 'str(char *s[, int length])', 1, 2, 17, 'Read a NUL-terminated string from a pointer.'),
  F('buf', 'buf(void *d[, int length])', 1, 2, 17, 'Read a buffer (printed hex-escaped with %r).'),
  F('join', 'join(char *arr[][, char *sep])', 1, 2, 17, 'Print an array of strings joined by a separator.'),
  F('ksym', 'ksym(void *p)', 1, 1, 17, 'Kernel symbol of an address.'),
  F('usym', 'usym(void *p)', 1, 1, 17, 'User symbol of an address.'),
  F('kaddr', 'kaddr(char *name)', 1, 1, 17, 'Address of a kernel symbol (literal).'),
  F('uaddr', 'uaddr(char *name)', 1, 1, 17, 'Address of a user symbol (literal).'),
  F('kptr', 'kptr(void *p)', 1, 1, 17, 'Annotate a pointer as kernel space.'),
  F('uptr', 'uptr(void *p)', 1, 1, 17, 'Annotate a pointer as user space.'),
  F('reg', 'reg(char *name)', 1, 1, 17, 'Value of a CPU register (literal name).'),
  F('ntop', 'ntop([int af,] int|char[4|16] addr)', 1, 2, 17, 'Text form of an IPv4/IPv6 address.'),
  F('pton', 'pton(const string *addr)', 1, 1, 17, 'Binary form of an IPv4/IPv6 address literal.'),
  F('cgroupid', 'cgroupid(char *path)', 1, 1, 17, 'Cgroup id of a cgroup path (literal).'),
  F('cgroup_path', 'cgroup_path(int id[, string filter])', 1, 2, 17, 'Cgroup path of a cgroup id.'),
  F('system', 'system(char *fmt, ...)', 1, 128, 17, 'Run a shell command (needs --unsafe).', { unsafe: true }),
  F('cat', 'cat(char *fmt, ...)', 1, 128, 17, "Print a file's content."),
  F('signal', 'signal(int sig | char *sig)', 1, 1, 17, 'Send a signal to the current process (needs --unsafe).', { unsafe: true }),
  F('override', 'override(int rc)', 1, 1, 17, 'Override the return value of a kprobed function (needs --unsafe).', { unsafe: true }),
  F('strncmp', 'strncmp(char *s1, char *s2, int n)', 3, 3, 17, 'Compare at most n characters; 0 when equal.'),
  F('strerror', 'strerror(int errno)', 1, 1, 17, 'Text of an errno value.'),
  F('macaddr', 'macaddr(char[6] addr)', 1, 1, 17, 'Text form of a MAC address.'),
  F('bswap', 'bswap(int n)', 1, 1, 17, 'Reverse the byte order.'),
  F('path', 'path(struct path *p[, int size])', 1, 2, 17, 'Full path of a struct path (fentry/fexit/iter).'),
  F('unwatch', 'unwatch(void *addr)', 1, 1, 17, 'Remove a watchpoint.'),
  F('skboutput', 'skboutput(char *path, struct sk_buff *skb, int len, int offset)', 4, 4, 17, 'Write packets to a pcap file.'),
  F('debugf', 'debugf(char *fmt, ...)', 1, 4, 17, 'Print to the trace pipe (at most 3 arguments).'),
  F('clear', 'clear(@map)', 1, 1, 17, 'Delete every element of a map.'),
  F('zero', 'zero(@map)', 1, 1, 17, 'Set every value of a map to zero.'),
  F('delete', 'delete(@map[key]) | delete(@map, key)', 1, 2, 17, 'Delete an element (the two-argument form since 0.22).'),
  F('exit', 'exit([int code])', 0, 1, 17, 'End the program (the exit code since 0.22).'),
  F('strcontains', 'strcontains(char *haystack, char *needle)', 2, 2, 17, 'Whether a string contains another.'),
  F('sizeof', 'sizeof(TYPE | expression)', 1, 1, 17, 'Size of a type or expression.'),
  F('offsetof', 'offsetof(struct T, field)', 2, 2, 18, 'Offset of a field in a struct.'),
  F('len', 'len(@map | stack)', 1, 1, 20, 'Number of elements in a map (a stack since 0.23).'),
  F('has_key', 'has_key(@map, key)', 2, 2, 22, 'Whether a map has a key.'),
  F('percpu_kaddr', 'percpu_kaddr(char *name[, int cpu])', 1, 2, 22, 'Address of a per-CPU kernel variable.'),
  F('errorf', 'errorf(char *fmt, ...)', 1, 128, 24, 'Report an error at run time.'),
  F('getopt', 'getopt(char *name[, default[, char *description]])', 1, 3, 24, 'A named command-line option (`-- --name=value`).'),
  F('socket_cookie', 'socket_cookie(struct sock *sk)', 1, 1, 24, 'Socket cookie.'),
  F('assert', 'assert(bool condition, char *message)', 2, 2, 24, 'Fail at run time when the condition is false.'),
  F('ppid', 'ppid([struct task_struct *task])', 0, 1, 24, 'Parent process id.'),
  F('warnf', 'warnf(char *fmt, ...)', 1, 128, 25, 'Report a warning at run time.'),
  F('fail', 'fail(char *fmt, ...)', 1, 128, 25, 'Fail at compile time.'),
  F('find', 'find(@map, key, $value)', 3, 3, 25, 'Look up a key; sets $value and answers whether it was found.'),
  F('pcomm', 'pcomm([struct task_struct *task])', 0, 1, 25, 'Name of the process (group leader).'),
  F('signal_thread', 'signal_thread(int sig)', 1, 1, 25, 'Send a signal to the current thread (needs --unsafe).', { unsafe: true }),
  F('syscall_name', 'syscall_name(int nr)', 1, 1, 25, 'Name of a system call number.'),
  F('strlen', 'strlen(char *s)', 1, 1, 25, 'Length of a string.'),
  F('strstr', 'strstr(char *haystack, char *needle)', 2, 2, 25, 'Index of a substring, or -1.'),
  F('memcmp', 'memcmp(void *left, void *right, int n)', 3, 3, 25, 'Compare n bytes.'),
  F('kfunc_exist', 'kfunc_exist(char *name)', 1, 1, 25, 'Whether a kernel function exists (compile time).'),
  F('kfunc_allowed', 'kfunc_allowed(char *name)', 1, 1, 25, 'Whether a kfunc may be called from this probe.'),
  F('static_assert', 'static_assert(bool condition, char *message)', 2, 2, 25, 'Fail at compile time when the condition is false.'),
  F('signal_name', 'signal_name(int sig)', 1, 1, 26, 'Name of a signal number.'),
  F('is_err', 'is_err(void *ptr)', 1, 1, 26, 'Whether a kernel pointer is an ERR_PTR.'),
  F('leader_tid', 'leader_tid([struct task_struct *task])', 0, 1, 26, 'Thread id of the group leader.'),
  F('leader_comm', 'leader_comm([struct task_struct *task])', 0, 1, 26, 'Name of the group leader.'),
  F('write_user', 'write_user(void *dst, void *src, int len)', 3, 3, 26, 'Write user memory (needs --unsafe).', { unsafe: true }),
];

export const FUNCTION_BY_NAME = new Map(FUNCTIONS.map((f) => [f.name, f]));

/** Arities that came later than the function: exit(code), delete(@m, key), hist(n, k). */
export const ARITY_SINCE: ReadonlyMap<string, ReadonlyMap<number, Version>> = new Map([
  ['exit', new Map([[1, v(22)]])],
  ['delete', new Map([[2, v(22)]])],
  ['hist', new Map([[2, v(20)]])],
]);

/** Builtins that may also be called with arguments: pid(curr_ns), nsecs(boot), kstack(perf, 10), comm(pid) … */
export const CALLABLE_BUILTINS: ReadonlyMap<string, { readonly max: number; readonly since: Version }> = new Map([
  ['kstack', { max: 2, since: v(17) }],
  ['ustack', { max: 2, since: v(17) }],
  ['nsecs', { max: 1, since: v(19) }],
  ['pid', { max: 1, since: v(24) }],
  ['tid', { max: 1, since: v(24) }],
  ['comm', { max: 1, since: v(25) }],
]);

/** Bare words some functions take as arguments (modes), not variables. */
export const MODE_WORDS = new Set([
  'bpftrace',
  'perf',
  'raw',
  'build_id',
  'curr_ns',
  'init',
  'monotonic',
  'boot',
  'tai',
  'sw_tai',
  'AF_INET',
  'AF_INET6',
]);

export interface ConfigKey {
  readonly name: string;
  readonly since: Version;
  readonly values: string;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { name: 'cache_user_symbols', since: v(20), values: 'PER_PID | PER_PROGRAM | NONE' },
  { name: 'cpp_demangle', since: v(20), values: 'bool' },
  { name: 'log_size', since: v(20), values: 'int' },
  { name: 'max_bpf_progs', since: v(20), values: 'int' },
  { name: 'max_probes', since: v(20), values: 'int' },
  { name: 'max_cat_bytes', since: v(20), values: 'int' },
  { name: 'max_map_keys', since: v(20), values: 'int' },
  { name: 'max_strlen', since: v(20), values: 'int' },
  { name: 'perf_rb_pages', since: v(20), values: 'int' },
  { name: 'stack_mode', since: v(20), values: 'bpftrace | perf | raw | build_id' },
  { name: 'str_trunc_trailer', since: v(20), values: 'string' },
  { name: 'lazy_symbolication', since: v(21), values: 'bool' },
  { name: 'missing_probes', since: v(21), values: 'error | warn | ignore' },
  { name: 'probe_inline', since: v(21), values: 'bool' },
  { name: 'on_stack_limit', since: v(22), values: 'int' },
  { name: 'print_maps_on_exit', since: v(22), values: 'bool' },
  { name: 'symbol_source', since: v(22), values: 'dwarf | symbol_table' },
  { name: 'use_blazesym', since: v(23), values: 'bool' },
  { name: 'license', since: v(24), values: 'string' },
  { name: 'show_debug_info', since: v(24), values: 'bool' },
  { name: 'unstable_macro', since: v(24), values: 'enable | warn | error' },
  { name: 'unstable_map_decl', since: v(24), values: 'enable | warn | error' },
  { name: 'unstable_import', since: v(24), values: 'enable | warn | error' },
  { name: 'unstable_addr', since: v(24), values: 'enable | warn | error' },
  { name: 'unstable_tseries', since: v(24), values: 'enable | warn | error' },
  { name: 'unstable_import_statement', since: v(25), values: 'enable | warn | error' },
  { name: 'unstable_typeinfo', since: v(25), values: 'enable | warn | error' },
  { name: 'unstable_dw_ustack', since: v(26), values: 'enable | warn | error' },
];

/** Language features newer than 0.17, for version warnings. */
export const FEATURES = {
  config: v(20),
  fn: v(21),
  forMap: v(21),
  let: v(22),
  tupleKeys: v(22),
  macro: v(24),
  mapDecl: v(24),
  import: v(24),
  durationLiteral: v(24),
  forRange: v(24),
  blockStatement: v(24),
  boolLiteral: v(24),
  addressOf: v(24),
  noParenCondition: v(25),
  discard: v(25),
  record: v(25),
  ifExpression: v(25),
  probeName: v(25),
  elvis: v(26),
  underscoreHex: v(26),
} as const;

export type Feature = keyof typeof FEATURES;

export const FEATURE_TEXT: Record<Feature, string> = {
  config: 'a config block',
  fn: 'an fn definition',
  forMap: 'a for loop over a map',
  let: 'a let declaration',
  tupleKeys: 'a tuple map key',
  macro: 'a macro',
  mapDecl: 'a map declaration',
  import: 'import',
  durationLiteral: 'a duration literal (1s, 500ms)',
  forRange: 'a for loop over a range',
  blockStatement: 'a block statement',
  boolLiteral: 'a true/false literal',
  addressOf: 'the & operator',
  noParenCondition: 'a condition without parentheses',
  discard: 'the _ discard',
  record: 'a record literal',
  ifExpression: 'an if expression',
  probeName: 'a named probe',
  elvis: 'the ?: operator',
  underscoreHex: 'an underscore in a hex literal',
};
