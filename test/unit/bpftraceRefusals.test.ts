import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { checkLineText, checkText } from '../../src/cli/check';
import { analyze } from '../../src/core/bpftrace/analysis';
import type { Version } from '../../src/core/bpftrace/catalog';
import { FUNCTIONS } from '../../src/core/bpftrace/functions';
import { conversions } from '../../src/core/bpftrace/printf';
import { Doc } from '../../src/server/document';
import { diagnostics } from '../../src/server/providers/diagnostics';

/**
 * What every node refuses although the script parses: unsafe functions (eBPF Lens never passes
 * --unsafe) and printf-style formats whose arguments do not fit (bpftrace's format_string.cpp:
 * one grammar in 0.17–0.23, another from 0.24). Severity: an error where every version refuses,
 * a warning where only the target's grammar does.
 */

const TARGETS: (Version | undefined)[] = [[0, 17], [0, 23], [0, 24], undefined];
const label = (t: Version | undefined): string => (t ? t.join('.') : 'newest');

/** `severity code «text»: message` for every diagnostic of the given codes */
function found(src: string, target: Version | undefined, codes = ['unsafeFunction', 'printfArgs', 'printfType']): string[] {
  return analyze(src, target ? { target } : {})
    .diagnostics.filter((d) => codes.includes(d.code))
    .map((d) => `${d.severity} ${d.code} «${src.slice(d.start, d.end)}»: ${d.message}`);
}

describe('bpftrace refusals: unsafe functions', () => {
  it('the catalog marks exactly the functions bpftrace runs only with --unsafe', () => {
    // 0.17–0.24 UNSAFE_BUILTIN_FUNCS = system, signal, override; 0.25+ keeps system there and
    // the stdlib macros signal, signal_thread, override and (0.26) write_user fail in safe mode
    assert.deepEqual(
      FUNCTIONS.filter((f) => f.unsafe)
        .map((f) => f.name)
        .sort(),
      ['override', 'signal', 'signal_thread', 'system', 'write_user'],
    );
  });

  for (const target of TARGETS) {
    it(`system(), signal() and override() are errors on the call (target ${label(target)})`, () => {
      const src = 'BEGIN { system("touch /tmp/x"); }\nkprobe:vfs_read { signal("KILL"); override(-1); }';
      assert.deepEqual(found(src, target), [
        'error unsafeFunction «system("touch /tmp/x")»: system() is an unsafe function: eBPF Lens runs bpftrace without --unsafe, so every node refuses it',
        'error unsafeFunction «signal("KILL")»: signal() is an unsafe function: eBPF Lens runs bpftrace without --unsafe, so every node refuses it',
        'error unsafeFunction «override(-1)»: override() is an unsafe function: eBPF Lens runs bpftrace without --unsafe, so every node refuses it',
      ]);
    });
  }

  it('signal_thread() and write_user() too; a script without them has no such error', () => {
    assert.deepEqual(
      found('kprobe:f { signal_thread(9); write_user(arg0, "x", 1); }', undefined).map((l) => l.split(':')[0]),
      ['error unsafeFunction «signal_thread(9)»', 'error unsafeFunction «write_user(arg0, "x", 1)»'],
    );
    assert.deepEqual(found('kprobe:f { printf("%s\\n", comm); @[comm] = count(); }', undefined), []);
  });

  it('the language server and `ebpf-lens check` show it as an error', () => {
    const text = 'BEGIN {\n\tsystem("id");\n}\n';
    const lsp = diagnostics(new Doc(text, { version: [0, 23], fromNode: true, node: 'edge1' }));
    assert.deepEqual(
      lsp.map((d) => [d.severity, d.code, d.range.start.line, d.range.start.character]),
      [[DiagnosticSeverity.Error, 'unsafeFunction', 1, 1]],
    );
    assert.deepEqual(checkText('x.bt', text, undefined).map(checkLineText), [
      'x.bt:2:2: error: system() is an unsafe function: eBPF Lens runs bpftrace without --unsafe, so every node refuses it [unsafeFunction]',
    ]);
  });
});

