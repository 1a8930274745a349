// bpftrace language: parse + analyse a 5,000-line script (the corpus's good scripts, repeated).
// Goal < 50 ms. Baseline in the same run: the lexer alone over the same text (the floor: every
// character read once). Also reported: what the server adds per keystroke (symbols, folding).
import { analyze } from '../src/core/bpftrace/analysis';
import { Lexer } from '../src/core/bpftrace/lexer';
import { Doc } from '../src/server/document';
import { completion } from '../src/server/providers/completion';
import { documentSymbols } from '../src/server/providers/documentSymbols';
import { foldingRanges } from '../src/server/providers/foldingRanges';
import { DEFAULT_TARGET } from '../src/server/target';
import { corpus } from '../test/support/corpus';
import { median, percentile, report, timeRuns } from './util';

function script(lines: number): string {
  const parts = corpus('good').map((s) =>
    s.text
      .split('\n')
      .filter((l) => !l.startsWith('#!'))
      .join('\n'),
  );
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) out.push(...(parts[i % parts.length] ?? '').split('\n'));
  return out.slice(0, lines).join('\n');
}

async function main(): Promise<void> {
  const text = script(5000);
  const lines = text.split('\n').length;
  // warm up the JIT as an editor session would be
  for (let i = 0; i < 5; i++) analyze(text);
  const baseline = await timeRuns(30, () => {
    const lex = new Lexer(text);
    while (lex.next().kind !== 'eof');
  });
  let diagnostics = 0;
  let probes = 0;
  const runs = await timeRuns(30, () => {
    const a = analyze(text);
    diagnostics = a.diagnostics.length;
    probes = a.symbols.probes.length;
  });
  const server = await timeRuns(30, () => {
    const d = new Doc(text, DEFAULT_TARGET);
    documentSymbols(d);
    foldingRanges(d);
  });
  const m = median(runs);
  const base = median(baseline);
  // completion: 300 places in the 5,000-line script (after `@`, `$`, a probe type, mid-word), the
  // document already analysed (the server keeps it), and per keystroke (the edit re-analysed first)
  const doc = new Doc(text, DEFAULT_TARGET);
  const offsets: number[] = [];
  for (let i = 0, at = 0; i < 300; i++) {
    at = text.indexOf(i % 3 === 0 ? '@' : i % 3 === 1 ? '$' : ':', (at + 7919) % text.length);
    if (at < 0) at = (i * 104729) % text.length;
    offsets.push(at + 1);
  }
  const comp: number[] = [];
  for (const o of offsets) {
    const t0 = performance.now();
    await completion(doc, o);
    comp.push(performance.now() - t0);
  }
  const keystroke: number[] = [];
  for (const o of offsets.slice(0, 60)) {
    const t0 = performance.now();
    await completion(new Doc(`${text.slice(0, o)}x${text.slice(o)}`, DEFAULT_TARGET), o + 1);
    keystroke.push(performance.now() - t0);
  }
  report({
    bench: 'bpftrace-completion-5000-lines',
    metric: 'p99',
    medianMs: percentile(comp, 99),
    goal: 'p99 < 50 ms per keystroke',
    pass: percentile(keystroke, 99) < 50,
    p50Ms: Number(median(comp).toFixed(3)),
    keystrokeP50Ms: Number(median(keystroke).toFixed(2)),
    keystrokeP99Ms: Number(percentile(keystroke, 99).toFixed(2)),
  });
  report({
    bench: 'bpftrace-parse-analyse-5000-lines',
    medianMs: m,
    baselineMs: base,
    ratio: m / base,
    goal: '< 50 ms',
    pass: m < 50,
    lines,
    probes,
    diagnostics,
    symbolsAndFoldingMs: Number(median(server).toFixed(2)),
  });
}

void main();
