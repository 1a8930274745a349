import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceFunction } from '../../src/core/annotate/functions';
import { findFunctions, isBpfSource, languageOf } from '../../src/core/annotate/functions';
import { repoRoot } from './paths';

const names = (fs: readonly SourceFunction[]): string[] => fs.map((f) => f.qualified);
const lineOf = (text: string, f: SourceFunction): number => text.slice(0, f.nameStart).split('\n').length - 1;

describe('function finder (annotations without a symbol provider)', () => {
  it('C: definitions, not declarations, calls, initialisers, macros or strings', () => {
    const text = [
      '#include <stdio.h>',
      '#define MAX(a, b) ((a) > (b) ? (a) : (b))',
      '#define BODY { return 1; } \\',
      '   int fake(void) { }',
      'static int counter;',
      'int decl(int x);',
      'struct point { int x, y; };',
      'static const int table[] = { 1, 2, 3 };',
      'struct point origin = { .x = 0, .y = 0 };',
      '/* int commented(void) { } */',
      '// int alsocommented(void) { }',
      'const char *s = "int instring(void) { }";',
      '__attribute__((noinline)) int hot(int x)',
      '{',
      '\tif (x) { return x * 3 + 1; }',
      '\tfor (;;) { break; }',
      '\treturn 0;',
      '}',
      '',
      'static inline struct point *make_point(int x, int y) { static struct point p; p.x = x; (void)y; return &p; }',
      'int (paren)(int x) { return x; }',
      'int main(int argc, char **argv) { return decl(argc) + hot(1); }',
      "void with_brace_in_char(void) { char c = '{'; (void)c; }",
      'void after(void) {}',
    ].join('\n');
    const f = findFunctions(text, 'c');
    assert.deepEqual(names(f), ['hot', 'make_point', 'main', 'with_brace_in_char', 'after']);
    const hot = f[0] as SourceFunction;
    assert.equal(lineOf(text, hot), 12);
    assert.equal(text.slice(hot.nameStart, hot.nameEnd), 'hot');
    assert.ok(text.slice(hot.start, hot.end).startsWith('__attribute__((noinline)) int hot(int x)'));
    assert.ok(text.slice(hot.start, hot.end).endsWith('return 0;\n}'));
    assert.equal(isBpfSource(f), false);
  });

  it('BPF C: SEC("…") sections, BPF_PROG/BPF_KPROBE names, maps are not functions', () => {
    const text = [
      '#include "vmlinux.h"',
      'struct {',
      '\t__uint(type, BPF_MAP_TYPE_ARRAY);',
      '\t__uint(max_entries, 1);',
      '} rx_packets SEC(".maps");',
      'static __always_inline int helper(int x) { return x + 1; }',
      'SEC("xdp")',
      'int xdp_count(struct xdp_md *ctx)',
      '{',
      '\treturn XDP_PASS;',
      '}',
      'SEC("tp_btf/sched_switch")',
      'int BPF_PROG(on_switch, bool preempt, struct task_struct *prev)',
      '{ return 0; }',
      'SEC("kprobe/do_nanosleep") int BPF_KPROBE(on_sleep, void *t) { return 0; }',
      '__attribute__((section("tracepoint/syscalls/sys_enter_write"), used)) int old_style(void *ctx) { return 0; }',
      'char LICENSE[] SEC("license") = "GPL";',
    ].join('\n');
    const f = findFunctions(text, 'c');
    assert.deepEqual(names(f), ['helper', 'xdp_count', 'on_switch', 'on_sleep', 'old_style']);
    assert.deepEqual(
      f.map((x) => x.section),
      [undefined, 'xdp', 'tp_btf/sched_switch', 'kprobe/do_nanosleep', 'tracepoint/syscalls/sys_enter_write'],
    );
    assert.equal(lineOf(text, f[2] as SourceFunction), 12);
    assert.equal(isBpfSource(f), true);
  });

  it('C++: namespaces, classes, out-of-line methods, ctor initialisers, operators, templates, lambdas', () => {
    const text = [
      'namespace edge { namespace net {',
      'class Pool : public Base {',
      ' public:',
      '  Pool() : size_(0), cap_{4} { init(); }',
      '  int get() const { return size_; }',
      '  virtual void put(int) override;',
      ' private:',
      '  int size_;',
      '};',
      'void Pool::put(int x) { size_ += x; }',
      'template <typename T> T twice(T v) { return v + v; }',
      '} }',
      'extern "C" { int c_entry(void) { return 0; } }',
      'auto lambda = [](int x) { return x; };',
      'bool operator==(const edge::net::Pool &, const edge::net::Pool &) { return true; }',
      'edge::net::Pool::~Pool() { }',
      'const char *raw = R"x(int fake() { })x";',
    ].join('\n');
    const f = findFunctions(text, 'cpp');
    assert.deepEqual(names(f), [
      'edge::net::Pool::Pool',
      'edge::net::Pool::get',
      'edge::net::Pool::put',
      'edge::net::twice',
      'c_entry',
      'operator==',
      'edge::net::Pool::~Pool',
    ]);
    assert.equal(f.find((x) => x.qualified === 'edge::net::Pool::put')?.name, 'put');
  });

  it('Rust: fn in modules and impl blocks, trait declarations without bodies skipped, strings and lifetimes', () => {
    const text = [
      'pub fn hot(x: u32) -> u32 { x * 3 + 1 }',
      "fn cold<'a>(s: &'a str) -> &'a str { let _c = '{'; s }",
      'trait Handler { fn handle(&self); fn named(&self) -> String { String::from("fn fake() {}") } }',
      'impl Handler for Server { fn handle(&self) { } }',
      'impl<T: Clone> Pool<T> {',
      '    pub(crate) async fn get(&self) -> Option<T> { None }',
      '}',
      'const S: &str = r#"fn raw() { }"#;',
      '/* fn commented() { /* nested */ } */',
      'extern "C" fn c_abi() {}',
    ].join('\n');
    const f = findFunctions(text, 'rust');
    assert.deepEqual(names(f), ['hot', 'cold', 'named', 'Server::handle', 'Pool::get', 'c_abi']);
  });

  it('Go: functions and methods (value and pointer receivers), func literals are not definitions', () => {
    const text = [
      'package main',
      'import "fmt"',
      'type Server struct{ n int }',
      'func (s *Server) Serve(addr string) error { go func() { fmt.Println("func fake() {}") }(); return nil }',
      'func (s Server) Name() string { return `func raw() {}` }',
      'func hot(x int) int { return x*3 + 1 }',
      'func result() (func() error, struct{ a int }) { return nil, struct{ a int }{} }',
      'func asm(x int) int',
      'func main() { hot(1) }',
    ].join('\n');
    const f = findFunctions(text, 'go');
    assert.deepEqual(names(f), ['(*Server).Serve', 'Server.Name', 'hot', 'result', 'main']);
  });

  it('the lab service and BPF sources: every function, at its line', () => {
    const app = fs.readFileSync(path.join(repoRoot, 'test', 'lab', 'src', 'edgeapp.c'), 'utf8');
    const f = findFunctions(app, 'c');
    for (const n of ['hot', 'cold', 'main'])
      assert.ok(
        f.some((x) => x.name === n),
        `${n} in ${names(f).join(',')}`,
      );
    const xdp = fs.readFileSync(path.join(repoRoot, 'test', 'lab', 'src', 'xdp_count.bpf.c'), 'utf8');
    assert.deepEqual(
      findFunctions(xdp, 'c').map((x) => [x.name, x.section]),
      [['xdp_count', 'xdp']],
    );
  });

  it('languages by id and by file name', () => {
    assert.equal(languageOf('c'), 'c');
    assert.equal(languageOf('cpp'), 'cpp');
    assert.equal(languageOf('plaintext', 'x.bpf.c'), 'c');
    assert.equal(languageOf('plaintext', 'x.rs'), 'rust');
    assert.equal(languageOf('plaintext', 'x.go'), 'go');
    assert.equal(languageOf('plaintext', 'x.py'), undefined);
  });

  it('never throws, on random and truncated input', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const alphabet = '{}()[];,:<>*&=\'"`/\\#\n abcfnuint_SEC';
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: rnd(120) }, () => alphabet.charAt(rnd(alphabet.length))).join('');
      for (const lang of ['c', 'cpp', 'rust', 'go'] as const) {
        const f = findFunctions(text, lang);
        for (const x of f)
          assert.ok(x.nameStart >= 0 && x.nameEnd <= text.length && x.start <= x.nameStart && x.end >= x.nameEnd, `case ${i} ${lang}`);
      }
    }
  });
});
