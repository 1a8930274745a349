import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lab, labNode, nodeConfig } from '../../lab/labEnv';
import { repoRoot } from '../../unit/paths';
import type { CodeServer } from './codeServer';
import { killAll, startCodeServer, toolchain } from './codeServer';
import { runSuite } from './runSuite';
import { PROBE_SCRIPT, probeChecks } from './probe';
import type { Check } from './ui';
import { fleetChecks, incidentChecks, secretsChecks, welcomeChecks } from './ui';
import { scanBuffer, scanTree } from './secrets';
import { incidentNodeConfig, packageWalkthrough, writeIncidentWorkspace } from '../../../demo/incidentWorkspace';

/**
 * The e2e tier: the extension inside a real VS Code (code-server), against the lab.
 *   1. package the .vsix (its file list printed and checked), bundle size
 *   2. the extension-host suite, run headlessly by VS Code itself (exit code = verdict)
 *   3. the sentinel: a suite that must fail, and must be reported as failed
 *   4. UI checks like a person, on the installed .vsix, with screenshots
 * Ends with "N passed, N failed". env: EBPF_LENS_CACHE, E2E_WORK, E2E_SHOTS, E2E_PORT, E2E_ONLY
 */
const cache = path.join(process.env['EBPF_LENS_CACHE'] ?? '/var/cache/ebpf-lens', 'vscode');
const work = process.env['E2E_WORK'] ?? '/tmp/ebpf-lens-e2e';
const shots = process.env['E2E_SHOTS'] ?? path.join(repoRoot, 'test-results', 'e2e');
const basePort = Number(process.env['E2E_PORT'] ?? 8310);
const PHASES = ['vsix', 'crash', 'suite', 'sentinel', 'ui', 'probe', 'secrets', 'incident'] as const;
const only = (process.env['E2E_ONLY'] ?? PHASES.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);

const results: Check[] = [];
/** `detail` explains a failure; it is not shown for a pass */
/** The error and warning lines of the newest "eBPF Lens.log" under dir (copied to keep) */
function extensionLogErrors(dir: string, keep: string): string[] {
  const logs: { file: string; at: number }[] = [];
  const walk = (d: string): void => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name === 'eBPF Lens.log') logs.push({ file: f, at: fs.statSync(f).mtimeMs });
    }
  };
  walk(dir);
  const newest = logs.sort((a, b) => b.at - a.at)[0];
  if (!newest) return [];
  fs.copyFileSync(newest.file, keep);
  return fs
    .readFileSync(newest.file, 'utf8')
    .split('\n')
    .filter((l) => /\[(error|warning)\]/.test(l))
    .slice(-15)
    .map((l) => l.slice(0, 400));
}

function record(name: string, ok: boolean, detail?: string): void {
  const error = ok ? undefined : detail;
  results.push({ name, ok, ms: 0, ...(error ? { error } : {}) });
  process.stdout.write(`  ${ok ? '✔' : '✘'} ${name}${error ? `: ${error}` : ''}\n`);
}

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

