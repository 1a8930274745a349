// bpftrace language: parse + analyse a 5,000-line script (the corpus's good scripts, repeated).
// Goal < 50 ms. Baseline in the same run: the lexer alone over the same text (the floor: every
// character read once). Also reported: what the server adds per keystroke (symbols, folding).
import { analyze } from '../src/core/bpftrace/analysis';
import { Lexer } from '../src/core/bpftrace/lexer';
import { DEFAULT_TARGET, Doc, documentSymbols, foldingRanges } from '../src/server/features';
import { corpus } from '../test/support/corpus';
import { median, report, timeRuns } from './util';

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
  report({ bench: 'bpftrace-parse-analyse-5000-lines', medianMs: m, baselineMs: base, ratio: m / base, goal: '< 50 ms', pass: m < 50, lines, probes, diagnostics, symbolsAndFoldingMs: Number(median(server).toFixed(2)) });
}

void main();
