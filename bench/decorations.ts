// Annotations: decorating a 10,000-line C file with 2,000 annotated functions. Goal < 50 ms.
// 1. the core path (find the functions, turn counts into annotations, plan the decorations),
//    against a baseline measured in the same run: one pass over the text's lines;
// 2. in the real VS Code (code-server): the file open in an editor, annotations shown —
//    decoration plan + setDecorations of every heat bucket and the end-of-line texts.
//    BENCH_NO_VSCODE=1 skips it.
import { decorationPlan } from '../src/core/annotate/model';
import { FUNCTIONS, LINES, annotations, source } from './decorationsData';
import { median, percentile, report, timeRuns } from './util';
import { inVsCode } from './vscode';

async function main(): Promise<void> {
  const text = source();
  for (let i = 0; i < 5; i++) decorationPlan(annotations(text));
  const baseline = await timeRuns(30, () => {
    let n = 0;
    for (const l of text.split('\n')) if (/^\w.*\(/.test(l)) n++;
    return n;
  });
  let items = 0;
  const runs = await timeRuns(30, () => {
    const f = annotations(text);
    items = decorationPlan(f).texts.length;
  });
  const m = median(runs);
  const base = median(baseline);
  report({
    bench: 'annotations-core-10000-lines-2000-functions',
    medianMs: m,
    baselineMs: base,
    ratio: m / base,
    goal: '< 50 ms',
    pass: m < 50 && items === FUNCTIONS,
    lines: LINES,
    functions: items,
  });
  if (process.env['BENCH_NO_VSCODE']) return;
  const output = await inVsCode('decorations', { env: {}, userSettings: {}, files: { 'big.c': text } });
  const line = /DECORATIONS (\{.*\})/.exec(output)?.[1];
  if (!line) throw new Error(`no result from the extension host: ${output.slice(-2000)}`);
  const x = JSON.parse(line) as { runs: number[]; idle: number[]; shown: number };
  const p50 = median(x.runs);
  report({
    bench: 'annotations-vscode-10000-lines-2000-functions',
    medianMs: p50,
    baselineMs: median(x.idle),
    ratio: p50 / Math.max(0.001, median(x.idle)),
    goal: '< 50 ms',
    pass: p50 < 50 && x.shown === FUNCTIONS,
    p99Ms: percentile(x.runs, 99),
    shown: x.shown,
  });
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
