import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The bpftrace script corpus (test/fixtures/bt): good scripts must give no diagnostic, bad ones
 * their first error at a known place. Headers:
 *   // bpftrace >= X.Y            the oldest bpftrace that runs it (default 0.17)
 *   // lab-validate: 0.17,0.23,0.27|none (why)   where real bpftrace checks it on the lab
 *   // error: LINE:COL CODE [(note)]       a bad script's first error (1-based, UTF-16 columns)
 *   // lab-line: 0.27=N (why)      where that version of bpftrace puts the error when it places it
 *                                  elsewhere than the analyser does (checked against it instead)
 */
export interface CorpusScript {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly minVersion: [number, number];
  readonly labValidate: string[] | undefined;
  readonly error?: { readonly line: number; readonly col: number; readonly code: string; readonly note?: string };
  /** flavour → the line that version of bpftrace names for the error (when it is not the analyser's) */
  readonly labLines: Readonly<Record<string, number>>;
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
      const labLines = Object.fromEntries([...text.matchAll(/^\/\/ lab-line: (\d+\.\d+)=(\d+)/gm)].map((m) => [m[1] ?? '', Number(m[2])]));
      return {
        name: f,
        file,
        text,
        minVersion: v ? [Number(v[1]), Number(v[2])] : [0, 17],
        labValidate: lab ? (lab[1] === 'none' ? [] : (lab[1] ?? '').split(',')) : undefined,
        labLines,
        ...(err ? { error: { line: Number(err[1]), col: Number(err[2]), code: err[3] ?? '', ...(err[4] ? { note: err[4] } : {}) } } : {}),
      };
    });
}
