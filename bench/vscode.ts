// Runs a benchmark's extension-host part (bench/exthost/NAME.js, the @vscode/test-electron run()
// contract) inside the real VS Code (code-server, test/e2e/install.sh's toolchain), and answers
// what it printed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killAll, startCodeServer, toolchain } from '../test/e2e/harness/codeServer';
import { runSuite } from '../test/e2e/harness/runSuite';
import { repoRoot } from '../test/unit/paths';

export async function inVsCode(
  name: string,
  o: {
    env: Record<string, string>;
    userSettings: Record<string, unknown>;
    files?: Record<string, string>;
    timeoutMs?: number;
    minified?: boolean;
  },
): Promise<string> {
  execFileSync('bash', [path.join(repoRoot, 'test', 'e2e', 'install.sh')], { stdio: 'ignore' });
  // the bundle as it ships (minified) or as npm run build makes it
  execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.mjs'), ...(o.minified ? ['--minify'] : [])], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const work = `/tmp/ebpf-lens-bench-${name}`;
  fs.rmSync(work, { recursive: true, force: true });
  const folder = path.join(work, 'ws');
  fs.mkdirSync(folder, { recursive: true });
  for (const [f, text] of Object.entries(o.files ?? {})) fs.writeFileSync(path.join(folder, f), text);
  const t = toolchain(path.join(process.env['EBPF_LENS_CACHE'] ?? '/var/cache/ebpf-lens', 'vscode'));
  const server = await startCodeServer(t, {
    name: `bench-${name}`,
    port: Number(process.env['BENCH_PORT'] ?? 8390),
    work,
    folder,
    extensionsDir: path.join(work, 'exts'),
    smokeTestDriver: true,
    userSettings: o.userSettings,
  });
  try {
    const r = await runSuite(server, {
      extensionPath: repoRoot,
      testsPath: path.join(repoRoot, 'out', 'bench', 'exthost', `${name}.js`),
      folder,
      env: { ...o.env, BENCH_FOLDER: folder },
      timeoutMs: o.timeoutMs ?? 5 * 60_000,
      work,
    });
    return r.output;
  } finally {
    await server.stop();
    killAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
