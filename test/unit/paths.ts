import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, from compiled tests in out/test/… or sources in test/… */
export const repoRoot = ((): string => {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
})();

export const fixture = (...p: string[]): string => path.join(repoRoot, 'test', 'fixtures', ...p);
