import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';
import { Scratch } from './scratch';

interface KnipReport {
  readonly files: readonly string[];
  readonly issues: readonly {
    readonly file: string;
    readonly [kind: string]: unknown;
  }[];
}

const KNIP = path.join(repoRoot, 'node_modules', '.bin', 'knip');

/** knip's JSON report for the project in `cwd` (its own knip.json), with its exit code. */
function knip(cwd: string): Promise<{ code: number; report: KnipReport; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(KNIP, ['--no-progress', '--reporter', 'json'], { cwd, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
      try {
        resolve({ code, report: JSON.parse(stdout) as KnipReport, stderr });
      } catch {
        reject(new Error(`knip (exit ${code}) printed no report: ${stderr || stdout}`));
      }
    });
  });
}

/** Each finding as `file: kind name` (exports, types, unused files, dependencies …). */
function findings(r: KnipReport): string[] {
  const out = r.files.map((f) => `${f}: unused file`);
  for (const i of r.issues) {
    for (const [kind, v] of Object.entries(i)) {
      if (kind === 'file') continue;
      const names = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v as Record<string, unknown>).flat() : [];
      for (const n of names)
        out.push(`${i.file}: ${kind} ${typeof n === 'object' && n && 'name' in n ? String(n.name) : JSON.stringify(n)}`);
    }
  }
  return out;
}

describe('dead code (knip)', () => {
  it('no export that nothing imports, no unlisted or unused dependency, no unused file', async function () {
    this.timeout(120_000);
    const r = await knip(repoRoot);
    assert.deepEqual(findings(r.report), [], r.stderr);
    assert.equal(r.code, 0, r.stderr);
  });

  it('the check itself finds a dead export (so it cannot pass vacuously)', async function () {
    this.timeout(60_000);
    const s = new Scratch();
    try {
      const dir = s.dir('ebpf-lens-knip-');
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"probe","version":"1.0.0","private":true}\n');
      fs.writeFileSync(path.join(dir, 'knip.json'), fs.readFileSync(path.join(repoRoot, 'knip.json')));
      fs.writeFileSync(path.join(dir, 'src', 'lib.ts'), 'export const used = 1;\nexport const dead = 2;\n');
      fs.writeFileSync(path.join(dir, 'src', 'extension', 'extension.ts').replace('extension/extension.ts', 'main.ts'), '');
      fs.mkdirSync(path.join(dir, 'src', 'cli'));
      fs.writeFileSync(path.join(dir, 'src', 'cli', 'main.ts'), "import { used } from '../lib';\nconsole.log(used);\n");
      const r = await knip(dir);
      assert.deepEqual(
        findings(r.report).filter((f) => / exports /.test(f)),
        ['src/lib.ts: exports dead'],
      );
      assert.notEqual(r.code, 0);
    } finally {
      s.cleanup();
    }
  });
});
