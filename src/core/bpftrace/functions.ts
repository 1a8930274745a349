import type { Version } from './catalog';
import { release as v } from './catalog';

/**
 * The functions bpftrace scripts call, with their arity and versions, and what else may be called
 * or passed to them: builtins taking arguments, mode words.
 */

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
  F('str_concat', 'str_concat(string s1, string s2)', 2, 2, 27, 'The two strings joined.'),
  F('container_of', 'container_of(void *ptr, TYPE, member)', 3, 3, 27, 'The struct that holds a member, from a pointer to the member.'),
];

export const FUNCTION_BY_NAME = new Map(FUNCTIONS.map((f) => [f.name, f]));

/** Arities that came later than the function: exit(code), delete(@m, key), hist(n, k), ppid(). */
export const ARITY_SINCE: ReadonlyMap<string, ReadonlyMap<number, Version>> = new Map([
  ['exit', new Map([[1, v(22)]])],
  ['delete', new Map([[2, v(22)]])],
  ['hist', new Map([[2, v(20)]])],
  ['ppid', new Map([[0, v(25)]])],
]);

/** Builtins that may also be called with arguments: pid(curr_ns), nsecs(boot), kstack(perf, 10), comm(pid) … */
export const CALLABLE_BUILTINS: ReadonlyMap<string, { readonly max: number; readonly since: Version }> = new Map([
  ['kstack', { max: 2, since: v(17) }],
  ['ustack', { max: 2, since: v(17) }],
  ['nsecs', { max: 1, since: v(19) }],
  ['pid', { max: 1, since: v(24) }],
  ['tid', { max: 1, since: v(24) }],
  ['comm', { max: 1, since: v(25) }],
  ['dw_ustack', { max: 2, since: v(26) }],
]);

/** Mode words newer than the functions that take them: kstack(raw), ustack(build_id). */
export const MODE_SINCE: ReadonlyMap<string, Version> = new Map([
  ['raw', v(18)],
  ['build_id', v(25)],
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
