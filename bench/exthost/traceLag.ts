import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../src/extension/extension';
import type { RunResult } from '../../src/extension/tracing/tracingController';

/**
 * Runs inside the real extension host (bench/traceLag.ts starts it): the extension host's
 * event-loop delay while a trace streams a high event rate into the results view, against the
 * same host idle (the baseline, measured in the same run). Prints one line "TRACE-LAG {json}".
 */
const LAB_SH = process.env['EBPF_LENS_LAB_SH'] ?? '';
const NODES = (process.env['BENCH_NODES'] ?? 'edge1').split(',');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const RATE = Number(process.env['BENCH_RATE'] ?? 60_000);
const LAB_BIN = process.env['EBPF_LENS_LAB_BIN'] ?? '/run/ebpf-lens-lab/bin';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function lagFor(ms: number): Promise<{ p50: number; p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(ms);
  h.disable();
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

export async function run(): Promise<void> {
  const api = await vscode.extensions.getExtension<EbpfLensApi>('ebpf-lens.ebpf-lens')?.activate();
  if (!api) throw new Error('eBPF Lens did not activate');
  for (const n of NODES) await vscode.commands.executeCommand('ebpfLens.connect', n);
  await sleep(2000);
  const idle = await lagFor(Math.min(10_000, SECONDS * 1000));
  // the generator (test/lab/src/writegen.c): RATE write(2)s a second on the first node (the
  // nodes share the kernel, so every node's trace sees them)
  const script = 'tracepoint:syscalls:sys_enter_write /comm == "writegen"/ { printf("w %d\\n", cpu); }';
  const r = await vscode.commands.executeCommand<RunResult>('ebpfLens.runTrace', { nodes: NODES, script, durationSec: SECONDS + 60 });
  const ids = Object.values(r.ids);
  if (ids.length !== NODES.length) throw new Error(`not every node started: ${JSON.stringify(r.errors)}`);
  const start = Date.now();
  while (ids.some((id) => !api.tracing.get(id)?.results.attachedProbes)) {
    if (Date.now() - start > 30_000) throw new Error('the trace did not attach');
    await sleep(100);
  }
  await sleep(500);
  const eventsAt = (): number => ids.reduce((a, id) => a + (api.tracing.get(id)?.results.events ?? 0), 0);
  const e0 = eventsAt();
  let writes = 0;
  const gen = new Promise<void>((resolve, reject) => {
    const p = spawn('bash', [LAB_SH, 'nodeexec', NODES[0] ?? 'edge1', `${LAB_BIN}/writegen`, String(RATE), String(SECONDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', () => {
      writes = Number(out.trim()) || 0;
      resolve();
    });
  });
  const t0 = Date.now();
  // BENCH_PROFILE=FILE: a CPU profile of the extension host under load (for finding what costs)
  const profile = process.env['BENCH_PROFILE'];
  const session = profile ? new inspector.Session() : undefined;
  if (session) {
    session.connect();
    await new Promise<void>((res) => session.post('Profiler.enable', () => session.post('Profiler.start', () => res())));
  }
  const load = await lagFor(SECONDS * 1000);
  if (session && profile) {
    await new Promise<void>((res) =>
      session.post('Profiler.stop', (_e, r) => {
        fs.writeFileSync(profile, JSON.stringify(r.profile));
        res();
      }),
    );
    session.disconnect();
  }
  await gen;
  const secs = (Date.now() - t0) / 1000;
  // what is still on its way (the node's pump forwards at most every 20 ms)
  let e1 = eventsAt();
  for (let i = 0; i < 20 && e1 - e0 < writes * NODES.length; i++) {
    await sleep(100);
    e1 = eventsAt();
  }
  const view = await api.tracing.viewSummary(r.session);
  await vscode.commands.executeCommand('ebpfLens.stopTrace', r.session);
  const results = ids.map((id) => api.tracing.get(id)?.results);
  console.log(
    `TRACE-LAG ${JSON.stringify({
      nodes: NODES,
      rate: RATE,
      seconds: secs,
      writes,
      events: e1 - e0,
      eventsPerSec: Math.round((e1 - e0) / SECONDS),
      lostByBpftrace: results.reduce((a, x) => a + (x?.lostByBpftrace ?? 0), 0),
      droppedByEbpfLens: results.reduce((a, x) => a + (x?.droppedByRate ?? 0), 0),
      viewLines: view?.lines ?? 0,
      idle,
      load,
    })}`,
  );
}
