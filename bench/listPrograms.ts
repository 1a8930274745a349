// Listing programs on a node, eBPF Lens against what a person would type.
//  1. warm: eBPF Lens's persistent worker channel (bpftool -j prog show through NodeClient.run)
//     vs OpenSSH through a ControlMaster socket running the same bpftool command, vs a fresh
//     ssh2 exec channel per call, vs the floor: bpftool's own time on the node plus one round trip
//     of the worker. Goal: ratio ≤ 0.1 vs ControlMaster.
//  2. cold: connect (host key check, auth, the node probe) + list vs a plain `ssh node bpftool …`.
//     Goal: ratio ≤ 1.0.
// Every call runs bpftool on the node (no cached answers). env: BENCH_NODE (edge1), BENCH_RUNS (40)
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { progShow } from '../src/core/bpftool/commands';
import type { RemoteCommand } from '../src/core/remote/command';
import { shJoin } from '../src/core/remote/quote';
import { lab, labNode, openNode } from '../test/lab/labEnv';
import { onNodeSh, withLab } from './lab';
import { median, report, timeRuns } from './util';

const NODE = process.env['BENCH_NODE'] ?? 'edge1';
const RUNS = Number(process.env['BENCH_RUNS'] ?? 40);

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(cmd, args, { maxBuffer: 64 << 20 }, (e, out) => (e ? reject(e) : resolve(out))));
}

/** one round trip through the worker: a shell builtin, nothing started on the node */
const TRUE: RemoteCommand<string> = { title: ':', argv: [':'], root: false, interpret: (o) => o.stdout };

async function main(): Promise<void> {
  await withLab(async () => {
    const n = labNode(NODE);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebl-bench-'));
    const cp = path.join(dir, 'cm');
    const sshBase = [
      '-i',
      lab().clientKey,
      '-o',
      `UserKnownHostsFile=${lab().knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      '-p',
      String(n.port),
    ];
    const target = `root@${n.host}`;
    try {
      // the floor: bpftool's own time on the node (median of RUNS, in one process)
      const times = onNodeSh(
        NODE,
        'for i in $(seq 1 "$1"); do s=$(date +%s%N); bpftool -j prog show > /dev/null; e=$(date +%s%N); echo $((e - s)); done',
        String(RUNS),
      )
        .trim()
        .split('\n')
        .map((x) => Number(x) / 1e6);
      const bpftoolMs = median(times);
      const c = await openNode(NODE);
      let programs = 0;
      for (let i = 0; i < 5; i++) await c.run(progShow());
      const rtt = median(await timeRuns(RUNS, () => c.run(TRUE)));
      const worker = await timeRuns(RUNS, async () => {
        programs = (await c.run(progShow())).items.length;
      });
      // a fresh exec channel per call (what most SSH clients do)
      const line = shJoin(['bpftool', '-j', 'prog', 'show']);
      const fresh = await timeRuns(Math.min(RUNS, 20), async () => {
        const ch = await c.connection.exec(line);
        await new Promise<void>((resolve) => {
          ch.on('data', () => undefined);
          ch.stderr.on('data', () => undefined);
          ch.once('close', () => resolve());
        });
      });
      c.close();
      // OpenSSH with a ControlMaster socket (connection already up)
      await run('ssh', [...sshBase, '-o', 'ControlMaster=yes', '-o', `ControlPath=${cp}`, '-o', 'ControlPersist=120', '-N', '-f', target]);
      const master = await timeRuns(Math.min(RUNS, 20), () =>
        run('ssh', [...sshBase, '-o', `ControlPath=${cp}`, target, 'bpftool', '-j', 'prog', 'show']),
      );
      await run('ssh', [...sshBase, '-o', `ControlPath=${cp}`, '-O', 'exit', target]).catch(() => undefined);
      const w = median(worker);
      const m = median(master);
      const floor = bpftoolMs + rtt;
      report({
        bench: 'list-programs-warm',
        medianMs: w,
        baselineMs: m,
        ratio: w / m,
        goal: '≤ 0.1 × ssh ControlMaster',
        pass: w / m <= 0.1,
        node: NODE,
        programs,
        floorMs: Number(floor.toFixed(2)),
        bpftoolMs: Number(bpftoolMs.toFixed(2)),
        roundTripMs: Number(rtt.toFixed(2)),
        freshExecMs: Number(median(fresh).toFixed(2)),
        vsFloor: Number((w / floor).toFixed(2)),
      });
      // cold: a new connection each time
      const cold = await timeRuns(10, async () => {
        const x = await openNode(NODE);
        await x.run(progShow());
        x.close();
      });
      const plain = await timeRuns(10, () => run('ssh', [...sshBase, target, 'bpftool', '-j', 'prog', 'show']));
      report({
        bench: 'list-programs-cold',
        medianMs: median(cold),
        baselineMs: median(plain),
        ratio: median(cold) / median(plain),
        goal: '≤ 1.0 × plain ssh',
        pass: median(cold) / median(plain) <= 1.0,
        node: NODE,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
