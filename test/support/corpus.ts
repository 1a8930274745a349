import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The bpftrace script corpus (test/fixtures/bt): good scripts must give no diagnostic, bad ones
 * their first error at a known place. Headers:
 *   // bpftrace >= X.Y            the oldest bpftrace that runs it (default 0.17)
 *   // lab-validate: 0.17|0.23|none (why)   where real bpftrace checks it on the lab
 *   // error: LINE:COL CODE [(note)]       a bad script's first error (1-based, UTF-16 columns)
 */
export interface CorpusScript {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly minVersion: [number, number];
  readonly labValidate: string[] | undefined;
  readonly error?: { readonly line: number; readonly col: number; readonly code: string; readonly note?: string };
}

const root = ((): string => {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return path.join(d, 'test', 'fixtures', 'bt');
})();

export function corpus(kind: 'good' | 'bad'): CorpusScript[] {
  const dir = path.join(root, kind);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bt'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const text = fs.readFileSync(file, 'utf8');
      const v = /\/\/ bpftrace >= (\d+)\.(\d+)/.exec(text);
      const lab = /\/\/ lab-validate: (\S+)/.exec(text);
      const err = /^\/\/ error: (\d+):(\d+) (\w+)(?: \((.*)\))?/m.exec(text);
      return {
        name: f,
        file,
        text,
        minVersion: v ? [Number(v[1]), Number(v[2])] : [0, 17],
        labValidate: lab ? (lab[1] === 'none' ? [] : (lab[1] ?? '').split(',')) : undefined,
        ...(err ? { error: { line: Number(err[1]), col: Number(err[2]), code: err[3] ?? '', ...(err[4] ? { note: err[4] } : {}) } } : {}),
      };
    });
}
