import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GuardEvent } from '../../src/core/trace/guard';
import { buildSnippet } from '../../src/core/trace/library';
import type { NodeClient } from '../../src/ssh/nodeClient';
import { TraceRun } from '../../src/ssh/trace';
import { cli, labNode, labSh, nodeConfig, nothingLeft, openNode, progIds, sleep, tempDir, tempXdg, waitFor, writeConfig } from './labEnv';

/**
 * #19, defects 3–5 on real nodes: the guard starts no process while a trace runs; a trace the node
 * stopped (a client frozen past the heartbeat timeout) is said plainly; a cut link is noticed
 * within the heartbeat timeout, not through the connection's keepalives.
 */

const SLEEPER = 'tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }';
/** the product's defaults (TraceRun): the node stops a trace after 10 s without a heartbeat */
const HB_TIMEOUT_S = 10;

function scriptFile(text: string): string {
  const f = path.join(tempDir('ebpf-lens-bt-'), 'script.bt');
  fs.writeFileSync(f, text);
  return f;
}

/** the children of a process, from the machine's /proc (the lab's nodes share its process table) */
function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
function tree(pid: number): number[] {
  return [pid, ...children(pid).flatMap(tree)];
}

/**
 * Forks on the whole machine for `ms`, by parent pid: bpftrace on the machine itself (every lab
 * node shares its kernel). bpftrace says "attached_probes" before its probes are attached, so the
 * window starts at an event instead: this test starts a process every 100 ms until the counter
 * prints that it saw one (which also proves it counts), and the window runs from that line.
 */
async function forksByParent(ms: number): Promise<Map<number, number>> {
  const me = process.pid;
  const script = [
    `tracepoint:sched:sched_process_fork /@go == 0 && args->parent_pid == ${me}/ { @go = 1; @start = nsecs; printf("counting\\n"); }`,
    'tracepoint:sched:sched_process_fork /@go == 1/ { @forks[args->parent_pid] = count(); }',
    `interval:ms:100 /@go == 1 && nsecs - @start > ${ms}000000/ { exit(); }`,
  ].join('\n');
  const child = spawn('bpftrace', ['-f', 'json', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let poke: NodeJS.Timeout | undefined;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (/attached_probes/.test(out) && !poke && !/counting/.test(out))
      poke = setInterval(() => /counting/.test(out) || execFileSync('true'), 100);
    if (/counting/.test(out) && poke) clearInterval(poke);
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (poke) clearInterval(poke);
  assert.equal(code, 0, `the fork counter: ${err}`);
  assert.match(out, /counting/, 'the counter saw this test start a process');
  const rec = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, Record<string, number>> })
    .find((r) => r.type === 'map' && '@forks' in r.data);
  const counts = new Map<number, number>();
  for (const [k, v] of Object.entries(rec?.data['@forks'] ?? {})) counts.set(Number(k), v);
  return counts;
}

