import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { compileOnlyFor, helpCommand, helpModes } from '../../src/core/bpftrace/compileOnly';
import { fixture } from './paths';

const help = (name: string): string => fs.readFileSync(fixture('bpftrace-help', `${name}.txt`), 'utf8');
const argsOf = (version: string, text: string): readonly string[] => {
  const m = compileOnlyFor(version, text);
  assert.ok('args' in m, `bpftrace ${version}: refused: ${'refused' in m ? m.refused : ''}`);
  return m.args;
};
const refusal = (version: string, text: string): string => {
  const m = compileOnlyFor(version, text);
  assert.ok('refused' in m, `bpftrace ${version}: expected a refusal, got ${'args' in m ? m.args.join(' ') : ''}`);
  return m.refused;
};

describe('Check on Node: the compile-only mode, from the node’s own --help', () => {
  for (const v of ['0.17', '0.18', '0.19', '0.20', '0.21', '0.22', '0.23'])
    it(`${v}: --emit-elf /dev/null (it returns right after writing the object up to 0.23)`, () => {
      assert.deepEqual(argsOf(`${v}.0`, help(v)), ['--emit-elf', '/dev/null']);
    });

  it('0.24: its hidden --test-mode codegen (help lists only --emit-elf, which loads from 0.24 on)', () => {
    assert.match(help('0.24'), /--emit-elf/);
    assert.deepEqual(argsOf('0.24.2', help('0.24')), ['--test-mode', 'codegen']);
  });

  for (const v of ['0.25', '0.26', '0.26-no-dw-unwind', '0.27'])
    it(`${v}: --mode codegen, as its help lists it`, () => {
      assert.deepEqual(argsOf(`${v.slice(0, 4)}.1`, help(v)), ['--mode', 'codegen']);
    });

  it('a newer bpftrace than any known is checked when its help offers --mode codegen', () => {
    assert.deepEqual(argsOf('0.31.0', help('0.27')), ['--mode', 'codegen']);
    assert.deepEqual(argsOf('1.2.0', help('0.27')), ['--mode', 'codegen']);
  });

  it('never --test codegen, --dry-run, or --emit-elf from 0.24 on, whatever the help', () => {
    for (const v of ['0.24', '0.25', '0.26', '0.27'])
      for (const ver of [`${v}.0`, '0.28.0', '0.40.0']) {
        const m = compileOnlyFor(ver, help(v));
        if ('args' in m) {
          assert.ok(!m.args.includes('--test') && !m.args.includes('--dry-run'), `${ver} with ${v}'s help: ${m.args.join(' ')}`);
          assert.ok(!m.args.includes('--emit-elf'), `${ver} with ${v}'s help: ${m.args.join(' ')}`);
        }
      }
  });

  it('refused, with the reason and what to do: a help without a known compile-only mode', () => {
    const noCodegen = help('0.27').replace("'codegen', ", '');
    assert.deepEqual(helpModes(noCodegen, '--mode'), ['compiler-bench', 'bench', 'test', 'format']);
    const r = refusal('0.28.0', noCodegen);
    assert.match(r, /offers no compile-only mode/);
    assert.match(r, /--emit-elf goes on to load and attach/);
    assert.match(r, /could attach probes/);
    assert.match(r, /short time limit|update eBPF Lens/);
    // 0.24's help on a 0.25: no --mode, and 0.25 has no hidden --test-mode
    assert.match(refusal('0.25.0', help('0.24')), /offers no compile-only mode/);
    // a 0.23 whose help has no --emit-elf line
    assert.match(refusal('0.23.0', help('0.23').replace(/^.*--emit-elf.*$/m, '')), /offers no compile-only mode/);
  });

  it('refused: no version, a version before 0.17, a help that is not bpftrace’s', () => {
    assert.match(refusal('', help('0.27')), /did not say its version/);
    assert.match(refusal('0.16.0', help('0.17')), /older than 0.17/);
    assert.match(refusal('0.27.0', ''), /no usable --help/);
    assert.match(refusal('0.27.0', 'sh: 1: bpftrace: not found'), /no usable --help/);
  });

  it('the modes --mode lists, wrapped onto the next line as 0.25–0.27 print them', () => {
    assert.deepEqual(helpModes(help('0.25'), '--mode'), ['codegen', 'compiler-bench', 'bench', 'test', 'format']);
    assert.equal(helpModes(help('0.23'), '--mode'), undefined);
    assert.equal(helpModes(help('0.27'), '--test-mode'), undefined);
  });

  it('bpftrace --help needs no root and reads both streams (0.17–0.22 print help on stderr)', () => {
    const c = helpCommand();
    assert.deepEqual(c.argv, ['bpftrace', '--help']);
    assert.equal(c.root, false);
    const text = c.interpret({ stdout: '', stderr: help('0.17'), code: 0 });
    assert.deepEqual(argsOf('0.17.0', text), ['--emit-elf', '/dev/null']);
  });
});
