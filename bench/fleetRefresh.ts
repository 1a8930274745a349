// Fleet refresh: list every connected node again (5 bpftool views each: prog, map, link, net,
// perf) for 1, 10, 20 and 50 lab nodes. The nodes share this machine's cores, so the floor for N
// nodes is max(t1, N × c / cores), with c the CPU time bpftool spends on one node's listing,
// measured in the same run. Goal: ≤ 1.5 × floor at 20 and 50 nodes. Without a lab up, the bench
// brings up one of 50 nodes; with a smaller lab up, the sizes it has.
import * as os from 'node:os';
import { Fleet } from '../src/ssh/fleet';
import { context, inventory, lab, nodeConfig } from '../test/lab/labEnv';
import { onNodeSh, withLab } from './lab';
import { median, report, timeRuns } from './util';

/** CPU seconds (user + sys) of one node's listing: the five bpftool calls, run 20 times */
function listingCpuMs(node: string): number {
  const out = onNodeSh(
    node,
    'TIMEFORMAT="%3U %3S"; { time (for i in $(seq 1 20); do for v in "prog show" "map show" "link show" "net show" "perf show"; do bpftool -j $v > /dev/null 2>&1; done; done) ; } 2>&1 | tail -n 1',
  ).trim();
  const [u, s] = out.split(/\s+/).map(Number);
  return (((u ?? 0) + (s ?? 0)) * 1000) / 20;
}

async function main(): Promise<void> {
  await withLab(
    async () => {
      const edges = lab()
        .nodes.filter((n) => n.kind === 'netns' && /^edge\d+$/.test(n.name))
        .map((n) => n.name)
        .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
      const cores = os.cpus().length;
      const c = listingCpuMs('edge1');
      // the machine's own load while bpftool runs (sshd, this process) is part of the real cost
      const sizes = [1, 10, 20, 50].filter((n) => n <= edges.length);
      let t1 = 0;
      for (const n of sizes) {
        const names = edges.slice(0, n);
        const fleet = new Fleet({ ctx: context(), concurrency: 8, recoverStatsOnConnect: false });
        fleet.setInventory(inventory(names.map((x) => nodeConfig(x))));
        try {
          await Promise.all(names.map((x) => fleet.connect(x)));
          for (let i = 0; i < 2; i++) await fleet.refreshAll();
          const runs = await timeRuns(n >= 50 ? 5 : 10, () => fleet.refreshAll());
          const m = median(runs);
          if (n === 1) t1 = m;
          const floor = Math.max(t1, (n * c) / cores);
          report({ bench: `fleet-refresh-${n}`, medianMs: m, baselineMs: floor, ratio: m / floor, goal: n >= 20 ? '≤ 1.5 × floor' : 'report', pass: n >= 20 ? m / floor <= 1.5 : true, nodes: n, cpuPerListingMs: Number(c.toFixed(2)), cores, concurrency: 8 });
        } finally {
          await fleet.dispose();
        }
      }
      if (!sizes.includes(50)) process.stdout.write(`fleet-refresh-50: skipped (the lab that is up has ${edges.length} edge nodes; run with no lab up for 50)\n`);
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