function knownHostsWithout(node: string): string {
  const n = labNode(node);
  const name = n.port === 22 ? n.host : `[${n.host}]:${n.port}`;
  const text = fs
    .readFileSync(lab().knownHosts, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith(`${name} `))
    .join('\n');
  const f = path.join(work, `known_hosts-without-${node}`);
  fs.writeFileSync(f, text);
  return f;
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

async function main(): Promise<number> {
  // a phase name that matches nothing would make a run that checks nothing
  const unknown = only.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0 || only.length === 0) {
    record(
      `E2E_ONLY names known phases (${PHASES.join(', ')})`,
      false,
      unknown.length ? `unknown: ${unknown.join(', ')}` : 'E2E_ONLY is empty',
    );
    process.stdout.write('\n0 passed, 1 failed\n');
    return 1;
  }
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(shots, { recursive: true });
  const t = toolchain(cache);
  const folder = path.join(work, 'workspace');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'README.md'), '# eBPF Lens e2e workspace\n');
  fs.writeFileSync(path.join(folder, 'sleeplat.bt'), SLEEPLAT_BT);
  fs.writeFileSync(path.join(folder, 'activity.bt'), ACTIVITY_BT);
  fs.copyFileSync(path.join(repoRoot, 'test', 'lab', 'src', 'edgeapp.c'), path.join(folder, 'edgeapp.c'));
  const servers: CodeServer[] = [];
  try {
    let vsix = '';
    if (only.some((p) => ['vsix', 'ui', 'probe', 'secrets', 'incident'].includes(p))) vsix = packageVsix();

    if (only.includes('suite') || only.includes('sentinel') || only.includes('crash')) {
      const server = await startCodeServer(t, {
        name: 'suite',
        port: basePort,
        work,
        folder,
        extensionsDir: path.join(work, 'exts-suite'),
        smokeTestDriver: true,
        userSettings: {
          'ebpfLens.nodes': [nodeConfig('edge1'), nodeConfig('edge2'), nodeConfig('trixie1')],
          'ebpfLens.knownHostsFiles': [lab().knownHosts],
          'ebpfLens.stats.confirm': false,
        },
      });
      servers.push(server);
      const env = {
        LAB_DIR: lab().labDir,
        ...(process.env['EBPF_LENS_E2E_GREP'] ? { EBPF_LENS_E2E_GREP: process.env['EBPF_LENS_E2E_GREP'] } : {}),
      };
      if (only.includes('crash')) {
        process.stdout.write('a killed extension host (SIGKILL) and the stats it held:\n');
        const sysctl = (): string =>
          execFileSync(
            'bash',
            [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'nodeexec', 'edge1', 'cat', '/proc/sys/kernel/bpf_stats_enabled'],
            { encoding: 'utf8' },
          ).trim();
        let killed = '';
        const hold = await runSuite(server, {
          extensionPath: repoRoot,
          testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'crash', 'hold.js'),
          folder,
          env,
          timeoutMs: 2 * 60_000,
          work,
          until: /HOLDING-STATS/,
          whileOpen: async () => {
            const hosts = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
              .split('\n')
              .map((l) => l.trim().split(/\s+/))
              .filter(([, pg, ...args]) => Number(pg) === server.pgid && args.join(' ').includes('extensionHost'));
            for (const [pid] of hosts) process.kill(Number(pid), 'SIGKILL');
            killed = hosts.map(([pid]) => pid).join(',');
          },
        });
        record(
          `the extension turned stats on, and its extension host was killed with SIGKILL (pid ${killed || 'none'})`,
          /HOLDING-STATS/.test(hold.output) && killed !== '' && sysctl() === '1',
          hold.output.split('\n').slice(-3).join(' '),
        );
        const verify = await runSuite(server, {
          extensionPath: repoRoot,
          testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'crash', 'verify.js'),
          folder,
          env,
          timeoutMs: 2 * 60_000,
          work,
        });
        record(
          'the next connect (new extension host) restores kernel.bpf_stats_enabled',
          verify.code === 0 && sysctl() === '0',
          /STATS [^\n]*/.exec(verify.output)?.[0] ?? verify.output.slice(-500),
        );
      }
      if (only.includes('suite')) {
        process.stdout.write('extension-host suite (real VS Code, headless):\n');
        const r = await runSuite(server, {
          extensionPath: repoRoot,
          testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'suite', 'index.js'),
          folder,
          env,
          timeoutMs: 10 * 60_000,
          work,
          screenshot: path.join(shots, '00-suite-end.png'),
        });
        const m = /(\d+) passed, (\d+) failed/.exec(r.output);
        const check = /^tier check: .*$/m.exec(r.output)?.[0];
        const hollow = /^HOLLOW RUN .*$/m.exec(r.output)?.[0];
        record(
          `the suite is not hollow (${check ?? 'no tier check line'})`,
          check !== undefined && hollow === undefined,
          hollow ?? 'the suite printed no tier check',
        );
        const passed = Number(m?.[1] ?? 0);
        const failed = Number(m?.[2] ?? 0);
        for (let i = 0; i < passed; i++) results.push({ name: `suite test ${i + 1}`, ok: true, ms: 0 });
        const named = [...r.output.matchAll(/^SUITE-FAIL: (.*)$/gm)].map((x) => x[1] ?? '');
        // a command's failure reaches a test as `undefined` (the user sees a message): the
        // extension's own log says what it was
        const errors = failed > 0 ? extensionLogErrors(path.join(work, 'suite', 'logs'), path.join(shots, 'suite-extension.log')) : [];
        for (const l of errors) process.stdout.write(`  extension log: ${l}\n`);
        for (let i = 0; i < failed; i++) {
          const error = `${named[i] ?? '(unnamed: see the suite output above)'}${i === 0 && errors.length ? ` | the extension's last errors: ${errors.slice(-3).join(' / ')}` : ''}`;
          results.push({ name: `suite failure ${i + 1}`, ok: false, ms: 0, error });
        }
        record(
          `the suite's exit code is its verdict (${String(r.code)})`,
          r.code === (failed > 0 ? 1 : 0) && m !== null,
          m ? undefined : `no summary line; log:\n${r.output.slice(-2000)}`,
        );
      }
      if (only.includes('sentinel')) {
        const r = await runSuite(server, {
          extensionPath: repoRoot,
          testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'sentinel', 'index.js'),
          folder,
          env,
          timeoutMs: 3 * 60_000,
          work,
        });
        record(
          'sentinel: a suite that must fail is reported as failed',
          r.code !== 0 && r.code !== 'timeout' && /sentinel: 0 passed, 1 failed/.test(r.output),
          `exit ${String(r.code)}`,
        );
        // a filter that matches no test, and a suite folder with no test files: both fail
        const nothing = await runSuite(server, {
          extensionPath: repoRoot,
          testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'suite', 'index.js'),
          folder,
          env: { ...env, EBPF_LENS_E2E_GREP: 'sentinel: no e2e test has this in its name' },
          timeoutMs: 3 * 60_000,
          work,
        });
        record(
          'sentinel: a filter matching no test is reported as failed',
          typeof nothing.code === 'number' &&
            nothing.code !== 0 &&
            /HOLLOW RUN \(counted as failed\): the filter matched no test/.test(nothing.output),
          `exit ${String(nothing.code)}: ${nothing.output.slice(-300)}`,
        );
        const empty = await runSuite(server, {
          extensionPath: repoRoot,
          testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'sentinel', 'empty.js'),
          folder,
          env,
          timeoutMs: 3 * 60_000,
          work,
        });
        record(
          'sentinel: a suite with no test files is reported as failed',
          typeof empty.code === 'number' && empty.code !== 0 && /HOLLOW RUN \(counted as failed\): no test files/.test(empty.output),
          `exit ${String(empty.code)}: ${empty.output.slice(-300)}`,
        );
      }
      await server.stop();
    }

    if (only.includes('ui')) {
      const exts = path.join(work, 'exts-ui');
      execFileSync(
        t.node24,
        [
          t.codeServerEntry,
          '--user-data-dir',
          path.join(work, 'install-data'),
          '--extensions-dir',
          exts,
          '--install-extension',
          vsix,
          '--force',
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      process.stdout.write('UI checks (the installed .vsix in the workbench, screenshots):\n');
      const welcome = await startCodeServer(t, {
        name: 'ui-welcome',
        port: basePort + 1,
        work,
        folder,
        extensionsDir: exts,
        smokeTestDriver: false,
        userSettings: {},
      });
      servers.push(welcome);
      results.push(...(await welcomeChecks(welcome, folder, shots, work)));
      await welcome.stop();
      const fleet = await startCodeServer(t, {
        name: 'ui-fleet',
        port: basePort + 2,
        work,
        folder,
        extensionsDir: exts,
        smokeTestDriver: false,
        userSettings: {
          'ebpfLens.nodes': [
            { ...nodeConfig('edge1'), scope: { pinPrefixes: ['/sys/fs/bpf/edge'] }, tags: ['lab'] },
            { name: 'edge-lost', host: '127.0.0.1', port: 1, user: 'root', identityFile: lab().clientKey },
            { ...nodeConfig('trixie1'), tags: ['trixie'] },
          ],
          'ebpfLens.knownHostsFiles': [knownHostsWithout('trixie1')],
          'ebpfLens.annotations.windowSeconds': 4,
          'workbench.colorTheme': 'Default Dark Modern',
        },
      });
      servers.push(fleet);
      execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'deploy', 'edge1', 'counter_v1']);
      execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'deploy', 'edge1', 'xdp']);
      execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'app', 'edge1', 'start', '800']);
      try {
        results.push(
          ...(await fleetChecks(fleet, folder, shots, work, {
            good: 'edge1',
            programs: ['count_writes', 'xdp_count'],
            lost: 'edge-lost',
            unknownKey: 'trixie1',
            fingerprint: labNode('trixie1').hostKeySha256,
            redeploy: () => execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'deploy', 'edge1', 'counter_v2']),
            appBinary: execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'app', 'edge1', 'path'], {
              encoding: 'utf8',
            }).trim(),
          })),
        );
      } finally {
        execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'undeploy', 'edge1']);
        execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'app', 'edge1', 'stop']);
      }
      await fleet.stop();
    }

    if (only.includes('probe')) {
      // another extension beside eBPF Lens (production mode), as an attacker's would be
      const exts = path.join(work, 'exts-probe');
      const probeVsix = path.join(work, 'ebpf-lens-probe.vsix');
      execFileSync(
        path.join(repoRoot, 'node_modules', '.bin', 'vsce'),
        ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', probeVsix],
        {
          cwd: path.join(repoRoot, 'test', 'e2e', 'probe'),
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      for (const x of [vsix, probeVsix]) {
        execFileSync(
          t.node24,
          [
            t.codeServerEntry,
            '--user-data-dir',
            path.join(work, 'install-data'),
            '--extensions-dir',
            exts,
            '--install-extension',
            x,
            '--force',
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
      }
      process.stdout.write('another extension beside eBPF Lens (exports, commands with arguments):\n');
      const out = path.join(work, 'probe-out');
      const server = await startCodeServer(t, {
        name: 'ui-probe',
        port: basePort + 5,
        work,
        folder,
        extensionsDir: exts,
        smokeTestDriver: false,
        userSettings: {
          'ebpfLens.nodes': [nodeConfig('edge3')],
          'ebpfLens.knownHostsFiles': [lab().knownHosts],
          'workbench.colorTheme': 'Default Dark Modern',
        },
        env: { EBPF_LENS_PROBE_OUT: out, EBPF_LENS_PROBE_ARGS: JSON.stringify({ node: 'edge3', script: PROBE_SCRIPT, durationSec: 10 }) },
      });
      servers.push(server);
      try {
        results.push(...(await probeChecks(server, folder, shots, work, { node: 'edge3', out })));
      } finally {
        await server.stop();
      }
    }

    if (only.includes('secrets')) {
      const exts = path.join(work, 'exts-secrets');
      execFileSync(
        t.node24,
        [
          t.codeServerEntry,
          '--user-data-dir',
          path.join(work, 'install-data'),
          '--extensions-dir',
          exts,
          '--install-extension',
          vsix,
          '--force',
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      process.stdout.write('secrets (a password and a passphrase typed in the workbench, then every artefact searched):\n');
      const password = fs.readFileSync(lab().passwordFile, 'utf8').trim();
      const passphrase = fs.readFileSync(lab().passphraseFile, 'utf8').trim();
      const e1 = labNode('edge1');
      const server = await startCodeServer(t, {
        name: 'ui-secrets',
        port: basePort + 4,
        work,
        folder,
        extensionsDir: exts,
        smokeTestDriver: false,
        userSettings: {
          'ebpfLens.nodes': [
            { name: 'edge-pw', host: e1.host, port: e1.port, user: 'edgeuser' },
            { ...nodeConfig('edge2'), name: 'edge-pp', identityFile: lab().passphraseKey },
          ],
          'ebpfLens.knownHostsFiles': [lab().knownHosts],
          'workbench.colorTheme': 'Default Dark Modern',
        },
        // no agent: the password and the passphrase are the only ways in
        env: { SSH_AUTH_SOCK: '' },
      });
      servers.push(server);
      const artefacts = { json: path.join(folder, 'secrets-trace.json'), postmortem: path.join(folder, 'secrets-postmortem.md') };
      let profile = '';
      let stepsOk = false;
      try {
        const r = await secretsChecks(server, folder, shots, work, {
          pw: { node: 'edge-pw', user: 'edgeuser', password },
          pp: { node: 'edge-pp', passphrase, file: lab().passphraseKey },
          artefacts,
        });
        results.push(...r.checks);
        profile = r.profile;
        stepsOk = r.checks.every((c) => c.ok);
      } finally {
        await server.stop();
      }
      if (stepsOk) {
        const secrets = { password, passphrase };
        // the scanner finds what it looks for, in each encoding (a control, not a product check)
        const planted = `{"x":".${password}."}`;
        const control = [
          Buffer.from(planted),
          Buffer.from(planted, 'utf16le'),
          Buffer.from(Buffer.from(planted).toString('base64')),
          Buffer.from(Buffer.from(planted).toString('hex')),
        ].every((b) => scanBuffer(Buffer.concat([Buffer.from('xx'), b, Buffer.from('yy')]), secrets).some((h) => h.secret === 'password'));
        const roots = [work, shots]; // the workspace folder is under work
        const scan = scanTree(roots, secrets);
        const must = [
          { what: 'the saved runs', re: /globalStorage\/[^/]*ebpf-lens[^/]*\/runs\/.+\.json$/ },
          { what: 'the results JSON', re: /secrets-trace\.json$/ },
          { what: 'the postmortem', re: /secrets-postmortem\.md$/ },
          { what: 'the snapshots', re: /snapshots\/edge-pw\// },
          { what: "the extension's log", re: /ui-secrets\/logs\/.*eBPF Lens.*\.log$/ },
          { what: 'the settings', re: /ui-secrets\/User\/settings\.json$/ },
          { what: "the browser profile's localStorage", re: /Local Storage\/leveldb\// },
          { what: "the browser's IndexedDB (the workbench's state)", re: /IndexedDB\// },
        ];
        const missing = must.filter((m) => !scan.files.some((f) => m.re.test(f))).map((m) => m.what);
        record(
          `searched ${scan.files.length} files (${(scan.bytes / 2 ** 20).toFixed(1)} MB: saved runs, results JSON, postmortem, snapshots, logs, settings, the browser profile with its localStorage and IndexedDB) for the password and the passphrase in 6 encodings`,
          control && missing.length === 0,
          !control ? 'the scanner missed a planted secret' : `not among the files: ${missing.join(', ')}`,
        );
        record(
          'neither the password nor the passphrase is in any of them (secret storage keeps them encrypted)',
          scan.hits.length === 0,
          scan.hits.map((h) => `${h.secret} (${h.encoding}) in ${h.file}`).join('; '),
        );
      }
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
    }

    if (only.includes('incident')) {
      // the 2 AM incident through the demo's walkthrough, on lab node edge5
      const incident = path.join(repoRoot, 'demo', 'incident', 'incident.sh');
      const exts = path.join(work, 'exts-incident');
      const wsInc = path.join(work, 'incident');
      writeIncidentWorkspace(wsInc, 'edge5');
      for (const x of [vsix, packageWalkthrough(path.join(work, 'ebpf-lens-incident.vsix'))]) {
        execFileSync(
          t.node24,
          [
            t.codeServerEntry,
            '--user-data-dir',
            path.join(work, 'install-data'),
            '--extensions-dir',
            exts,
            '--install-extension',
            x,
            '--force',
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
      }
      process.stdout.write('the 2 AM incident, through the demo walkthrough (screenshots):\n');
      execFileSync('bash', [incident, 'up', 'edge5'], { stdio: ['ignore', 'ignore', 'inherit'] });
      const server = await startCodeServer(t, {
        name: 'ui-incident',
        port: basePort + 3,
        work,
        folder: wsInc,
        extensionsDir: exts,
        smokeTestDriver: false,
        userSettings: {
          'ebpfLens.nodes': [incidentNodeConfig('edge5')],
          'ebpfLens.knownHostsFiles': [lab().knownHosts],
          'workbench.colorTheme': 'Default Dark Modern',
          'workbench.startupEditor': 'none',
          'ebpfLens.stats.refreshIntervalSeconds': 2,
        },
      });
      servers.push(server);
      try {
        results.push(...(await incidentChecks(server, wsInc, shots, work, { node: 'edge-incident' })));
      } finally {
        await server.stop();
        execFileSync('bash', [incident, 'down', 'edge5'], { stdio: ['ignore', 'ignore', 'inherit'] });
      }
    }
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
