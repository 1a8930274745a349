/**
 * What bpftrace knows by name, with the version that introduced each (0.17 → 0.27): here versions,
 * builtin variables, config keys and language features; probe types in probeTypes.ts, functions in
 * functions.ts. Used by the analyser (unknown names, arity, version warnings), completion and hover.
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
export const NEWEST: Version = [0, 27];

/** A 0.x release of bpftrace (all of them so far). */
export const release = (minor: number): Version => [0, minor];
const v = release;

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
  { name: 'ppid', type: 'uint32', since: v(25), doc: 'Parent process id (`ppid(task)` since 0.24).' },
  { name: 'pcomm', type: 'string[16]', since: v(25), doc: 'Name of the parent process (its real parent since 0.26).' },
  { name: 'has_cpid', type: 'bool', since: v(25), doc: 'Whether a child was started with `-c`.' },
  { name: 'leader_tid', type: 'uint32', since: v(26), doc: 'Thread id of the thread group leader.' },
  { name: 'leader_comm', type: 'string[16]', since: v(26), doc: 'Name of the thread group leader.' },
  { name: 'dw_ustack', type: 'ustack_t', since: v(26), doc: 'User stack unwound with DWARF (unstable; x86_64; `dw_ustack(mode, limit)`).' },
  { name: 'config', type: 'record', since: v(27), doc: 'The configuration in effect, as a record (`config.max_strlen` …).' },
  { name: 'sarg0', type: 'uint64', since: v(17), until: v(25), doc: 'Stack arguments (removed in 0.25).' },
];
export const BUILTIN_NAMES = new Set(BUILTINS.map((b) => b.name));
export const BUILTIN_BY_NAME = new Map(BUILTINS.map((b) => [b.name, b]));
/** Since 0.24 a builtin may be called like a function, `comm()`, except these (values of the probe, not macros). */
export const NOT_CALLABLE = new Set(['args', 'ctx', 'sarg0']);
/** bpftrace's own primitives behind its builtins (`__builtin_comm`, 0.24+): valid, undocumented. */
export const INTERNAL_BUILTIN = /^__builtin_\w+$/;
export const INTERNAL_SINCE: Version = [0, 24];
export const ARG_BUILTIN = /^arg\d+$/;
export const SARG_BUILTIN = /^sarg\d$/;

export interface ConfigKey {
  readonly name: string;
  readonly since: Version;
  readonly until?: Version;
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
  { name: 'symbol_source', since: v(22), until: v(24), values: 'dwarf | symbol_table' },
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
