// The editor demo (npm run demo): eBPF Lens installed in a real VS Code (code-server) with one
// lab edge node configured. scripts/demo.sh starts the node first and takes it down afterwards.
// DEMO=incident (the default): the 2 AM incident (demo/incident) with its walkthrough;
// DEMO=basic: the node with two small deployed programs and a service to trace.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, toolchain } from '../test/e2e/harness/codeServer';
import { lab, labNode } from '../test/lab/labEnv';
import { repoRoot } from '../test/unit/paths';
import { INCIDENT_NODE, incidentNodeConfig, packageWalkthrough, writeIncidentWorkspace } from './incidentWorkspace';

async function main(): Promise<void> {
  const cache = path.join(process.env['EBPF_LENS_CACHE'] ?? '/var/cache/ebpf-lens', 'vscode');
  const work = process.env['DEMO_WORK'] ?? '/tmp/ebpf-lens-demo';
  const port = Number(process.env['DEMO_PORT'] ?? 8080);
  const host = process.env['DEMO_HOST'] ?? '127.0.0.1';
  const t = toolchain(cache);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });

  const incident = (process.env['DEMO'] ?? 'incident') === 'incident';
  const ws = path.join(work, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  if (incident) writeIncidentWorkspace(ws, 'edge1');
  else writeBasicWorkspace(ws);

  // the node's host key goes to eBPF Lens's own trust store (verification stays on)
  const n = labNode('edge1');
  const trusted = `${n.port === 22 ? n.host : `[${n.host}]:${n.port}`} ${n.hostKey} demo node\n`;

  const exts = path.join(work, 'extensions');
  const vsix = path.join(work, 'ebpf-lens.vsix');
  execFileSync(
    path.join(repoRoot, 'node_modules', '.bin', 'vsce'),
    ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const install = (x: string): void => {
    execFileSync(
      t.node24,
      [t.codeServerEntry, '--user-data-dir', path.join(work, 'install'), '--extensions-dir', exts, '--install-extension', x, '--force'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  };
  install(vsix);
  if (incident) install(packageWalkthrough(path.join(work, 'ebpf-lens-incident.vsix')));
  const server = await startCodeServer(t, {
    name: 'demo',
    port,
    host,
    work,
    folder: ws,
    extensionsDir: exts,
    smokeTestDriver: false,
    xdgConfigFiles: { 'ebpf-lens/known_hosts': trusted },
    userSettings: {
      'ebpfLens.nodes': incident
        ? [incidentNodeConfig('edge1')]
        : [
            {
              name: 'edge1',
              host: n.host,
              port: n.port,
              user: 'root',
              identityFile: lab().clientKey,
              tags: ['demo'],
              scope: { pinPrefixes: ['/sys/fs/bpf/edge'] },
            },
          ],
      'workbench.startupEditor': 'none',
      'ebpfLens.knownHostsFiles': [],
      'workbench.colorTheme': 'Default Dark Modern',
    },
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping code-server…\n');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.stdout.write(
    `\neBPF Lens demo ready: open ${server.url}/?folder=${encodeURIComponent(ws)}\n` +
      `(the node ${incident ? `${INCIDENT_NODE} (lab node edge1)` : 'edge1'} is ${n.host}; code-server log: ${server.log})\n` +
      `${incident ? 'The walkthrough "The 2 AM incident" opens by itself (Help → Get Started).\n' : ''}Ctrl-C stops everything.\n`,
  );
  setInterval(() => undefined, 1 << 30);
}

void main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

/** DEMO=basic: the sources of the two small programs and the service on the node. */
function writeBasicWorkspace(ws: string): void {
  // a workspace with the sources of what runs on the node
  const src = path.join(repoRoot, 'test', 'lab', 'src');
  for (const f of ['counter_v1.bpf.c', 'xdp_count.bpf.c', 'edgeapp.c']) fs.copyFileSync(path.join(src, f), path.join(ws, f));
  fs.writeFileSync(
    path.join(ws, 'README.md'),
    [
      '# eBPF Lens demo',
      '',
      'One edge node, `edge1`, runs two deployed BPF programs (`counter_v1.bpf.c`: a tracepoint on',
      'write(2); `xdp_count.bpf.c`: XDP on eth0) and a small service (`edgeapp.c`).',
      '',
      '1. Open the **eBPF** view in the activity bar and expand `edge1`.',
      '2. Hover a program for every field; right-click it for **Show Program** (normalised xlated',
      '   instructions) or **Show JSON**.',
      '3. Right-click `edge1` → **Enable Live Stats**: events/s, average run time and CPU% per program.',
      '4. Ctrl-C in the terminal that runs `npm run demo` stops everything it started.',
      '',
    ].join('\n'),
  );
}
