import * as assert from 'node:assert/strict';
import { analyze } from '../../src/core/bpftrace/analysis';
import { LineIndex } from '../../src/core/bpftrace/lexer';
import { corpus } from '../support/corpus';
import { FLAVOURS, compile } from './nodeCompile';

/**
 * The corpus against real bpftrace, compile only (the mode Check on Node chooses from the node's
 * --help: --emit-elf on 0.17–0.23, --mode codegen on 0.27; --emit-elf would load on 0.27): good scripts compile on the lab version that supports them, broken ones fail there
 * on the line the analyser names — so the parser is neither too strict nor too lenient. Scripts
 * that need 0.24+ are checked against bpftrace's docs and tests (see the corpus headers).
 */
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
