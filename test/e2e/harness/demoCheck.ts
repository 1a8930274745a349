import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../unit/paths';
import { openBrowser } from './browser';
import { CheckTable } from './steps';

/**
 * The demo tier: `npm run demo` as a newcomer runs it — it must come up with the node in the
 * real workbench, and after Ctrl-C leave no sshd, code-server, namespace, pin or lab folder.
 * Runs when no other lab is up.
 */
const shots = process.env['E2E_SHOTS'] ?? path.join(repoRoot, 'test-results', 'e2e');
const port = Number(process.env['DEMO_PORT'] ?? 8391);

/**
 * The checks of a run, declared up front in a table of names (a CheckTable: a name not in the
 * table, or recorded twice, fails; `summary()` fails each declared check never recorded and ends
 * with the line "N passed, N failed"). `pending()` is the first declared check not recorded.
 */
function checkTable(table: readonly string[]): {
  record: (name: string, ok: boolean, error?: string) => void;
  pending: () => string | undefined;
  summary: () => number;
} {
  const checks = new CheckTable(table, 'check');
  return {
    record: (name, ok, error) => {
      const wrong = checks.claim(name, 'recorded a second time: each check is recorded once');
      if (wrong) checks.fail(name, `${wrong}${error ? `; ${error}` : ''}`);
      else checks.add({ name, ok, ms: 0, ...(error ? { error } : {}) });
    },
    pending: () => checks.pending(),
    summary: () => {
      const results = checks.finish('declared but never ran');
      const failed = results.filter((r) => !r.ok).length;
      process.stdout.write(`\n${results.length - failed} passed, ${failed} failed\n`);
      return failed === 0 ? 0 : 1;
    },
  };
}

function leftovers(): string[] {
  const found: string[] = [];
  const ps = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => !/ Z/.test(l) && /ebpf-lens-lab|ebpf-lens-demo|edgeapp|udpsink|udpgen|incident-agent/.test(l));
  found.push(...ps.map((l) => `process: ${l.trim()}`));
  const ns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('elab-'));
  found.push(...ns.map((n) => `netns: ${n}`));
  if (fs.existsSync('/run/ebpf-lens-lab')) found.push('folder: /run/ebpf-lens-lab');
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { name?: string; id: number }[];
  found.push(
    ...progs
      .filter((p) => ['count_writes', 'xdp_count', 'xdp_edge', 'on_packet', 'sampler'].includes(p.name ?? ''))
      .map((p) => `BPF program still loaded: ${p.name ?? ''} #${p.id}`),
  );
  return found;
}

async function main(): Promise<number> {
  // every check of this tier, by name: one name on success and on failure, each recorded once
  const C = {
    clean: 'nothing of a lab or demo is running before the demo',
    up: 'npm run demo comes up and prints the URL',
    walkthrough: 'the demo opens the 2 AM incident walkthrough in Getting Started',
    node: 'the demo workbench shows the incident node with its deployed programs (its host key trusted, not skipped)',
    ctrlC: 'Ctrl-C ends the demo',
    cleanAfter: 'after Ctrl-C: no sshd, code-server, namespace, pin or lab folder of the demo is left',
  } as const;
  const { record, pending, summary } = checkTable(Object.values(C));
  try {
    fs.mkdirSync(shots, { recursive: true });
    const before = leftovers();
    record(C.clean, before.length === 0, before.join('; '));
    if (before.length > 0) return summary();
    const child = spawn('bash', [path.join(repoRoot, 'scripts', 'demo.sh')], {
      cwd: repoRoot,
      detached: true,
      env: { ...process.env, DEMO_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      const t0 = Date.now();
      while (!/demo ready: open (\S+)/.test(out) && child.exitCode === null && Date.now() - t0 < 6 * 60_000)
        await new Promise((r) => setTimeout(r, 500));
      const url = /demo ready: open (\S+)/.exec(out)?.[1];
      record(C.up, !!url, url ? undefined : out.slice(-1500));
      if (url) {
        const b = await openBrowser('/tmp');
        try {
          await b.page.goto(url);
          // the incident's walkthrough opens by itself
          await b.page.locator('.gettingStartedContainer', { hasText: 'The 2 AM incident' }).first().waitFor({ timeout: 90_000 });
          await b.page.locator('.gettingStartedContainer', { hasText: '1. Look at the edge node' }).first().waitFor({ timeout: 10_000 });
          await b.page.screenshot({ path: path.join(shots, '30-demo-walkthrough.png') });
          record(C.walkthrough, true);
          await b.page.locator('.activitybar [aria-label^="eBPF"]').first().click({ timeout: 30_000 });
          await b.page
            .getByRole('treeitem', { name: /^edge-incident\b/ })
            .first()
            .click({ timeout: 30_000 });
          await b.page.mouse.move(900, 700);
          for (const p of ['xdp_edge', 'on_packet', 'sampler'])
            await b.page
              .getByRole('treeitem', { name: new RegExp(`^${p}\\b`) })
              .first()
              .waitFor({ timeout: 30_000 });
          await b.page.screenshot({ path: path.join(shots, '31-demo-node.png') });
          record(C.node, true);
        } catch (e) {
          await b.page.screenshot({ path: path.join(shots, 'FAILED-10-demo.png') }).catch(() => undefined);
          // the check it was at fails (the walkthrough, or the node after it); a later one never ran
          record(pending() === C.walkthrough ? C.walkthrough : C.node, false, e instanceof Error ? e.message.split('\n')[0] : String(e));
        } finally {
          await b.close();
        }
      }
    } finally {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGINT'); // Ctrl-C in its terminal
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
      record(C.ctrlC, code !== 'hung', code === 'hung' ? 'still running after 90 s' : undefined);
      if (code === 'hung' && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 1000));
    const left = leftovers();
    record(C.cleanAfter, left.length === 0, left.join('; '));
  } catch (e) {
    // an error outside the checks (ps, bpftool, the browser not starting): the check it was at fails
    record(pending() ?? C.cleanAfter, false, e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  return summary();
}

void main().then((c) => process.exit(c));
