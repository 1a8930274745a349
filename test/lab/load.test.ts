import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Fleet } from '../../src/ssh/fleet';
import { TraceRun } from '../../src/ssh/trace';
import { figure } from './figures';
import { DEFAULT_COMMAND_MS, DEFAULT_CONNECT_MS } from './bounds';
import { context, inventory, lab, labSh, nodeConfig, nothingLeft, progIds, sleep, slowLogin, slowLoginOff } from './labEnv';

/**
 * Load: 50 lab nodes connected, 10 traces running at once across them, every node refreshed
 * every 2 s, for LOAD_SECONDS (default 300). Along the way traces are stopped and others
 * started. Checked: no channel leaks (SSH sessions counted on the nodes), memory stable (heap
 * after GC), and every stop leaves nothing behind.
 */
const SECONDS = Number(process.env['LOAD_SECONDS'] ?? 300);
const NODES = 50;
const TRACES = 10;
/** the script's interval: it prints a tick once a second */
const TICK_MS = 1000;
const SCRIPT =
  'tracepoint:syscalls:sys_enter_nanosleep { @sleeps[comm] = count(); }\ninterval:s:1 { printf("tick %d\\n", elapsed / 1000000000); print(@sleeps, 3); }';

/**
 * Open SSH channels per node: the processes its sshd sessions started (each exec channel is a
 * command under the node's sshd: the worker shell, a trace's guard), found in the node's own mount
 * namespace. One pass over this machine's /proc, in this process: a child process per node (as
 * this was) blocked the test's event loop for seconds under load, and with it the heartbeats its
 * traces send — the nodes then rightly stopped them.
 */
function sessionsOf(nodes: readonly string[]): number[] {
  const ns = new Map(nodes.map((n) => [fs.readFileSync(path.join(lab().labDir, 'nodes', n, 'mntns'), 'utf8').trim(), n]));
  const procs = new Map<number, { ppid: number; comm: string; node: string | undefined }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(d), { ppid, comm, node: ns.get(fs.readlinkSync(`/proc/${d}/ns/mnt`)) });
    } catch {
      /* ended meanwhile */
    }
  }
  const count = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const p of procs.values()) {
    const parent = procs.get(p.ppid);
    if (p.comm === 'sshd' || !parent || parent.comm !== 'sshd' || !parent.node) continue;
    count.set(parent.node, (count.get(parent.node) ?? 0) + 1);
  }
  return nodes.map((n) => count.get(n) ?? 0);
}