describe('the guard on real nodes (#19)', () => {
  let c: NodeClient | undefined;
  afterEach(() => c?.close());

  for (const [node, user, variant] of [
    ['edge1', 'root', 'bash pump=perl'],
    ['edge1', 'edgeuser', 'bash pump=perl'],
    ['trixie1', 'root', 'bash pump=perl'],
    // the root-owned guard installed on trixie1 (SECURITY.md), run with sudo
    ['trixie1', 'edgeuser', 'bash pump=perl'],
    ['forky1', 'root', 'bash pump=perl'],
    ['forky1', 'edgeuser', 'bash pump=perl'],
  ] as const) {
    it(`${node} as ${user}: while a 10 s trace runs, the guard starts no process (forks counted on the machine)`, async function () {
      this.timeout(60_000);
      const before = progIds(node);
      c = await openNode(node, { user });
      const said: GuardEvent[] = [];
      const t = await TraceRun.start(c, { script: SLEEPER });
      t.onDidGuard((g) => said.push(g));
      await t.attached;
      await waitFor(() => t.guardPid, 5000, 'the guard to say its pid');
      const started = said.find((g) => g.kind === 'started');
      assert.equal(`${started?.fields['variant']} pump=${started?.fields['pump']}`, variant, JSON.stringify(started));
      // the count starts a second after the start line; the test's own fork shows the counter counts
      await sleep(1000);
      const guard = t.guardPid ?? 0;
      const counts = await forksByParent(10_000);
      const members = tree(guard);
      assert.ok(members.length >= 3, `the guard's tree: ${members.join(' ')}`);
      const byGuard = members.map((p) => [p, counts.get(p) ?? 0] as const).filter(([, n]) => n > 0);
      assert.deepEqual(byGuard, [], `processes started by the guard's tree (pid, forks) in 10 s; tree ${members.join(' ')}`);
      assert.equal(t.state, 'running');
      t.stop();
      const o = await t.finished;
      assert.equal(o.error, undefined, JSON.stringify(o.error));
      await nothingLeft(node, t.bpftracePid, before, 5000);
    });
  }

  it('the "new processes" one-liner lists none of the guard’s processes (edge1)', async function () {
    this.timeout(60_000);
    c = await openNode('edge1');
    const t = await TraceRun.start(c, { script: buildSnippet('execsnoop', {}) });
    await t.attached;
    await sleep(5000);
    t.stop();
    const o = await t.finished;
    const guard = t.guardPid ?? -1;
    const lines = o.results.lines.map((l) => l.text);
    // "PID PPID COMM FILE": nothing run by the guard, nothing named as it
    const ours = lines.filter((l) => /ebpf-lens-guard/.test(l) || l.trim().split(/\s+/)[1] === String(guard));
    assert.deepEqual(ours, [], `of ${lines.length} lines`);
  });

  describe('a client frozen past the heartbeat timeout (SIGSTOP, then SIGCONT)', () => {
    it(`the CLI says the node stopped the trace, exits 3, and still prints the maps (edge1: no ClientAliveInterval)`, async function () {
      this.timeout(90_000);
      assert.equal(labNode('edge1').clientAlive, false);
      const before = progIds('edge1');
      let pid = 0;
      const run = cli(
        ['trace', '--config', writeConfig([nodeConfig('edge1')]), '--node', 'edge1', '--duration', '40', scriptFile(SLEEPER)],
        { XDG_CONFIG_HOME: tempXdg() },
        (p) => (pid = p),
      );
      await waitFor(() => [...progIds('edge1')].some((id) => !before.has(id)), 20_000, 'the trace to attach');
      await sleep(1000);
      process.kill(pid, 'SIGSTOP');
      try {
        // the node's guard stops the trace after 10 s without a heartbeat; give it that and the stop's grace
        await sleep((HB_TIMEOUT_S + 6) * 1000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const r = await run;
      assert.equal(r.code, 3, r.stderr);
      const m = /ebpf-lens: the node stopped the trace: it heard nothing from this client for (\d+) s \(its limit is 10 s\)/.exec(r.stderr);
      assert.ok(m, r.stderr);
      assert.ok(Number(m[1]) > HB_TIMEOUT_S && Number(m[1]) <= HB_TIMEOUT_S + 3, `silent ${m[1]} s`);
      assert.match(r.stdout, /@n: \d+/, 'the maps bpftrace printed when the node stopped it');
      await nothingLeft('edge1', undefined, before, 5000);
    });
  });

  describe('a cut link is noticed within the heartbeat timeout (not the keepalives’ ~37 s)', () => {
    it('TraceRun (the editor’s runner): ssh.linkLost within 10 + 6 s of the cut, and the node ends the trace', async function () {
      this.timeout(90_000);
      const before = progIds('edge1');
      c = await openNode('edge1');
      const t = await TraceRun.start(c, { script: SLEEPER });
      await t.attached;
      const pid = t.bpftracePid;
      await sleep(1000);
      labSh('cut', 'edge1');
      const cut = Date.now();
      try {
        const o = await Promise.race([t.finished, sleep((HB_TIMEOUT_S + 6) * 1000).then(() => undefined)]);
        const ms = Date.now() - cut;
        assert.ok(o, `the trace did not end within ${HB_TIMEOUT_S + 6} s of the cut (state ${t.state})`);
        assert.equal(o.error?.kind, 'ssh.linkLost', JSON.stringify(o.error));
        assert.match(
          o.error?.message ?? '',
          /^the connection to edge1 was lost \(nothing came from it for \d+ s\); the node stops the trace by itself within 10 s$/,
        );
        assert.ok(ms >= HB_TIMEOUT_S * 1000 - 2000, `noticed after ${ms} ms: not before the node’s own timeout (less a beat)`);
        await nothingLeft('edge1', pid, before);
      } finally {
        labSh('uncut', 'edge1');
      }
    });

    it('the CLI: exit 3 and "the connection to edge1 was lost" within 10 + 6 s of the cut', async function () {
      this.timeout(90_000);
      const before = progIds('edge1');
      const run = cli(
        ['trace', '--config', writeConfig([nodeConfig('edge1')]), '--node', 'edge1', '--duration', '60', scriptFile(SLEEPER)],
        { XDG_CONFIG_HOME: tempXdg() },
      );
      await waitFor(() => [...progIds('edge1')].some((id) => !before.has(id)), 20_000, 'the trace to attach');
      await sleep(1000);
      labSh('cut', 'edge1');
      const cut = Date.now();
      try {
        const r = await Promise.race([run, sleep((HB_TIMEOUT_S + 6) * 1000).then(() => undefined)]);
        assert.ok(r, `the CLI did not end within ${HB_TIMEOUT_S + 6} s of the cut`);
        assert.equal(r.code, 3, r.stderr);
        assert.match(
          r.stderr,
          /ebpf-lens: the connection to edge1 was lost \(nothing came from it for \d+ s\); the node stops the trace by itself within 10 s/,
        );
        assert.ok(Date.now() - cut >= HB_TIMEOUT_S * 1000 - 2000);
        await nothingLeft('edge1', undefined, before);
      } finally {
        labSh('uncut', 'edge1');
        await run;
      }
    });
  });
});
