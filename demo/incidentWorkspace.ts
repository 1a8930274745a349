// The incident's VS Code side, shared by npm run demo and the e2e tier: the workspace (the BPF
// sources of both deployments, the service, the deploy job as tasks), the node as eBPF Lens
// sees it, and the demo-only walkthrough extension.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lab, labNode } from '../test/lab/labEnv';
import { repoRoot } from '../test/unit/paths';

export const INCIDENT_NODE = 'edge-incident';
const INCIDENT = path.join(repoRoot, 'demo', 'incident');

/** Write the incident's workspace into `ws`, its deploy tasks acting on lab node `labName`. */
export function writeIncidentWorkspace(ws: string, labName: string): void {
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  for (const f of ['edge_v1.bpf.c', 'edge_v2.bpf.c']) fs.copyFileSync(path.join(INCIDENT, 'bpf', f), path.join(ws, f));
  fs.copyFileSync(path.join(INCIDENT, 'src', 'udpsink.c'), path.join(ws, 'udpsink.c'));
  const task = (label: string, args: string[]): Record<string, unknown> => ({
    label,
    type: 'process',
    command: 'bash',
    args: [path.join(INCIDENT, 'incident.sh'), ...args],
    problemMatcher: [],
    // the deploy job's output shows while it runs; the terminal closes when it is done
    presentation: { reveal: 'always', panel: 'shared', clear: true, close: true },
  });
  fs.writeFileSync(
    path.join(ws, '.vscode', 'tasks.json'),
    `${JSON.stringify({ version: '2.0.0', tasks: [task('Incident: deploy v2', ['deploy', labName, 'v2']), task('Incident: roll back to v1', ['rollback', labName]), task('Incident: status', ['status', labName])] }, null, 2)}\n`,
  );
  fs.writeFileSync(
    path.join(ws, 'README.md'),
    [
      '# The 2 AM incident',
      '',
      `The edge node **${INCIDENT_NODE}** drops packets; the dashboard says nominal; last night's deploy left`,
      'no breadcrumbs. The walkthrough (*Help → Get Started → The 2 AM incident*) solves it with eBPF Lens.',
      '',
      '- `edge_v1.bpf.c` — what was deployed yesterday: XDP counts and passes, a uprobe on the service counts,',
      '  a 10 Hz sampler reads a CPU counter',
      '- `edge_v2.bpf.c` — the "automated optimisation"',
      '- `udpsink.c` — the service on the node',
      '- `.vscode/tasks.json` — the deploy job (*Terminal → Run Task…*)',
      '',
    ].join('\n'),
  );
}

/** The incident node in eBPF Lens's settings: the lab node, scoped to the incident's pins. */
export function incidentNodeConfig(labName: string): Record<string, unknown> {
  const n = labNode(labName);
  return {
    name: INCIDENT_NODE,
    host: n.host,
    port: n.port,
    user: 'root',
    identityFile: lab().clientKey,
    tags: ['incident'],
    scope: { pinPrefixes: ['/sys/fs/bpf/incident'] },
  };
}

/** Package the demo-only walkthrough extension (demo/walkthrough) into `out`. */
export function packageWalkthrough(out: string): string {
  execFileSync(
    path.join(repoRoot, 'node_modules', '.bin', 'vsce'),
    ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', out],
    {
      cwd: path.join(repoRoot, 'demo', 'walkthrough'),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return out;
}
