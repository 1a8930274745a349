import * as assert from 'node:assert/strict';
import { analyze } from '../../src/core/bpftrace/analysis';
import type { Version } from '../../src/core/bpftrace/catalog';
import { NEWEST } from '../../src/core/bpftrace/catalog';

/**
 * The language as each bpftrace release has it (0.17 → 0.27), written from its rules (bpftrace's
 * changelog, grammar and stdlib per release): what a release accepts is clean at that version and
 * warned one release below; what the analyser cannot see (an included header, an imported file,
 * a kernel function) is never an error.
 */

const v = (minor: number): Version => [0, minor];

/** `severity code «text»` for each diagnostic */
function said(src: string, target?: Version): string[] {
  return analyze(src, target ? { target } : {}).diagnostics.map((d) => `${d.severity} ${d.code} «${src.slice(d.start, d.end)}»`);
}

/** clean at `since` and at the newest; one version warning on `text` a release below */
function gated(src: string, since: number, text: string): void {
  assert.deepEqual(said(src, v(since)), [], `clean at 0.${since}: ${src}`);
  assert.deepEqual(said(src), [], `clean at the newest: ${src}`);
  assert.deepEqual(said(src, v(since - 1)), [`warning version «${text}»`], `warned at 0.${since - 1}: ${src}`);
}

