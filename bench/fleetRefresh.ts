// Fleet refresh: list every connected node again (5 bpftool views each: prog, map, link, net,
// perf) for 1, 10, 20 and 50 lab nodes. The nodes share this machine's cores, so the floor for N
// nodes is max(t1, N × c / cores), with c the CPU time bpftool spends on one node's listing (one
// `bpftool batch` of the five, as a refresh runs it), measured in the same run with the N
// connections open and idle: the lab's nodes share one process table, and `bpftool perf show`
// reads every process's file descriptors, so each open connection (sshd, worker shell, watchdog)
// makes every node's bpftool dearer (~23 µs a process here). c measured before connecting is
// reported too. Also measured: the same N bpftool batches run at once through local shells inside
// the nodes (no SSH; the fleet's connections closed by then): what a transport costing nothing
// would take. Goal: ≤ 1.5 × floor at 20 and
// 50 nodes. Without a lab up, the bench brings up one of 50 nodes; with a smaller lab up, it grows
// it to 50 for the run and shrinks it back.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import * as os from 'node:os';
import { Fleet } from '../src/ssh/fleet';
import type { LabNode } from '../test/lab/labEnv';
import { context, inventory, lab, nodeConfig } from '../test/lab/labEnv';
import { onNodeBash, withLab } from './lab';
import { median, now, report, timeRuns } from './util';

const BATCH = 'perf show\nprog show\nmap show\nlink show\nnet show\n';

/**
 * CPU ms (user + sys) of one run of `loop` on the node: the median of 5 measurements of 20 runs
 * each (this machine runs the whole lab: noisy)
 */
function cpuMs(node: string, loop: string): number {
  const one = (): number => {
    const out = onNodeBash(node, `TIMEFORMAT="%3U %3S"; { time (for i in $(seq 1 20); do ${loop}; done) ; } 2>&1 | tail -n 1`).trim();
    const [u, s] = out.split(/\s+/).map(Number);
    return (((u ?? 0) + (s ?? 0)) * 1000) / 20;
  };
  return median(Array.from({ length: 5 }, one));
}

/** one node's listing as a refresh runs it: one batch */
const batchCpuMs = (node: string): number => cpuMs(node, `printf '${BATCH}' | bpftool -j -f batch file - > /dev/null`);
/** the same as five separate calls (what typing them would cost) */
const separateCpuMs = (node: string): number =>
  cpuMs(node, 'for v in "prog show" "map show" "link show" "net show" "perf show"; do bpftool -j -f $v > /dev/null 2>&1; done');

/**
 * One /bin/sh inside each node's namespaces (nsenter, no SSH) on pipes: the same bpftool batch
 * on every node at once, answered through the shell. Returns the median wall time of `runs`
 * rounds and the CPU bpftool spent per run (the shells' children, from `times`).
 */
async function directRefresh(nodes: readonly LabNode[], runs: number): Promise<{ medianMs: number; cpuPerRunMs: number }> {
  const shells = nodes.map((n) => {
    const c = spawn('nsenter', ['-t', String(n.sshdPid), '-m', '-n', '--', '/bin/sh'], { stdio: 'pipe' });
    return { c, buf: '' };
  });
  const ask = (s: { c: ChildProcessWithoutNullStreams; buf: string }, line: string, end: string): Promise<string> =>
    new Promise((resolve) => {
      const on = (d: Buffer): void => {
        s.buf += d.toString();
        const at = s.buf.indexOf(end);
        if (at < 0) return;
        const out = s.buf.slice(0, at);
        s.buf = s.buf.slice(at + end.length);
        s.c.stdout.off('data', on);
        resolve(out);
      };
      s.c.stdout.on('data', on);
      s.c.stdin.write(line);
    });
  // children's user + sys seconds as dash's `times` prints them ("0m0.010000s 0m0.020000s")
  const childCpu = async (): Promise<number> => {
    let total = 0;
    for (const s of shells) {
      const t = (await ask(s, 'times; echo __end\n', '__end\n')).trim().split('\n')[1] ?? '';
      for (const m of t.matchAll(/(\d+)m([\d.]+)s/g)) total += Number(m[1]) * 60 + Number(m[2]);
    }
    return total * 1000;
  };
  const round = async (): Promise<number> => {
    const t0 = now();
    await Promise.all(
      shells.map((s) => ask(s, `bpftool -j -f batch file - > /dev/null 2>&1 <<'EOT'\n${BATCH}EOT\necho __done\n`, '__done\n')),
    );
    return now() - t0;
  };
  try {
    for (let i = 0; i < 2; i++) await round();
    const c0 = await childCpu();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await round());
    const cpu = (await childCpu()) - c0;
    return { medianMs: median(times), cpuPerRunMs: cpu / (runs * nodes.length) };
  } finally {
    for (const s of shells) s.c.stdin.end();
  }
}

