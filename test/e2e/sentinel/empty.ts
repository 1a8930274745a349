import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';
import { repoRoot } from '../../unit/paths';

/**
 * The sentinel of a suite with no test files (a build that emitted none, a wrong folder): the
 * tiers' reporter on an empty folder. The harness checks it is reported as failed.
 */
export function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-empty-suite-'));
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    reporter: path.join(repoRoot, 'test', 'support', 'summary-reporter.js'),
    reporterOptions: { dir },
  });
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (failures > 0) reject(new Error('the empty suite failed as it must'));
      else resolve();
    });
  });
}