describe('the language of each release (0.17 → 0.27)', () => {
  it('the newest release followed is 0.27', () => {
    assert.deepEqual(NEWEST, v(27));
  });

  describe('builtins called like functions (0.24)', () => {
    it('comm(), cpu(), elapsed(), usermode() … are calls from 0.24', () => {
      for (const name of ['comm', 'cpu', 'elapsed', 'uid', 'username', 'cgroup', 'curtask', 'retval', 'func', 'probe', 'rand'])
        gated(`kretprobe:f { print(${name}()); }`, 24, name);
      gated('BEGIN { print(usermode()); }', 24, 'usermode');
    });
    it('comm(pid) is 0.25, pid(curr_ns) 0.24; a builtin that takes no argument is refused one', () => {
      gated('BEGIN { print(comm(1)); }', 25, 'comm');
      gated('BEGIN { print(pid(curr_ns)); }', 24, 'pid');
      assert.deepEqual(said('BEGIN { print(cpu(1)); }'), ['error arity «cpu(1)»']);
    });
    it('args and ctx are values, not calls', () => {
      assert.deepEqual(said('tracepoint:a:b { print(args()); }'), ['error unknownFunction «args»']);
    });
    it("bpftrace's internal __builtin_* names are valid from 0.24, as values and calls", () => {
      gated('BEGIN { print(__builtin_comm); }', 24, '__builtin_comm');
      gated('BEGIN { print(__builtin_cpu()); }', 24, '__builtin_cpu');
    });
  });

  describe('names of 0.25 → 0.27', () => {
    it('ppid and pcomm (0.25), ppid(task) already 0.24', () => {
      gated('BEGIN { print(ppid); }', 25, 'ppid');
      gated('BEGIN { print(pcomm); }', 25, 'pcomm');
      gated('BEGIN { print(ppid()); }', 25, 'ppid()');
      gated('BEGIN { print(ppid(curtask)); }', 24, 'ppid');
    });
    it('leader_tid, leader_comm, dw_ustack (0.26)', () => {
      gated('BEGIN { print(leader_tid); }', 26, 'leader_tid');
      gated('BEGIN { print(leader_comm()); }', 26, 'leader_comm');
      gated('uprobe:/bin/sh:main { print(dw_ustack); }', 26, 'dw_ustack');
      gated('uprobe:/bin/sh:main { print(dw_ustack(perf, 5)); }', 26, 'dw_ustack');
    });
    it('str_concat, container_of (with a type and a member) and the config record (0.27)', () => {
      gated('BEGIN { print(str_concat("a", "b")); }', 27, 'str_concat');
      gated('BEGIN { print(config.max_strlen); }', 27, 'config');
      gated('kprobe:f { $p = (struct list_head *)arg0; print(container_of($p, struct task_struct, tasks)); }', 27, 'container_of');
    });
    it('a config block is still a config block', () => {
      assert.deepEqual(said('config = { max_strlen = 64 }\nBEGIN { print(config.max_strlen); }'), []);
    });
  });

  describe('what the analyser cannot see is never an error', () => {
    it('an unknown function: an error, unless an imported file may define it', () => {
      assert.deepEqual(said('BEGIN { my_func(1); }'), ['error unknownFunction «my_func»']);
      assert.deepEqual(said('import "lib.bpf.c";\nBEGIN { my_func(1); }'), ['warning unknownFunction «my_func»']);
    });
    it('a kernel function called by name (0.25+ looks it up in BTF): a warning; before 0.25 an error', () => {
      assert.deepEqual(said('BEGIN { bpf_get_current_task_btf(); }'), ['warning unknownFunction «bpf_get_current_task_btf»']);
      assert.deepEqual(said('BEGIN { bpf_get_current_task_btf(); }', v(24)), ['error unknownFunction «bpf_get_current_task_btf»']);
    });
    it('a name from an #include (a C macro, an enum): a warning; without one an error', () => {
      assert.deepEqual(said('#include <asm/unistd.h>\ntracepoint:raw_syscalls:sys_enter /args.id == __NR_read/ { }'), [
        'warning unknownIdentifier «__NR_read»',
      ]);
      assert.deepEqual(said('tracepoint:raw_syscalls:sys_enter /args.id == __NR_read/ { }'), ['error unknownIdentifier «__NR_read»']);
    });
    it('an anonymous enum defines its names', () => {
      assert.deepEqual(said('enum { low = 1, high };\nBEGIN { print(low + high); }'), []);
    });
  });

  describe('map keys', () => {
    it('a tuple in a variable is as many keys as it has elements', () => {
      assert.deepEqual(said('kprobe:f { $k = (pid, comm); @t[$k] = 1; } kretprobe:f { @t[pid, comm] = 2; }'), []);
      assert.deepEqual(said('kprobe:f { $k = (pid, comm); @t[$k] = 1; } kretprobe:f { @t[pid] = 2; }'), ['error mapKeys «@t[pid]»']);
    });
    it("a key whose shape cannot be known here (a macro's parameter) says nothing", () => {
      assert.deepEqual(said('macro m($k) { @t[$k] = 1 }\nBEGIN { m((1, 2)); @t[1, 2] = 2; }'), []);
    });
    it('a map passed whole to a macro is not a use without a key', () => {
      assert.deepEqual(said('macro inc(@m) { @m[1]++ }\nBEGIN { inc(@x); @x[2] = 3; }'), []);
    });
    it('an integer variable is still one key', () => {
      assert.deepEqual(said('BEGIN { $k = 1; @r[$k] = 1; @r[2, 3] = 2; }'), ['error mapKeys «@r[2, 3]»']);
    });
  });

  describe('syntax of 0.24 → 0.26', () => {
    it('an aggregation as the value of a block expression is assigned directly (0.24)', () => {
      assert.deepEqual(said('kprobe:f { @a = { let $x = arg0; avg($x) }; }'), []);
      assert.deepEqual(said('kprobe:f { $a = { avg(arg0) }; }'), ['error aggregate «avg(arg0)»']);
    });
    it('typeof in a let, a cast and a macro argument (0.25, 0.27)', () => {
      assert.deepEqual(said('BEGIN { let $a: typeof(pid) = 1; $b = (typeof($a))2; $c = (typeof($a) *)0; }'), []);
      assert.deepEqual(said('macro size(t) { sizeof(t) }\nBEGIN { print(size(typeof(struct task_struct))); }'), []);
    });
  });

  describe('what bpftrace refuses in the whole program', () => {
    it('a map read and never assigned; one a macro is given may be assigned there', () => {
      assert.deepEqual(said('BEGIN { print(@never); }'), ['error undefinedMap «@never»']);
      assert.deepEqual(said('macro inc(@m) { @m++ }\nBEGIN { inc(@x); print(@x); }'), []);
      assert.deepEqual(said('let @h = hash(10);\nBEGIN { print(@h); }'), []);
      assert.deepEqual(said('import "lib.bt";\nBEGIN { print(@from_lib); }'), [], 'an imported file may assign it');
    });
    it('a map given an integer and a string, or two aggregations', () => {
      assert.deepEqual(said('BEGIN { @x = 1; } END { @x = "a"; }'), ['error mapValue «@x = "a"»']);
      assert.deepEqual(said('kprobe:f { @x = count(); } kretprobe:f { @x = sum(retval); }'), ['error mapValue «@x = sum(retval)»']);
      assert.deepEqual(said('kprobe:f { @x = comm; } kretprobe:f { @x = str(arg0); @n = 1; @n++; }'), []);
    });
    it('has_key and len need a map with keys', () => {
      assert.deepEqual(said('BEGIN { @s = 1; print(has_key(@s, 1)); print(len(@s)); @k[1] = 1; print(len(@k)); }'), [
        'error mapKeys «@s»',
        'error mapKeys «@s»',
      ]);
    });
    it('a tuple index past its end', () => {
      assert.deepEqual(said('BEGIN { $t = (1, "a"); print($t.0); print($t.1); print($t.2); }'), ['error tupleIndex «$t.2»']);
    });
    it('unroll takes 1 to 100', () => {
      assert.deepEqual(said('BEGIN { unroll(0) { } unroll(101) { } unroll(100) { } }'), ['error unroll «0»', 'error unroll «101»']);
    });
    it('an unknown config key is an error; a removed one a warning; a license must be GPL-compatible from 0.25', () => {
      assert.deepEqual(said('config = { nope = 1 }\nBEGIN { }'), ['error unknownConfig «nope = 1»']);
      assert.deepEqual(said('config = { bpftrace_max_strlen = 64; max_strlen = 64 }\nBEGIN { }'), []);
      assert.deepEqual(said('config = { symbol_source = dwarf }\nBEGIN { }', v(23)), []);
      assert.deepEqual(said('config = { symbol_source = dwarf }\nBEGIN { }', v(24)), ['warning version «symbol_source = dwarf»']);
      assert.deepEqual(said('config = { license = "MIT" }\nBEGIN { }', v(24)), []);
      assert.deepEqual(said('config = { license = "MIT" }\nBEGIN { }', v(25)), ['error config «license = "MIT"»']);
      assert.deepEqual(said('config = { license = "Dual BSD/GPL" }\nBEGIN { }'), []);
    });
  });

  describe('what 0.17 refuses is warned at 0.17', () => {
    it('lowercase begin and end (0.24)', () => {
      gated('begin { }', 24, 'begin');
      gated('end { }', 24, 'end');
      assert.deepEqual(said('BEGIN { } END { }', v(17)), []);
    });
    it('args.field (0.19; args->field before)', () => {
      gated('tracepoint:syscalls:sys_enter_read { print(args.fd); }', 19, 'args.fd');
      assert.deepEqual(said('tracepoint:syscalls:sys_enter_read { print(args->fd); }', v(17)), []);
    });
    it('kstack(raw) and offsetof (0.18), ustack(build_id) (0.25)', () => {
      gated('kprobe:f { print(kstack(raw)); }', 18, 'raw');
      gated('BEGIN { print(offsetof(struct task_struct, pid)); }', 18, 'offsetof(struct task_struct, pid)');
      gated('uprobe:/bin/sh:main { print(ustack(build_id)); }', 25, 'build_id');
    });
    it('. on a pointer (0.25; -> before): a pointer cast, curtask, a variable that holds one', () => {
      gated('kprobe:f { $s = (struct sock *)arg0; print($s.sk_family); }', 25, '$s.sk_family');
      gated('kprobe:f { print(curtask.pid); }', 25, 'curtask.pid');
      assert.deepEqual(said('kprobe:f { $s = (struct sock *)arg0; print($s->sk_family); print(curtask->pid); }', v(17)), []);
    });
    it('a cast to an integer array (0.19)', () => {
      gated('kprobe:f { $a = (int8[8])arg0; }', 19, '(int8[8])arg0');
    });
    it('__attribute__ after a struct definition (0.26)', () => {
      gated('struct S { int a; } __attribute__((packed));\nBEGIN { }', 26, 'struct S { int a; } __attribute__((packed));');
    });
    it('a positional parameter inside a probe name (0.24; a whole part before)', () => {
      gated('kprobe:tcp_$1 { }', 24, 'kprobe:tcp_$1');
      assert.deepEqual(said('uprobe:$1:main { } tracepoint:$1:$2 { }', v(17)), []);
    });
    it('a source-line uprobe (0.26)', () => {
      gated('uprobe:/bin/bash@shell.c:34 { }', 26, 'uprobe:/bin/bash@shell.c:34');
    });
  });
});
