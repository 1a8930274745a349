import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './paths';

/**
 * No hollow pass: the reporter every mocha tier uses (test/support/summary-reporter.js) fails a
 * run in which a test file ran nothing, a test was skipped, or a filter matched nothing — and
 * mocha fails a run with no test files. Each sentinel below runs real mocha on a folder of its
 * own and must be reported as failed.
 */
function tier(files: Record<string, string>, ...args: string[]): { code: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-tier-'));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'),
        '--no-config',
        '--reporter',
        path.join(repoRoot, 'test', 'support', 'summary-reporter.js'),
        '--reporter-option',
        `dir=${dir}`,
        `${dir}/**/*.test.js`,
        ...args,
      ],
      { encoding: 'utf8', cwd: repoRoot, timeout: 30_000 },
    );
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ONE = "it('one', () => undefined);\n";

describe('test tiers cannot pass hollow', () => {
  it('a healthy tier passes and says what it counted', () => {
    const r = tier({ 'a.test.js': ONE, 'b.test.js': `${ONE}it('two', () => undefined);\n` });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tier check: 2 test files, 3 tests registered, 3 executed/);
  });

  it('sentinel: no test files is reported as failed', () => {
    const r = tier({ 'notes.txt': 'no tests here' });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /No test files found|HOLLOW RUN/);
  });

  it('sentinel: a filter matching nothing is reported as failed', () => {
    const r = tier({ 'a.test.js': ONE }, '--grep', 'matches-no-test-at-all');
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /HOLLOW RUN \(counted as failed\): the filter matched no test/);
  });

  it('a filter that matches runs only what it matched, and passes', () => {
    const r = tier({ 'a.test.js': ONE, 'b.test.js': "it('other', () => undefined);\n" }, '--grep', 'other');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tier check: filtered run, 1 tests registered, 1 executed/);
  });

  it('a test file that loaded but ran nothing fails the tier', () => {
    const r = tier({ 'a.test.js': ONE, 'empty.test.js': "describe('nothing yet', () => undefined);\n" });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /test files that ran no test: empty\.test\.js/);
  });

  it('a skipped test fails the tier (registered ≠ executed)', () => {
    const r = tier({ 'a.test.js': `${ONE}it('later', function () { this.skip(); });\nit.skip('never', () => undefined);\n` });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /3 tests registered, 1 executed/);
  });

  it('tests that never ran after a failed hook fail the tier even if the hook failure were ignored', () => {
    const r = tier({ 'a.test.js': `describe('s', () => { before(() => { throw new Error('no lab'); }); ${ONE} });\n` });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /1 tests registered, 0 executed/);
  });

  it('a tier whose tests pass but leave something holding the process fails soon after, naming it (linger=S)', () => {
    const leak = "it('leaks a timer', () => { setInterval(() => undefined, 1000); });\n";
    const r = tier({ 'a.test.js': leak }, '--reporter-option', 'linger=1');
    assert.equal(r.code, 1, `the tier must end (not hang until the spawn's 30 s) and fail:\n${r.out}`);
    assert.match(r.out, /1 passed, 0 failed/);
    assert.match(r.out, /LINGERING \(counted as failed\): the process still runs 1 s after the last test, held by: .*Timeout ×1/);
    const clean = tier({ 'a.test.js': ONE }, '--reporter-option', 'linger=1');
    assert.equal(clean.code, 0, clean.out);
    assert.doesNotMatch(clean.out, /LINGERING/);
  });
});