async function main(): Promise<void> {
  await withLab(
    async () => {
      const edges = lab()
        .nodes.filter((n) => n.kind === 'netns' && /^edge\d+$/.test(n.name))
        .sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)));
      const cores = os.cpus().length;
      // c before any connection is open (the lab's quiet process table)
      const before = batchCpuMs('edge1');
      const separate = separateCpuMs('edge1');
      const sizes = [1, 10, 20, 50].filter((n) => n <= edges.length);
      let t1 = 0;
      for (const n of sizes) {
        const nodes = edges.slice(0, n);
        const fleet = new Fleet({ ctx: context(), concurrency: 16, recoverStatsOnConnect: false });
        fleet.setInventory(inventory(nodes.map((x) => nodeConfig(x.name))));
        try {
          await Promise.all(nodes.map((x) => fleet.connect(x.name)));
          for (let i = 0; i < 2; i++) await fleet.refreshAll();
          // c with these n connections open and idle, measured quietly before the refreshes (the
          // strict floor: the busy machine makes bpftool itself dearer, which the floor does not grant)
          const c = batchCpuMs('edge1');
          const runs = await timeRuns(n >= 50 ? 15 : 20, () => fleet.refreshAll());
          const m = median(runs);
          if (n === 1) t1 = m;
          const floor = Math.max(t1, (n * c) / cores);
          const ratioBefore = m / Math.max(t1, (n * before) / cores);
          // with the fleet's connections closed: only the n shells are extra processes (stricter)
          await fleet.dispose();
          await new Promise((r) => setTimeout(r, 1000));
          const direct = await directRefresh(nodes, n >= 50 ? 15 : 20);
          report({
            bench: `fleet-refresh-${n}`,
            medianMs: m,
            baselineMs: floor,
            ratio: m / floor,
            goal: n >= 20 ? '≤ 1.5 × floor' : 'report',
            pass: n >= 20 ? m / floor <= 1.5 : true,
            nodes: n,
            cpuPerListingMs: Number(c.toFixed(2)),
            cpuPerListingBeforeConnectingMs: Number(before.toFixed(2)),
            ratioVsFloorBeforeConnecting: Number(ratioBefore.toFixed(2)),
            directMs: Number(direct.medianMs.toFixed(1)),
            ratioVsDirect: Number((m / direct.medianMs).toFixed(2)),
            cpuPerListingDirectMs: Number(direct.cpuPerRunMs.toFixed(2)),
            cpuSeparateCallsMs: Number(separate.toFixed(2)),
            cores,
            concurrency: 16,
          });
          process.stdout.write(
            `  fleet-refresh-${n}: c ${c.toFixed(2)} ms with ${n} connections open (${before.toFixed(2)} ms before connecting: ratio ${ratioBefore.toFixed(2)}); ` +
              `bpftool on the ${n} nodes at once without SSH: ${direct.medianMs.toFixed(1)} ms (${direct.cpuPerRunMs.toFixed(2)} ms CPU a run): ratio ${(m / direct.medianMs).toFixed(2)}\n`,
          );
        } finally {
          await fleet.dispose();
        }
      }
      if (!sizes.includes(50)) process.stdout.write(`fleet-refresh-50: skipped (the lab has ${edges.length} edge nodes)\n`);
    },
    { fleet: 50 },
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
