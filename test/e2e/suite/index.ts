import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { repoRoot } from '../../unit/paths';

/**
 * The files run in this order, the one of the single file they were split from: the extension's
 * capabilities (the stats test expects the kernel's stats off, as the files before it leave
 * them), then the incident that uses them all. A file not named here runs after them, sorted,
 * so every *.test.js runs.
 */
const ORDER = ['activation', 'nodes', 'deployments', 'language', 'annotations', 'tracing', 'incident'].map((n) => `${n}.test.js`);
const inOrder = (files: string[]): string[] => [
  ...ORDER.filter((f) => files.includes(f)),
  ...files.filter((f) => !ORDER.includes(f)).sort(),
];

/**
 * Entry of the extension-host suite (the @vscode/test-electron contract: run() resolves when
 * every test passed). Runs in the real extension host of code-server (test/e2e/harness) or of
 * a desktop VS Code (npm run test:desktop). Uses the tiers' reporter: it ends with the plain
 * line "N passed, N failed" and a tier check (every test file ran a test, every registered test
 * ran, a filter matched something), and a hollow run counts as a failure.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 120_000,
    reporter: path.join(repoRoot, 'test', 'support', 'summary-reporter.js'),
    reporterOptions: { dir: __dirname },
  });
  const only = process.env['EBPF_LENS_E2E_GREP'];
  if (only) mocha.grep(only);
  for (const f of inOrder(fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')))) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
    // one plain line per failure, for the harness to repeat in its final summary (CI shows the tail)
    runner.on('fail', (test, err: unknown) => {
      const msg = err instanceof Error ? err.message : String(err);
      console.log(`SUITE-FAIL: ${test.fullTitle()} — ${msg.split('\n').slice(0, 6).join(' ').slice(0, 800)}`);
    });
  });
}
