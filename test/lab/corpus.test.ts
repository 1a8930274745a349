import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { analyze } from '../../src/core/bpftrace/analysis';
import { compileOnlyFor } from '../../src/core/bpftrace/compileOnly';
import { LineIndex } from '../../src/core/bpftrace/lexer';
import { corpus } from '../support/corpus';
import { LAB_SH, labNode } from './labEnv';

/**
 * The corpus against real bpftrace, compile only (the mode Check on Node chooses from the node's
 * --help: --emit-elf on 0.17–0.23, --mode codegen on 0.27; --emit-elf would load on 0.27): good scripts compile on the lab version that supports them, broken ones fail there
 * on the line the analyser names — so the parser is neither too strict nor too lenient. Scripts
 * that need 0.24+ are checked against bpftrace's docs and tests (see the corpus headers).
 */
const FLAVOURS: Record<string, { node: string; version: [number, number] }> = {
  '0.17': { node: 'edge1', version: [0, 17] },
  '0.23': { node: 'trixie1', version: [0, 23] },
  '0.27': { node: 'forky1', version: [0, 27] },
};

const modes = new Map<string, readonly string[]>();
/** the compile-only arguments for a flavour's bpftrace, as Check on Node chooses them */
function compileOnly(node: string, root: string): readonly string[] {
  const known = modes.get(node);
  if (known) return known;
  const on = (...argv: string[]) =>
    spawnSync('bash', [LAB_SH, 'nodeexec', node, ...(root ? ['chroot', root] : []), 'bpftrace', ...argv], { encoding: 'utf8' });
  const version = /v?(\d+\.\d+(?:\.\d+)?)/.exec(on('--version').stdout)?.[1] ?? '';
  const help = on('--help');
  const m = compileOnlyFor(version, `${help.stdout}\n${help.stderr}`);
  if ('refused' in m) throw new Error(`${node}: ${m.refused}`);
  modes.set(node, m.args);
  return m.args;
}

function compile(flavour: string, name: string, text: string): { ok: boolean; errors: { l1: number; l2: number; message: string }[] } {
  const { node } = FLAVOURS[flavour] as { node: string };
  const root = labNode(node).root;
  let out: string;
  let ok = true;
  try {
    // the script on stdin (an object, if any, to /dev/null): nothing is written on the node
    const args = compileOnly(node, root);
    out = execFileSync('bash', [LAB_SH, 'nodeexec', node, ...(root ? ['chroot', root] : []), 'bpftrace', ...args, '-'], {
      input: text,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    ok = false;
    out = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
  }
  // bpftrace 0.17 aborts ("FATAL: …") on some probe types it does not know
  if (/FATAL: (.*)/.test(out) && !/:\d+(?:-\d+)?(?::\d+(?:-\d+)?)?: ERROR:/.test(out))
    out += `\n${name}:1-9999: ERROR: ${/FATAL: (.*)/.exec(out)?.[1] ?? ''}`;
  const errors = [...out.matchAll(/:(\d+)(?:-(\d+))?(?::\d+(?:-\d+)?)?: ERROR: (.*)/g)].map((m) => ({
    l1: Number(m[1]),
    l2: Number(m[2] ?? m[1]),
    message: m[3] ?? '',
  }));
  return { ok: ok && errors.length === 0, errors };
}

describe('the script corpus against real bpftrace (0.17, 0.23 and 0.27, compile only)', function () {
  this.timeout(600_000);
  for (const s of corpus('good')) {
    const targets = (s.labValidate ?? Object.keys(FLAVOURS)).filter((f) => {
      const v = FLAVOURS[f]?.version;
      return v && (s.minVersion[0] < v[0] || (s.minVersion[0] === v[0] && s.minVersion[1] <= v[1]));
    });
    if (targets.length === 0) continue;
    it(`good ${s.name} compiles on ${targets.join(' and ')}`, () => {
      for (const f of targets) {
        const r = compile(f, s.name, s.text);
        assert.ok(r.ok, `${f}: ${r.errors.map((e) => `${e.l1}: ${e.message}`).join('; ')}`);
      }
    });
  }

  for (const s of corpus('bad')) {
    it(`broken ${s.name} fails on real bpftrace where the analyser says (line ${s.error?.line})`, () => {
      const ours = analyze(s.text).diagnostics.find((d) => d.severity === 'error');
      assert.ok(ours);
      const line = new LineIndex(s.text).position(ours.start).line + 1;
      const results = Object.keys(FLAVOURS).map((f) => [f, compile(f, s.name, s.text)] as const);
      assert.ok(
        results.some(([, r]) => !r.ok),
        'bpftrace accepted it on every lab version',
      );
      for (const [f, r] of results) {
        if (r.ok) continue;
        const first = r.errors[0];
        assert.ok(first, `${f}: failed without a located error`);
        // a version that places this error elsewhere (stated in the script's lab-line header, with why)
        const theirs = s.labLines[f];
        if (theirs !== undefined) {
          assert.ok(
            first.l1 <= theirs && theirs <= first.l2,
            `${f}: bpftrace says line ${first.l1}-${first.l2} (${first.message}), the header ${theirs}`,
          );
          continue;
        }
        // bpftrace names a line or a range of lines (a whole probe header); ours must be in it —
        // except where our convention differs on purpose (an unterminated comment: its opening)
        if (!s.error?.note)
          assert.ok(
            first.l1 <= line && line <= first.l2,
            `${f}: bpftrace says line ${first.l1}-${first.l2} (${first.message}), we say ${line}`,
          );
      }
    });
  }
});
