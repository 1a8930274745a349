import * as assert from 'node:assert/strict';
import { instrumentProbes } from '../../src/core/annotate/probeHits';
import { standaloneProbeFrom } from '../../src/core/bpftrace/blocks';
import type { ScriptDiagnostic } from '../../src/core/trace/diagnostics';
import { copiedFrom, documentOffset, placeDiagnostics, withInsertions } from '../../src/core/trace/origin';

/** bpftrace's 1-based line and column of the n-th `needle` in `text` */
function lineCol(text: string, needle: string, nth = 0): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} in ${text}`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: (before[before.length - 1] ?? '').length + 1 };
}

const err = (where: { line: number; col: number }, message: string, severity: 'error' | 'warning' = 'error'): ScriptDiagnostic => ({
  severity,
  message,
  ...where,
});

describe('where a run’s diagnostics are in the document (origin)', () => {
  const doc =
    '#!/usr/bin/env bpftrace\nBEGIN { @t0 = nsecs; }\ninterval:ms:100 { @n++; if (@n == 3) { $z = 0; @d = 10 / $z; } }\nEND { @w = nsecs - @t0; }\n';

  it('a whole document with probe-hit counting added: the user’s text maps back, what was added maps nowhere', () => {
    const ins = instrumentProbes(doc);
    assert.ok(ins);
    const origin = withInsertions(copiedFrom('file:///a.bt', 0, doc.length), ins.inserted, ins.kept);
    // bpftrace 0.27's runtime_error for the division and its warning on `nsecs - @t0`, in the script that ran
    const said = [
      err(lineCol(ins.script, '10 / $z'), 'Divide or modulo by 0 detected.'),
      err(lineCol(ins.script, 'nsecs - @t0'), 'Expression of type: uint64 being cast to type: int64.', 'warning'),
      err(lineCol(ins.script, '@__ebpf_lens_hits[1]'), 'in what eBPF Lens added'),
      err(lineCol(ins.script, 'interval:s:1'), 'on the probe eBPF Lens added'),
      { severity: 'warning', message: 'no line: a fact of the run, not of a place' },
    ] satisfies ScriptDiagnostic[];
    const placed = placeDiagnostics(ins.script, origin, [{ node: 'forky1', diagnostics: said }]);
    assert.deepEqual(
      placed.map((p) => [p.start, p.message, p.nodes]),
      [
        [doc.indexOf('10 / $z'), 'Divide or modulo by 0 detected.', ['forky1']],
        [doc.indexOf('nsecs - @t0'), 'Expression of type: uint64 being cast to type: int64.', ['forky1']],
      ],
    );
  });

  it('a range (bpftrace’s 1:35-40) keeps its end; a selection is placed from where it starts', () => {
    const sel = 'END { @w = nsecs - @t0; }';
    const start = doc.indexOf(sel);
    const origin = copiedFrom('file:///a.bt', start, sel.length);
    const [p] = placeDiagnostics(sel, origin, [
      { node: 'n', diagnostics: [{ severity: 'warning', message: 'w', line: 1, col: 12, endCol: 17 }] },
    ]);
    assert.equal(doc.slice(p?.start, p?.end), 'nsecs');
  });

  it('one probe run on its own (with the file’s macro): its lines are the file’s, not the cut script’s', () => {
    const file = 'macro twice(x) { x * 2 }\n\nBEGIN { @a = 1; }\n\nkprobe:f {\n  @b = twice(nope);\n}\n';
    const cut = standaloneProbeFrom(file, 1);
    assert.ok(cut);
    const origin = { uri: 'file:///m.bt', pieces: cut.pieces };
    const [p] = placeDiagnostics(cut.script, origin, [
      { node: 'n', diagnostics: [err(lineCol(cut.script, 'nope'), 'unknown identifier')] },
    ]);
    assert.equal(p?.start, file.indexOf('nope'));
    // the newline eBPF Lens put between the kept items is its own
    assert.equal(documentOffset(origin, cut.script.indexOf('\n')), undefined);
  });

  it('said once however often it came, with every node that said it', () => {
    const s = 'BEGIN { $z = 0; @d = 1 / $z; }\n';
    const o = copiedFrom('file:///d.bt', 0, s.length);
    const rt = err(lineCol(s, '1 / $z'), 'Divide or modulo by 0 detected.');
    const placed = placeDiagnostics(s, o, [
      { node: 'forky1', diagnostics: [rt, rt, rt] },
      { node: 'forky2', diagnostics: [rt] },
      { node: 'edge1', diagnostics: [] },
    ]);
    assert.equal(placed.length, 1);
    assert.deepEqual(placed[0]?.nodes, ['forky1', 'forky2']);
  });
});