describe('bpftrace refusals: printf formats', () => {
  it('conversions: flags, width, precision and length; %% by the grammar of each version', () => {
    const fmt = '%-16s %5d %lu %llx %5.2s %hhu %c %p %rx 100%% done';
    assert.deepEqual(
      conversions(fmt, 'modern').map((c) => `${c.text}=${c.spec}`),
      ['%-16s=s', '%5d=d', '%lu=u', '%llx=x', '%5.2s=s', '%hhu=u', '%c=c', '%p=p', '%rx=rx'],
    );
    assert.deepEqual(
      conversions(fmt, 'legacy').map((c) => c.spec),
      ['s', 'd', 'u', 'x', 's', 'u', 'c', 'p', 'rx'],
    );
    // 0.17–0.23 do not know %%: the d after it is a conversion; 0.24+ print a percent sign
    assert.deepEqual(conversions('%%d %d', 'legacy').length, 2);
    assert.deepEqual(conversions('%%d %d', 'modern').length, 1);
    // flags other than - and %i are conversions from 0.24 only; a lone % is text in both
    assert.deepEqual(
      conversions('%+d %#x %05d %i 100%\n', 'legacy').map((c) => c.text),
      ['%05d'],
    );
    assert.deepEqual(
      conversions('%+d %#x %05d %i 100%\n', 'modern').map((c) => c.text),
      ['%+d', '%#x', '%05d', '%i'],
    );
  });

  for (const target of TARGETS) {
    it(`printf("%d", @count_map) of a count() map is an error; a cast or an unknown variable is not (target ${label(target)})`, () => {
      const src =
        'kprobe:vfs_read { @count_map = count(); }\nEND { printf("%d\\n", @count_map); printf("%d\\n", (uint64)@count_map); $v = @count_map; printf("%d\\n", $v); }';
      assert.deepEqual(found(src, target), [
        'error printfType «@count_map»: printf: %d needs an integer, but @count_map is a count() value: print the map with print(@count_map), or cast the value, (uint64)@count_map (bpftrace 0.21 and newer)',
      ]);
    });

    it(`printf("%s %d\\n", comm, pid) is clean; printf("%d\\n", comm) is an error (target ${label(target)})`, () => {
      assert.deepEqual(found('BEGIN { printf("%s %d\\n", comm, pid); printf("%-16s %6d %llu\\n", comm, pid, nsecs); }', target), []);
      assert.deepEqual(found('BEGIN { printf("%d\\n", comm); }', target), [
        'error printfType «comm»: printf: %d needs an integer, but comm is a string',
      ]);
    });

    it(`too few and too many arguments are errors, for system() and cat() too (target ${label(target)})`, () => {
      assert.deepEqual(found('BEGIN { printf("%d %s\\n", pid); printf("%d\\n", pid, tid); cat("/proc/%d/status"); }', target), [
        'error printfArgs «printf("%d %s\\n", pid)»: printf: the format has 2 conversions but 1 argument is given',
        'error printfArgs «printf("%d\\n", pid, tid)»: printf: the format has 1 conversion but 2 arguments are given',
        'error printfArgs «cat("/proc/%d/status")»: cat: the format has 1 conversion but 0 arguments are given',
      ]);
    });
  }

  it('every aggregate refuses %d; strings, stacks and symbols refuse every integer conversion', () => {
    const aggs = ['count()', 'sum(arg0)', 'min(arg0)', 'max(arg0)', 'avg(arg0)', 'stats(arg0)', 'hist(arg0)', 'lhist(arg0, 0, 100, 10)'];
    for (const agg of aggs) {
      const src = `kprobe:f { @m[pid] = ${agg}; } END { printf("%lu\\n", @m[1]); }`;
      for (const target of TARGETS)
        assert.deepEqual(
          found(src, target).map((l) => l.split('»')[0]),
          ['error printfType «@m[1]'],
          `${agg} against ${label(target)}`,
        );
    }
    const texts = ['"text"', 'str(arg0)', 'ksym(arg0)', 'kstack', 'func', 'username', 'ntop(arg0)', 'strftime("%H", nsecs)'];
    for (const t of texts) {
      for (const conv of ['%d', '%x', '%llu', '%c', '%p']) {
        assert.deepEqual(found(`kprobe:f { printf("${conv}\\n", ${t}); }`, undefined).length, 1, `${conv} with ${t}`);
      }
    }
  });

  it('%r takes only buf(); %e %f %g are no conversions bpftrace supports', () => {
    assert.deepEqual(found('kprobe:f { printf("%r %rx\\n", buf(arg0, 8), buf(arg1, 4)); }', [0, 17]), []);
    assert.deepEqual(found('kprobe:f { printf("%r\\n", str(arg0)); }', undefined), [
      'error printfType «str(arg0)»: printf: %r needs a buffer (buf()), but str(arg0) is a string',
    ]);
    assert.deepEqual(found('BEGIN { printf("%f\\n", 1); }', undefined), [
      'error printfType «1»: printf: %f is not a conversion bpftrace supports (d i u o x X c p s r rx rh)',
    ]);
    // 0.17–0.23 do not see %f, so the argument is one too many: refused there too
    assert.deepEqual(found('BEGIN { printf("%f\\n", 1); }', [0, 23]), [
      'error printfArgs «printf("%f\\n", 1)»: printf: the format has 0 conversions but 1 argument is given',
    ]);
  });

  it('printf("%%d %d\\n", 1) is clean from 0.24; against 0.17–0.23 a warning that names the versions', () => {
    const src = 'BEGIN { printf("%%d %d\\n", 1); printf("100%% done, 100%\\n"); }';
    assert.deepEqual(found(src, undefined), []);
    assert.deepEqual(found(src, [0, 24]), []);
    assert.deepEqual(found(src, [0, 23]), [
      'warning printfArgs «printf("%%d %d\\n", 1)»: printf: the format has 2 conversions but 1 argument is given (bpftrace 0.17–0.23 refuse it, 0.24 and newer accept it; checking against 0.23)',
    ]);
  });

  it('"100% sure": from 0.24 "% s" is a conversion (the space flag), so only 0.24 and newer refuse it', () => {
    const src = 'BEGIN { printf("100% sure\\n"); }';
    assert.deepEqual(found(src, [0, 23]), []);
    assert.deepEqual(found(src, undefined), [
      'warning printfArgs «printf("100% sure\\n")»: printf: the format has 1 conversion but 0 arguments are given (bpftrace 0.24 and newer refuse it, 0.17–0.23 accept it; checking against 0.27)',
    ]);
  });

  it('an integer or a buffer for %s: refused by 0.17–0.23 only (a warning there), clean from 0.24', () => {
    const src = 'kprobe:f { @n = 1; @n++; } END { printf("%s %s %s\\n", pid, @n, buf(arg0, 2)); }';
    assert.deepEqual(found(src, undefined), []);
    assert.deepEqual(found(src, [0, 17]), [
      'warning printfType «pid»: printf: %s needs a string, but pid is an integer (bpftrace 0.17–0.23 refuse it, 0.24 and newer accept it; checking against 0.17)',
    ]);
  });

  it('only what is certain: unknown types, macro map parameters, mixed map values and enum-like names are silent', () => {
    const src = [
      // inside the macro @m is its parameter (here an integer map), not the global count() map
      'macro show(@m) { printf("%d\\n", @m); }',
      'kprobe:f { @m = count(); @n = 1; show(@n); @mixed = count(); @mixed = 1; $x = arg0;',
      '  printf("%d %s %d %s %d\\n", @mixed, $x, args.fd, TASK_RUNNING, retval); }',
    ].join('\n');
    for (const target of TARGETS) assert.deepEqual(found(src, target, ['printfType']), [], label(target));
  });

  it('errorf() and warnf() exist from 0.24/0.25 on: their formats are judged by that grammar only', () => {
    assert.deepEqual(found('BEGIN { errorf("%%d %d", 1); }', [0, 23]), []);
    assert.deepEqual(found('BEGIN { warnf("%d", comm); }', [0, 23]), [
      'error printfType «comm»: warnf: %d needs an integer, but comm is a string',
    ]);
  });
});
