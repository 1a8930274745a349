// Fleet refresh: list every connected node again (5 bpftool views each: prog, map, link, net,
// perf) for 1, 10, 20 and 50 lab nodes. The nodes share this machine's cores, so the floor for N
// nodes is max(t1, N × c / cores), with c the CPU time bpftool spends on one node's listing
// (one `bpftool batch` of the five, as a refresh runs it), measured in the same run. Goal: ≤ 1.5 × floor at 20 and 50 nodes. Without a lab up, the bench
// brings up one of 50 nodes; with a smaller lab up, it grows it to 50 for the run and shrinks it back.
import * as os from 'node:os';
import { Fleet } from '../src/ssh/fleet';
import { context, inventory, lab, nodeConfig } from '../test/lab/labEnv';
import { onNodeBash, withLab } from './lab';
import { median, report, timeRuns } from './util';

/**
 * CPU ms (user + sys) bpftool spends on one node's listing, run 20 times: as one batch (what a
 * refresh runs) and as five separate calls (what typing them would cost)
 */
function listingCpuMs(node: string, samples = 5): { batch: number; bounded: number; separate: number } {
  // the median of `samples` measurements of 20 calls each (this machine runs the whole lab: noisy)
  const cpu = (loop: string): number => {
    const one = (): number => {
      const out = onNodeBash(node, `TIMEFORMAT="%3U %3S"; { time (for i in $(seq 1 20); do ${loop}; done) ; } 2>&1 | tail -n 1`).trim();
      const [u, s] = out.split(/\s+/).map(Number);
      return (((u ?? 0) + (s ?? 0)) * 1000) / 20;
    };
    return median(Array.from({ length: samples }, one));
  };
  return {
    batch: cpu(`printf 'perf show\\nprog show\\nmap show\\nlink show\\nnet show\\n' | bpftool -j -f batch file - > /dev/null`),
    // the same under the node-side time bound every eBPF Lens command carries (coreutils timeout)
    bounded: cpu(`printf 'perf show\\nprog show\\nmap show\\nlink show\\nnet show\\n' | timeout -k 2 31 bpftool -j -f batch file - > /dev/null`),
    separate: samples === 0 ? 0 : cpu('for v in "prog show" "map show" "link show" "net show" "perf show"; do bpftool -j -f $v > /dev/null 2>&1; done'),
  };
}

async function main(): Promise<void> {
  await withLab(
    async () => {
      const edges = lab()
        .nodes.filter((n) => n.kind === 'netns' && /^edge\d+$/.test(n.name))
        .map((n) => n.name)
        .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
      const cores = os.cpus().length;
      // c measured on a quiet lab before the refreshes (the strict floor: the busy machine makes
      // bpftool itself noticeably slower, which the floor does not grant)
      const cpu = listingCpuMs('edge1');
      const c = cpu.batch;
      // the machine's own load while bpftool runs (sshd, this process) is part of the real cost
      const sizes = [1, 10, 20, 50].filter((n) => n <= edges.length);
      let t1 = 0;
      for (const n of sizes) {
        const names = edges.slice(0, n);
        const fleet = new Fleet({ ctx: context(), concurrency: 16, recoverStatsOnConnect: false });
        fleet.setInventory(inventory(names.map((x) => nodeConfig(x))));
        try {
          await Promise.all(names.map((x) => fleet.connect(x)));
          for (let i = 0; i < 2; i++) await fleet.refreshAll();
          const runs = await timeRuns(n >= 50 ? 15 : 20, () => fleet.refreshAll());
          const m = median(runs);
          if (n === 1) t1 = m;
          const floor = Math.max(t1, (n * c) / cores);
          const boundedFloor = Math.max(t1, (n * cpu.bounded) / cores);
          report({
            bench: `fleet-refresh-${n}`,
            medianMs: m,
            baselineMs: floor,
            ratio: m / floor,
            goal: n >= 20 ? '≤ 1.5 × floor' : 'report',
            pass: n >= 20 ? m / floor <= 1.5 : true,
            nodes: n,
            cpuPerListingMs: Number(c.toFixed(2)),
            cpuPerBoundedListingMs: Number(cpu.bounded.toFixed(2)),
            ratioVsBoundedFloor: Number((m / boundedFloor).toFixed(2)),
            cpuSeparateCallsMs: Number(cpu.separate.toFixed(2)),
            cores,
            concurrency: 16,
          });
          process.stdout.write(`  fleet-refresh-${n} against the floor with the node-side time bound (timeout + bpftool: ${cpu.bounded.toFixed(1)} ms CPU a node): ratio ${(m / boundedFloor).toFixed(2)}\n`);
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
