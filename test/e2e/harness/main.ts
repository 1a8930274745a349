import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../unit/paths';
import type { CodeServer } from './codeServer';
import { killAll, toolchain } from './codeServer';
import type { Run } from './context';
import { cache, record, results, shots, work } from './context';
import type { SuiteServer } from './phases';
import { PHASES, startSuiteServer } from './phases';

/**
 * The e2e tier: the extension inside a real VS Code (code-server), against the lab.
 *   1. package the .vsix (its file list printed and checked), bundle size
 *   2. the extension-host suite, run headlessly by VS Code itself (exit code = verdict)
 *   3. the sentinel: a suite that must fail, and must be reported as failed
 *   4. UI checks like a person, on the installed .vsix, with screenshots
 * The phases, in order: phases.ts. Ends with "N passed, N failed".
 * env: EBPF_LENS_CACHE, E2E_WORK, E2E_SHOTS, E2E_PORT, E2E_ONLY (phase names, comma-separated)
 */
const only = (process.env['E2E_ONLY'] ?? PHASES.map((p) => p.name).join(','))
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);

const ALLOWED_IN_VSIX = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^dist\/extension\.js$/,
  /^dist\/languageClient\.js$/,
  /^dist\/server\.js$/,
  /^media\//,
  /^syntaxes\//,
  /^language-configuration\.json$/,
];

function packageVsix(): string {
  execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.mjs'), '--minify'], { cwd: repoRoot, stdio: 'inherit' });
  const vsce = path.join(repoRoot, 'node_modules', '.bin', 'vsce');
  const files = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  process.stdout.write(`.vsix contents:\n${files.map((f) => `    ${f}`).join('\n')}\n`);
  const stray = files.filter((f) => !ALLOWED_IN_VSIX.some((re) => re.test(f)));
  record('the .vsix holds only what the extension needs', stray.length === 0, stray.length ? `unexpected: ${stray.join(', ')}` : undefined);
  const size = fs.statSync(path.join(repoRoot, 'dist', 'extension.js')).size;
  record(`dist/extension.js is under 1 MB (${(size / 1024).toFixed(0)} KB)`, size < 1024 * 1024);
  const vsix = path.join(work, 'ebpf-lens.vsix');
  execFileSync(vsce, ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return vsix;
}

/** A realistic script for the editor screenshots (highlighting, hover, completion). */
const SLEEPLAT_BT = `#!/usr/bin/env bpftrace
/*
 * sleeplat: how long do nanosleep calls take, per process?
 */
config = { max_strlen = 64 }

tracepoint:syscalls:sys_enter_nanosleep /pid != 0/
{
\t@start[tid] = nsecs;
}

tracepoint:syscalls:sys_exit_nanosleep /@start[tid]/
{
\t$us = (nsecs - @start[tid]) / 1000;
\t@usecs[comm] = hist($us);
\t@calls = count();
\tdelete(@start[tid]);
\tif ($us > 100000) { printf("%-16s slept %d us\\n", comm, $us); }
}

interval:s:5 { print(@calls); }

END { clear(@start); }
`;

/** A script whose results always have something: a keyed map, a histogram, printf lines. */
const ACTIVITY_BT = `// What is this node busy with? System calls by process, read sizes, a heartbeat.
tracepoint:raw_syscalls:sys_enter
{
\t@syscalls[comm] = count();
}

tracepoint:syscalls:sys_exit_read /args->ret > 0/
{
\t@read_bytes = hist(args->ret);
}

interval:ms:500
{
\ttime("%H:%M:%S ");
\tprintf("heartbeat\\n");
\tprint(@syscalls, 8);
\tprint(@read_bytes);
}
`;
/** The workspace folder the code-servers open, with the files the UI checks open. */
function prepareWorkspace(): string {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(shots, { recursive: true });
  const folder = path.join(work, 'workspace');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'README.md'), '# eBPF Lens e2e workspace\n');
  fs.writeFileSync(path.join(folder, 'sleeplat.bt'), SLEEPLAT_BT);
  fs.writeFileSync(path.join(folder, 'activity.bt'), ACTIVITY_BT);
  // a probe the kernel does not have: Check on Node puts bpftrace's error on line 3
  fs.writeFileSync(
    path.join(folder, 'badprobe.bt'),
    'BEGIN { printf("start\\n"); }\n\ntracepoint:sched:no_such_event_here { @x = count(); }\n',
  );
  fs.copyFileSync(path.join(repoRoot, 'test', 'lab', 'src', 'edgeapp.c'), path.join(folder, 'edgeapp.c'));
  return folder;
}

/** The selected phases in order; crash, suite and sentinel share one code-server, stopped after the last of them. */
async function runPhases(selected: typeof PHASES, servers: CodeServer[], folder: string): Promise<void> {
  const t = toolchain(cache);
  const run: Run = { t, folder, servers, vsix: selected.some((p) => 'vsix' in p && p.vsix) ? packageVsix() : '' };
  let suite: SuiteServer | undefined;
  for (const [i, phase] of selected.entries()) {
    if ('run' in phase) {
      await phase.run(run);
      continue;
    }
    suite ??= await startSuiteServer(run);
    await phase.inSuiteServer(suite, run);
    if (!selected.slice(i + 1).some((p) => 'inSuiteServer' in p)) await suite.server.stop();
  }
}

async function main(): Promise<number> {
  // a phase name that matches nothing would make a run that checks nothing
  const names = PHASES.map((p) => p.name);
  const unknown = only.filter((p) => !names.includes(p));
  if (unknown.length > 0 || only.length === 0) {
    record(
      `E2E_ONLY names known phases (${names.join(', ')})`,
      false,
      unknown.length ? `unknown: ${unknown.join(', ')}` : 'E2E_ONLY is empty',
    );
    process.stdout.write('\n0 passed, 1 failed\n');
    return 1;
  }
  const folder = prepareWorkspace();
  const servers: CodeServer[] = [];
  try {
    await runPhases(
      PHASES.filter((p) => only.includes(p.name)),
      servers,
      folder,
    );
  } catch (e) {
    record('e2e harness', false, e instanceof Error ? (e.stack ?? e.message) : String(e));
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    killAll();
  }
  if (results.length === 0) record('the e2e tier ran at least one check', false, `E2E_ONLY=${only.join(',')} ran nothing`);
  const failed = results.filter((r) => !r.ok);
  for (const f of failed) process.stdout.write(`FAILED: ${f.name}${f.error ? ` — ${f.error}` : ''}\n`);
  process.stdout.write(`screenshots: ${shots}\n`);
  process.stdout.write(`\n${results.length - failed.length} passed, ${failed.length} failed\n`);
  return failed.length === 0 ? 0 : 1;
}

void main().then((code) => process.exit(code));
