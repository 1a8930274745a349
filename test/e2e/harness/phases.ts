/**
 * The phases of the e2e tier, in the order they run (main.ts runs those E2E_ONLY names):
 * crash, suite and sentinel share one code-server with the smoke-test driver; ui, probe,
 * secrets and incident install the packaged .vsix into code-servers of their own.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lab, labNode, nodeConfig } from '../../lab/labEnv';
import { repoRoot } from '../../unit/paths';
import { incidentNodeConfig, packageWalkthrough, writeIncidentWorkspace } from '../../../demo/incidentWorkspace';
import type { CodeServer, Toolchain } from './codeServer';
import { startCodeServer } from './codeServer';
import type { Run } from './context';
import { basePort, record, results, shots, work } from './context';
import { PROBE_SCRIPT, probeChecks } from './ui/probe';
import { runSuite } from './runSuite';
import { scanBuffer, scanTree } from './secrets';
import { fleetChecks } from './ui/fleet';
import { incidentChecks } from './ui/incident';
import { secretsChecks } from './ui/secrets';
import { welcomeChecks } from './ui/welcome';

/** test/lab/lab.sh with these arguments (its stdout) */
const labCmd = (...args: string[]): string =>
  execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), ...args], { encoding: 'utf8' });

/** Install these .vsix files into the extensions folder `exts`, as a user's code-server does. */
function installExtensions(t: Toolchain, exts: string, files: readonly string[]): void {
  for (const x of files)
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

/** The code-server the extension-host suites run in (smoke-test driver), with the env they get. */
export interface SuiteServer {
  readonly server: CodeServer;
  readonly env: Record<string, string>;
}

export async function startSuiteServer(run: Run): Promise<SuiteServer> {
  const server = await startCodeServer(run.t, {
    name: 'suite',
    port: basePort,
    work,
    folder: run.folder,
    extensionsDir: path.join(work, 'exts-suite'),
    smokeTestDriver: true,
    userSettings: {
      'ebpfLens.nodes': [nodeConfig('edge1'), nodeConfig('edge2'), nodeConfig('trixie1'), nodeConfig('forky1')],
      'ebpfLens.knownHostsFiles': [lab().knownHosts],
      'ebpfLens.stats.confirm': false,
    },
  });
  run.servers.push(server);
  const env = {
    LAB_DIR: lab().labDir,
    ...(process.env['EBPF_LENS_E2E_GREP'] ? { EBPF_LENS_E2E_GREP: process.env['EBPF_LENS_E2E_GREP'] } : {}),
  };
  return { server, env };
}

/** A killed extension host (SIGKILL) and the stats it held: the next connect restores them. */
async function crashPhase({ server, env }: SuiteServer, { folder }: Run): Promise<void> {
  process.stdout.write('a killed extension host (SIGKILL) and the stats it held:\n');
  const sysctl = (): string => labCmd('nodeexec', 'edge1', 'cat', '/proc/sys/kernel/bpf_stats_enabled').trim();
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

/** The extension-host suite (test/e2e/suite), run headlessly by VS Code itself: its exit code is its verdict. */
async function suitePhase({ server, env }: SuiteServer, { folder }: Run): Promise<void> {
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

/** Suites that must fail (a failing test, a filter matching nothing, no test files) are reported as failed. */
async function sentinelPhase({ server, env }: SuiteServer, { folder }: Run): Promise<void> {
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

/** UI checks like a person, on the installed .vsix, with screenshots: the welcome, then a fleet. */
async function uiPhase({ t, folder, vsix, servers }: Run): Promise<void> {
  const exts = path.join(work, 'exts-ui');
  installExtensions(t, exts, [vsix]);
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
        { ...nodeConfig('forky1'), tags: ['forky'] },
      ],
      'ebpfLens.knownHostsFiles': [knownHostsWithout('trixie1')],
      'ebpfLens.annotations.windowSeconds': 4,
      'workbench.colorTheme': 'Default Dark Modern',
    },
  });
  servers.push(fleet);
  labCmd('deploy', 'edge1', 'counter_v1');
  labCmd('deploy', 'edge1', 'xdp');
  labCmd('app', 'edge1', 'start', '800');
  try {
    results.push(
      ...(await fleetChecks(fleet, folder, shots, work, {
        good: 'edge1',
        programs: ['count_writes', 'xdp_count'],
        lost: 'edge-lost',
        unknownKey: 'trixie1',
        newest: 'forky1',
        fingerprint: labNode('trixie1').hostKeySha256,
        redeploy: () => labCmd('deploy', 'edge1', 'counter_v2'),
        appBinary: labCmd('app', 'edge1', 'path').trim(),
      })),
    );
  } finally {
    labCmd('undeploy', 'edge1');
    labCmd('app', 'edge1', 'stop');
  }
  await fleet.stop();
}

/** Another extension beside eBPF Lens (production mode), as an attacker's would be. */
async function probePhase({ t, folder, vsix, servers }: Run): Promise<void> {
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
  installExtensions(t, exts, [vsix, probeVsix]);
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

/** A password and a passphrase typed in the workbench, then every artefact searched for them. */
async function secretsPhase({ t, folder, vsix, servers }: Run): Promise<void> {
  const exts = path.join(work, 'exts-secrets');
  installExtensions(t, exts, [vsix]);
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
  let r: Awaited<ReturnType<typeof secretsChecks>>;
  try {
    r = await secretsChecks(server, folder, shots, work, {
      pw: { node: 'edge-pw', user: 'edgeuser', password },
      pp: { node: 'edge-pp', passphrase, file: lab().passphraseKey },
      artefacts,
    });
  } finally {
    await server.stop();
  }
  results.push(...r.checks);
  const profile = r.profile;
  const stepsOk = r.checks.every((c) => c.ok);
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

/** The 2 AM incident through the demo's walkthrough, on lab node edge5. */
async function incidentPhase({ t, vsix, servers }: Run): Promise<void> {
  // the 2 AM incident through the demo's walkthrough, on lab node edge5
  const incident = path.join(repoRoot, 'demo', 'incident', 'incident.sh');
  const exts = path.join(work, 'exts-incident');
  const wsInc = path.join(work, 'incident');
  writeIncidentWorkspace(wsInc, 'edge5');
  installExtensions(t, exts, [vsix, packageWalkthrough(path.join(work, 'ebpf-lens-incident.vsix'))]);
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

/** A phase: its name for E2E_ONLY, and how it runs. */
export type Phase =
  | {
      readonly name: string;
      /** it installs the packaged .vsix (packaged once, before the first phase) */
      readonly vsix: boolean;
      readonly run: (run: Run) => Promise<void>;
    }
  | {
      readonly name: string;
      /** in the suite's code-server, started for the first such phase and stopped after the last */
      readonly inSuiteServer: (suite: SuiteServer, run: Run) => Promise<void>;
    };

/** Every phase, in the order they run. */
export const PHASES: readonly Phase[] = [
  // packaging the .vsix (its file list printed and checked, the bundle's size) is this phase
  { name: 'vsix', vsix: true, run: async () => undefined },
  { name: 'crash', inSuiteServer: crashPhase },
  { name: 'suite', inSuiteServer: suitePhase },
  { name: 'sentinel', inSuiteServer: sentinelPhase },
  { name: 'ui', vsix: true, run: uiPhase },
  { name: 'probe', vsix: true, run: probePhase },
  { name: 'secrets', vsix: true, run: secretsPhase },
  { name: 'incident', vsix: true, run: incidentPhase },
];