const heapMb = (): number => {
  (global as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

describe(`load: ${NODES} nodes, ${TRACES} traces at once, refreshed every 2 s for ${SECONDS} s`, function () {
  this.timeout((SECONDS + 240) * 1000);
  const names = Array.from({ length: NODES }, (_, i) => `edge${i + 1}`);
  // every node's login shell is slow (half a second of CPU in its startup files, on top of the
  // machine's own rc files): 50 logins at once on 2 cores, as a loaded fleet would be
  before(() => {
    labSh('grow', String(NODES));
    slowLogin(names, 'cpu', 0.5);
  });
  after(() => {
    slowLoginOff(names.slice(0, 20));
    labSh('shrink', '20');
  });

  it('no leaked channels, stable memory, and every stop leaves nothing behind', async () => {
    // the product's default bounds (the extension's settings), not the lab's
    const fleet = new Fleet({
      ctx: context({ connectTimeoutMs: DEFAULT_CONNECT_MS, commandTimeoutMs: DEFAULT_COMMAND_MS }),
      concurrency: 16,
      recoverStatsOnConnect: false,
    });
    fleet.setInventory(inventory(names.map((n) => nodeConfig(n))));
    const traces = new Map<string, TraceRun>();
    const said = new Map<string, string>();
    const attachedAt = new Map<string, number>();
    let refreshes = 0;
    let stops = 0;
    let maxSessions = 0;
    try {
      await Promise.all(names.map((n) => fleet.connect(n)));
      const before = progIds('edge1');
      const baseline = sessionsOf(names.slice(0, 12));
      const start = async (node: string): Promise<void> => {
        const c = fleet.client(node);
        assert.ok(c, `${node} connected`);
        const t = await TraceRun.start(c, { script: SCRIPT, maxSec: SECONDS + 120 });
        t.onDidWriteStderr((line) => said.set(node, `${said.get(node) ?? ''}${line}`));
        await t.attached;
        traces.set(node, t);
        attachedAt.set(node, Date.now());
      };
      const stop = async (node: string): Promise<void> => {
        const t = traces.get(node);
        if (!t) return;
        traces.delete(node);
        // the script prints once a second from its attach: a trace stopped sooner (one started in
        // the last rotation, just before the run's end) has had nothing to print yet
        const ran = Date.now() - (attachedAt.get(node) ?? 0);
        if (ran < 2 * TICK_MS) await sleep(2 * TICK_MS - ran);
        t.stop();
        const o = await t.finished;
        assert.equal(o.state, 'done', `${node}: ${JSON.stringify(o.error)}`);
        assert.ok(
          o.verified,
          `${node}: the end was checked on the node (leftover: ${JSON.stringify(o.leftover)}; stderr: ${said.get(node) ?? ''})`,
        );
        assert.ok(
          o.results.lines.some((l) => l.text.startsWith('tick')),
          `${node}: the trace printed`,
        );
        stops++;
      };
      // traces spread over the fleet
      await Promise.all(names.filter((_n, i) => i % (NODES / TRACES) === 0).map(start));
      const t0 = Date.now();
      let heapStart = 0;
      let heapEnd = 0;
      let next = 0;
      let rotate = names.length - 1;
      while (Date.now() - t0 < SECONDS * 1000) {
        const r0 = Date.now();
        await fleet.refreshAll();
        refreshes++;
        const el = (Date.now() - t0) / 1000;
        if (heapStart === 0 && el > 20) heapStart = heapMb();
        // every 30 s: one trace stops, another starts on another node
        if (el > next) {
          next += 30;
          const running = [...traces.keys()];
          const victim = running[refreshes % running.length];
          if (victim) await stop(victim);
          while (traces.has(names[rotate] ?? '')) rotate--;
          await start(names[rotate] ?? 'edge1');
          rotate = rotate > 0 ? rotate - 1 : names.length - 1;
          maxSessions = Math.max(maxSessions, ...sessionsOf(names.slice(0, 12)));
        }
        await sleep(Math.max(0, 2000 - (Date.now() - r0)));
      }
      heapEnd = heapMb();
      // every trace stops cleanly, and the nodes are back to one session per connection
      const ended = [...traces.values()];
      await Promise.all([...traces.keys()].map(stop));
      for (const t of ended) await nothingLeft(t.node, t.bpftracePid, before, 20_000);
      await sleep(1000);
      const after = sessionsOf(names.slice(0, 12));
      assert.deepEqual(after, baseline, 'the same number of SSH sessions on each node as before the traces');
      figure('load: nodes connected / traces at once', `${NODES} / ${TRACES}`);
      figure('load: refreshes of the whole fleet, stops verified', `${refreshes}, ${stops}`);
      figure('load: SSH channels per node before / max / after', `${Math.max(...baseline)} / ${maxSessions} / ${Math.max(...after)}`);
      figure('load: heap after GC at 20 s / at the end (MB)', `${heapStart.toFixed(1)} / ${heapEnd.toFixed(1)}`);
      assert.ok(refreshes >= SECONDS / 3, `refreshed ${refreshes} times in ${SECONDS} s`);
      assert.ok(heapEnd - heapStart < 40, `heap grew by ${(heapEnd - heapStart).toFixed(1)} MB`);
    } finally {
      for (const t of traces.values()) t.stop();
      await Promise.all([...traces.values()].map((t) => t.finished));
      await fleet.dispose();
    }
  });
});
