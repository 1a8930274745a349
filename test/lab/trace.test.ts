import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationSource } from '../../src/core/base/cancel';
import { ToolError } from '../../src/core/base/errors';
import { JANITOR_SEC, writeScript } from '../../src/core/trace/guard';
import type { NodeClient } from '../../src/ssh/nodeClient';
import type { TraceOutcome } from '../../src/ssh/trace';
import { TraceRun } from '../../src/ssh/trace';
import { RECORDS_PROBE, RECORDS_SAID, saidMessage } from '../support/runtimeRecords';
import {
  alive,
  cli,
  FLAVOUR_NODES,
  labNode,
  labSh,
  nodeConfig,
  nothingLeft,
  onNode,
  openNode,
  progIds,
  sleep,
  tempDir,
  tempFiles,
  tempXdg,
  waitFor,
  writeConfig,
} from './labEnv';

const SLEEPER = 'tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }';

describe('trace runner: guarded bpftrace on real nodes', () => {
  describe('a deterministic script gives the same final map as bpftrace run on the node itself', () => {
    const N = 1234;
    const script = [
      'tracepoint:syscalls:sys_enter_write /comm == "ebpflens-wr"/ { @writes = count(); @bytes = sum(args->count); @by[comm] = count(); }',
      'interval:s:3 { exit(); }',
    ].join('\n');
    const writer = (node: string): void => {
      onNode(node, [
        'sh',
        '-c',
        `ln -sf "$(command -v dd)" /tmp/ebpflens-wr && /tmp/ebpflens-wr if=/dev/zero of=/dev/null bs=1 count=${N} status=none; rm -f /tmp/ebpflens-wr`,
      ]);
    };
    for (const [node, user] of [
      ['edge1', 'root'],
      ['edge1', 'edgeuser'],
      ['trixie1', 'root'],
      ['forky1', 'root'],
    ] as const) {
      it(`${node} as ${user}`, async () => {
        const c = await openNode(node, { user });
        try {
          const t = await TraceRun.start(c, { script });
          await t.attached;
          writer(node);
          const o = await t.finished;
          assert.equal(o.state, 'done', JSON.stringify(o.error));
          assert.equal(o.reason, 'exited');
          assert.ok(o.verified);
          const maps = Object.fromEntries(o.results.maps.map((m) => [m.name, m.entries.map((e) => [e.key, e.value])]));
          assert.deepEqual(maps['@writes'], [[null, N]]);
          assert.deepEqual(maps['@bytes'], [[null, N]]);
          assert.deepEqual(maps['@by'], [['ebpflens-wr', N]]);
          // the same script, run by hand on the node
          const file = `/tmp/direct-${Date.now()}.bt`;
          onNode(node, ['sh', '-c', `cat > ${file} <<'EOF'\n${script}\nEOF`]);
          const direct = spawn('bash', [
            path.join(__dirname, '..', '..', '..', 'test', 'lab', 'lab.sh'),
            'nodeexec',
            node,
            ...(labNode(node).root ? ['chroot', labNode(node).root] : []),
            'bpftrace',
            '-f',
            'json',
            file,
          ]);
          let out = '';
          direct.stdout.on('data', (d: Buffer) => (out += d.toString()));
          await waitFor(() => out.includes('attached_probes'), 15_000, 'direct bpftrace to attach');
          writer(node);
          await new Promise((r) => direct.once('exit', r));
          onNode(node, ['rm', '-f', file]);
          const directMaps = Object.fromEntries(
            out
              .split('\n')
              .filter((l) => l.includes('"type": "map"'))
              .flatMap((l) => Object.entries((JSON.parse(l) as { data: Record<string, unknown> }).data)),
          );
          assert.deepEqual(directMaps, { '@writes': N, '@bytes': N, '@by': { 'ebpflens-wr': N } });
        } finally {
          c.close();
        }
      });
    }
  });

  describe('nothing is left on the node, however the trace ends', () => {
    let c: NodeClient | undefined;
    afterEach(() => c?.close());

    for (const [node, user] of [
      ['edge1', 'root'],
      ['edge1', 'edgeuser'],
      ['trixie1', 'root'],
      ['forky1', 'root'],
    ] as const) {
      it(`stop (${node}, ${user}): END runs, maps print, then no bpftrace, no program, no file`, async () => {
        const before = progIds(node);
        c = await openNode(node, { user });
        // a timer of its own: a node where nothing calls nanosleep (forky1) would have no map to print
        const t = await TraceRun.start(c, { script: `${SLEEPER}\ninterval:ms:100 { @ticks = count(); }\nEND { printf("end ran\\n"); }` });
        await t.attached;
        assert.ok(alive(node, t.bpftracePid), 'running while it runs');
        assert.ok(
          [...progIds(node)].some((id) => !before.has(id)),
          'its programs are loaded',
        );
        await sleep(500);
        t.stop();
        const o = await t.finished;
        assert.equal(o.state, 'done');
        assert.equal(o.reason, 'stop');
        assert.ok(o.verified);
        assert.ok(
          o.results.lines.some((l) => l.text === 'end ran\n'),
          'END probe ran (SIGINT, not KILL)',
        );
        assert.ok(
          o.results.maps.some((m) => m.name === '@ticks'),
          'maps printed at the end',
        );
        await nothingLeft(node, t.bpftracePid, before, 3000);
      });
    }

    // bpftrace 0.17/0.18 miss a signal that comes while they are not waiting for output (here a
    // system() call; on a loaded node, any busy moment): before the guard sent TERM again itself,
    // such a stop ran until the time limit (a fresh-check on 57fefc7: edge1, a sudo user)
    for (const [node, user] of [
      ['edge1', 'root'],
      ['edge1', 'edgeuser'],
      ['trixie1', 'edgeuser'],
      ['forky1', 'root'],
    ] as const) {
      it(`a stop that comes while bpftrace runs a system() call (${node}, ${user}; 0.17 misses its SIGINT and the TERM): it ends, END runs, maps print, nothing left`, async () => {
        const before = progIds(node);
        c = await openNode(node, { user });
        // grace 2 s: the SIGINT (at once) and the TERM (2 s later) come during the 3 s call; the
        // guard's own TERM (4.2 s) is heard; KILL (root) or cannot-kill (sudo) would come at 5 s
        const t = await TraceRun.start(c, {
          // (a map from BEGIN: the stop may come before the timer's first tick)
          script:
            'BEGIN { @begun = count(); printf("begun\\n"); system("sleep 3"); }\ninterval:ms:100 { @ticks = count(); }\nEND { printf("end ran\\n"); }',
          graceSec: 2,
          bpftraceArgs: ['--unsafe'],
        });
        await t.attached;
        await waitFor(
          () => t.results.linesSince(0).lines.some((l) => l.text === 'begun\n'),
          5000,
          'BEGIN’s line (printed as it starts its system() call)',
        );
        t.stop();
        const o = await t.finished;
        assert.equal(o.state, 'done', `${JSON.stringify(o.error)} ${o.stderrTail}`);
        assert.equal(o.reason, 'stop');
        assert.equal(o.leftover, undefined, o.leftover?.message);
        assert.ok(o.verified);
        assert.ok(
          o.results.lines.some((l) => l.text === 'end ran\n'),
          `END ran (not killed): ${JSON.stringify(o.results.lines.map((l) => l.text))} ${o.stderrTail}`,
        );
        assert.ok(
          o.results.maps.some((m) => m.name === '@begun'),
          'maps printed at the end',
        );
        await nothingLeft(node, t.bpftracePid, before, 3000);
      });
    }

    for (const user of ['root', 'edgeuser']) {
      it(`cancel (edge1, ${user})`, async () => {
        const before = progIds('edge1');
        c = await openNode('edge1', { user });
        const cs = new CancellationSource();
        const t = await TraceRun.start(c, { script: SLEEPER, token: cs.token });
        await t.attached;
        cs.cancel();
        const o = await t.finished;
        assert.equal(o.reason, 'cancel');
        await nothingLeft('edge1', t.bpftracePid, before, 5000);
      });
    }

    for (const [node, user] of [
      ['edge1', 'root'],
      ['edge1', 'edgeuser'],
      ['trixie1', 'root'],
      ['forky1', 'root'],
    ] as const) {
      it(`the client process is killed with SIGKILL (${node}, ${user})`, async () => {
        const before = progIds(node);
        const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'traceHolder.js'), node, user], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        await waitFor(() => /attached \d+/.test(out) || child.exitCode !== null, 20_000, 'the holder to attach');
        const pid = Number(/attached (\d+)/.exec(out)?.[1]);
        assert.ok(alive(node, pid), out);
        child.kill('SIGKILL');
        await nothingLeft(node, pid, before);
      });
    }

    for (const user of ['root', 'edgeuser']) {
      it(`the node’s link is cut (edge1 has no ClientAliveInterval; ${user}): the heartbeat timeout stops it`, async () => {
        assert.equal(labNode('edge1').clientAlive, false);
        const before = progIds('edge1');
        c = await openNode('edge1', { user });
        const t = await TraceRun.start(c, { script: SLEEPER }); // the default: 10 s without heartbeat
        const said: string[] = [];
        t.onDidGuard((g) => said.push(`${Date.now() - t.startedAt} ms ${g.kind} ${JSON.stringify(g.fields)}`));
        await t.attached;
        const pid = t.bpftracePid;
        assert.ok(
          pid && alive('edge1', pid),
          `the guard named bpftrace's pid (${pid}); attached at ${t.results.attachedAt} ms; guard: ${said.join(' | ')}`,
        );
        labSh('cut', 'edge1');
        try {
          await nothingLeft('edge1', pid, before);
        } finally {
          labSh('uncut', 'edge1');
        }
      });
    }

    for (const user of ['root', 'edgeuser']) {
      it(`the connection closes in the middle of the start (${user}): no bpftrace, and the script file goes too`, async () => {
        const before = progIds('edge2');
        c = await openNode('edge2', { user });
        const client = c;
        const startP = TraceRun.start(client, { script: SLEEPER });
        // close as soon as the guard says it started (before bpftrace has attached)
        const t = await startP;
        // the first guard line or record closes it, at once (inside the event)
        const guard = t.onDidGuard(() => {
          guard.dispose();
          client.connection.close();
        });
        const record = t.onDidRecord(() => {
          record.dispose();
          client.connection.close();
        });
        const o = await t.finished;
        assert.notEqual(o.state, 'running');
        await nothingLeft('edge2', t.bpftracePid, before);
      });
    }

    it('the connection closes after the script was written and before the guard started: the janitor removes it', async () => {
      c = await openNode('edge2');
      const p = await c.run(writeScript(SLEEPER));
      assert.ok(tempFiles('edge2').includes(path.basename(p)));
      c.connection.close();
      await waitFor(() => tempFiles('edge2').length === 0, (JANITOR_SEC + 3) * 1000, 'the janitor');
    });
  });

  describe('a bpftrace that will not stop (END blocks in system())', () => {
    const STUBBORN = `${SLEEPER}\nEND { system("sleep 7"); }`;
    it('a sudo user cannot SIGKILL a root bpftrace: said loudly, with its pid', async () => {
      const c = await openNode('edge1', { user: 'edgeuser' });
      try {
        assert.equal(c.info.rootGuard, undefined);
        const t = await TraceRun.start(c, { script: STUBBORN, graceSec: 1, bpftraceArgs: ['--unsafe'] });
        await t.attached;
        // the guard says so as soon as SIGINT and SIGTERM have failed, while bpftrace still runs
        let aliveWhenSaid: boolean | undefined;
        t.onDidGuard((g) => {
          if (g.kind === 'cannot-kill') aliveWhenSaid = alive('edge1', t.bpftracePid);
        });
        const t0 = Date.now();
        t.stop();
        await waitFor(() => aliveWhenSaid !== undefined, 10_000, 'the guard to report it');
        assert.ok(Date.now() - t0 < 5000, 'reported within the grace periods');
        assert.equal(aliveWhenSaid, true, 'it was really still there');
        const o = await t.finished;
        assert.equal(o.error?.kind, 'tool.leftover');
        assert.match(o.leftover?.message ?? '', new RegExp(`could not stop bpftrace pid ${t.bpftracePid} on edge1 \\(needs root`));
        await waitFor(() => !alive('edge1', t.bpftracePid), 15_000, 'it to end by itself');
      } finally {
        c.close();
      }
    });
    it('its END outlasts the client’s stop budget (2 × grace + 10 s): still a leftover on a live link, not a lost link; its files go when it ends', async () => {
      // grace 1 s: the client closes the channel 12 s after its stop; this END runs for 20 s
      const END_SEC = 20;
      const c = await openNode('edge1', { user: 'edgeuser' });
      try {
        const t = await TraceRun.start(c, {
          script: `${SLEEPER}\nEND { system("sleep ${END_SEC}"); }`,
          graceSec: 1,
          bpftraceArgs: ['--unsafe'],
        });
        await t.attached;
        t.stop();
        const o = await t.finished;
        assert.equal(o.error?.kind, 'tool.leftover', JSON.stringify(o.error));
        assert.match(o.leftover?.message ?? '', new RegExp(`could not stop bpftrace pid ${t.bpftracePid} on edge1 \\(needs root`));
        assert.equal(alive('edge1', t.bpftracePid), true, 'the trace ended before bpftrace did');
        await waitFor(() => !alive('edge1', t.bpftracePid), END_SEC * 1000, 'it to end by itself');
        await waitFor(() => tempFiles('edge1').length === 0, (JANITOR_SEC + 3) * 1000, 'its files to go (the guard, else the janitor)');
      } finally {
        c.close();
      }
    });
    it('with the root-owned guard installed (trixie1), the same user’s trace is stopped (TERM, else KILL)', async () => {
      const before = progIds('trixie1');
      const c = await openNode('trixie1', { user: 'edgeuser' });
      try {
        assert.equal(c.info.rootGuard, '/usr/local/lib/ebpf-lens/guard');
        const t = await TraceRun.start(c, { script: STUBBORN, graceSec: 1, bpftraceArgs: ['--unsafe'] });
        await t.attached;
        const t0 = Date.now();
        t.stop();
        const o = await t.finished;
        assert.equal(o.leftover, undefined);
        assert.ok(o.verified);
        assert.ok(Date.now() - t0 < 6000, 'killed, not waited for');
        await nothingLeft('trixie1', t.bpftracePid, before, 3000);
      } finally {
        c.close();
      }
    });
  });

  describe('errors say what and where', () => {
    it('a syntax error reports bpftrace’s line (every flavour)', async () => {
      for (const node of FLAVOUR_NODES) {
        const c = await openNode(node);
        try {
          const t = await TraceRun.start(c, {
            script: 'BEGIN { printf("ok\\n"); }\n\ntracepoint:syscalls:sys_enter_write {\n  @a = count(;\n}\n',
          });
          const o = await t.finished;
          assert.equal(o.state, 'failed');
          assert.equal(o.error?.kind, 'tool.script');
          assert.equal(o.diagnostics.find((d) => d.severity === 'error')?.line, 4, JSON.stringify(o.diagnostics));
          // versions disagree on the column (0.17: the statement, 0.23: the token) and the words (0.27:
          // "syntax: expected expression"); the line is the same
          assert.match(o.error?.message ?? '', /^line 4:\d+: syntax( error|: expected expression)/);
        } finally {
          c.close();
        }
      }
    });

    it('a kprobe on this kernel: "probe type not available on this node" (every flavour)', async () => {
      for (const node of FLAVOUR_NODES) {
        const c = await openNode(node);
        try {
          const t = await TraceRun.start(c, { script: 'kprobe:do_nanosleep { @x = count(); }' });
          const o = await t.finished;
          assert.equal(o.error?.kind, 'tool.probeUnavailable', JSON.stringify(o));
          assert.match(o.error?.message ?? '', /probe type not available on this node: kprobe/);
        } finally {
          c.close();
        }
      }
    });

    it('forky1 (bpftrace 0.27): what it says about the node (its unreadable list of traceable functions) is a fact of the node, not a diagnostic of the script', async () => {
      const c = await openNode('forky1');
      try {
        for (let i = 0; i < 2; i++) {
          const t = await TraceRun.start(c, { script: 'interval:ms:100 { @n = count(); } interval:ms:500 { exit(); }' });
          const o = await t.finished;
          assert.equal(o.state, 'done', JSON.stringify(o.error));
          assert.deepEqual(o.diagnostics, [], 'no diagnostic on the script');
          assert.match(o.stderrTail, /Could not read functions from/, 'bpftrace said it (so the note is not made up)');
          assert.deepEqual(
            o.environment.map((n) => n.id),
            ['traceableFunctions'],
          );
        }
        assert.deepEqual(
          c.environment.map((n) => n.id),
          ['traceableFunctions'],
          'one note on the node after two runs',
        );
      } finally {
        c.close();
      }
    });

    it('forky1 (bpftrace 0.27): the records of 0.24+ (attached count, tseries, errorf, warnf, runtime_error at their line and column) are read', async () => {
      const script = [...RECORDS_PROBE, ''].join('\n');
      const at = (needle: string): { line: number; col: number } => {
        const line = script.split('\n').findIndex((l) => l.includes(needle));
        return { line: line + 1, col: (script.split('\n')[line] ?? '').indexOf(needle) + 1 };
      };
      const c = await openNode('forky1');
      try {
        const t = await TraceRun.start(c, { script });
        const o = await t.finished;
        assert.equal(o.state, 'done', `${JSON.stringify(o.error)} ${o.stderrTail}`);
        assert.equal(o.results.attachedProbes, 1, 'attached_probes: its top-level count');
        const located = o.results.diagnostics.filter((d) => d.line !== undefined).map((d) => ({ ...d, endCol: undefined }));
        assert.deepEqual(
          located.map((d) => [d.severity, saidMessage(d.message), d.line, d.col]),
          RECORDS_SAID.map((r) => [r.severity, r.message, at(r.at).line, at(r.at).col]),
          JSON.stringify(o.results.diagnostics),
        );
        const ts = o.results.maps.find((m) => m.name === '@t');
        assert.equal(ts?.kind, 'tseries', JSON.stringify(o.results.maps));
        assert.ok((ts?.entries.length ?? 0) >= 1, JSON.stringify(ts));
        assert.deepEqual(o.results.maps.find((m) => m.name === '@d')?.entries, [{ key: null, value: 1 }], 'the result 0.27 used (1)');
      } finally {
        c.close();
      }
    });

    it('a user without sudo rights: needs root or sudo, before anything is written', async () => {
      const c = await openNode('edge1', { user: 'edgenosudo' });
      try {
        await assert.rejects(TraceRun.start(c, { script: SLEEPER }), (e) => ToolError.is(e, 'needsRoot'));
        assert.deepEqual(tempFiles('edge1'), []);
      } finally {
        c.close();
      }
    });

    it('a time limit ends the trace by itself (SIGINT: maps print)', async () => {
      const c = await openNode('edge3');
      try {
        const t0 = Date.now();
        const t = await TraceRun.start(c, { script: SLEEPER, maxSec: 2 });
        const o: TraceOutcome = await t.finished;
        assert.equal(o.reason, 'time limit');
        assert.equal(o.state, 'done');
        assert.ok(Date.now() - t0 < 8000);
        assert.ok(o.results.maps.some((m) => m.name === '@n'));
      } finally {
        c.close();
      }
    });

    for (const how of ['time limit', 'stop'] as const)
      it(`attachedMs (${how}): the probes' time as the node's kernel clock has it (BEGIN to END), not the check after the end`, async () => {
        const c = await openNode('edge3');
        try {
          const t = await TraceRun.start(c, {
            script: 'BEGIN { @t0 = nsecs; }\ninterval:ms:100 { @n = count(); }\nEND { @w = nsecs - @t0; }\n',
            maxSec: how === 'time limit' ? 3 : 30,
          });
          if (how === 'stop') {
            await t.attached;
            await sleep(2000);
            t.stop();
          }
          const o: TraceOutcome = await t.finished;
          assert.equal(o.reason, how);
          const w = Number(o.results.maps.find((m) => m.name === '@w')?.entries[0]?.value) / 1e6;
          assert.ok(w > 1500, `kernel window ${w} ms`);
          // from the attach record to the guard's exit line: BEGIN → END, plus bpftrace's detach and
          // exit and the guard's own end (a few tenths of a second); the network delay cancels
          const seen = o.endedAt - o.startedAt - (o.results.attachedAt ?? 0);
          assert.ok(
            o.attachedMs !== undefined && o.attachedMs > w - 150 && o.attachedMs < w + 1000,
            `attachedMs ${o.attachedMs}, BEGIN → END on the node ${w.toFixed(0)} ms`,
          );
          assert.ok(seen >= o.attachedMs, `endedAt also counts the check after the end (${seen} ms)`);
          process.stdout.write(`        attachedMs ${o.attachedMs} ms, BEGIN → END ${w.toFixed(0)} ms, until endedAt ${seen} ms\n`);
        } finally {
          c.close();
        }
      });
  });

  it('a script printing as fast as it can for 30 s: memory stays bounded and drops are counted', async function () {
    this.timeout(90_000);
    const c = await openNode('edge3');
    const load = spawn(
      'bash',
      [
        path.join(__dirname, '..', '..', '..', 'test', 'lab', 'lab.sh'),
        'nodeexec',
        'edge3',
        'dd',
        'if=/dev/zero',
        'of=/dev/null',
        'bs=1',
        'count=50000000',
      ],
      { stdio: 'ignore' },
    );
    try {
      const limits = { maxEventsPerSec: 20_000, maxLines: 5000, maxBytes: 1 << 20 };
      const t = await TraceRun.start(c, {
        script: 'tracepoint:syscalls:sys_enter_write /comm == "dd"/ { printf("%d %s %d\\n", pid, comm, args->count); }',
        maxSec: 30,
        limits,
      });
      await t.attached;
      const heap0 = process.memoryUsage().heapUsed;
      let peakKept = 0;
      const timer = setInterval(() => (peakKept = Math.max(peakKept, t.results.keptBytes)), 500);
      const o = await t.finished;
      clearInterval(timer);
      const heap1 = process.memoryUsage().heapUsed;
      assert.equal(o.reason, 'time limit');
      assert.ok(o.results.events > 100_000, `it printed a lot: ${o.results.events}`);
      assert.ok(o.results.lines.length <= limits.maxLines);
      assert.ok(peakKept <= limits.maxBytes, `kept ${peakKept} bytes`);
      assert.ok(o.results.droppedByRate + o.results.droppedOldest > 0, 'drops are counted');
      assert.ok(heap1 - heap0 < 150 << 20, `heap grew ${(heap1 - heap0) >> 20} MB`);
      console.log(
        `      ${o.results.events} events in 30 s (${Math.round(o.results.events / 30)}/s), dropped by rate ${o.results.droppedByRate}, oldest ${o.results.droppedOldest}, lost by bpftrace ${o.results.lostByBpftrace}`,
      );
    } finally {
      load.kill();
      try {
        labSh('nodeexec', 'edge3', 'pkill', '-f', '[c]ount=50000000');
      } catch {
        /* already gone */
      }
      c.close();
    }
  });

  describe('ebpf-lens trace (the CLI)', () => {
    const file = (text: string): string => {
      const f = path.join(tempDir('ebpf-lens-bt-'), 'script.bt');
      fs.writeFileSync(f, text);
      return f;
    };
    it('streams printf output and prints the maps when the duration ends', async () => {
      const r = await cli(
        [
          'trace',
          '--config',
          writeConfig([nodeConfig('edge2')]),
          '--node',
          'edge2',
          '--duration',
          '2',
          file('BEGIN { printf("hello\\n"); }\n' + SLEEPER),
        ],
        { XDG_CONFIG_HOME: tempXdg() },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^hello\n/);
      assert.match(r.stdout, /@n: \d+/);
      assert.match(r.stderr, /Attached 2 probes on edge2/);
    });
    it('Ctrl-C stops it: END runs, maps print, exit 0, nothing left', async () => {
      const before = progIds('edge2');
      let pid = 0;
      const run = cli(
        ['trace', '--config', writeConfig([nodeConfig('edge2')]), '--node', 'edge2', file(`${SLEEPER}\nEND { printf("bye\\n"); }`)],
        { XDG_CONFIG_HOME: tempXdg() },
        (p) => (pid = p),
      );
      await waitFor(() => [...progIds('edge2')].some((id) => !before.has(id)), 15_000, 'the trace to attach');
      await sleep(500);
      process.kill(pid, 'SIGINT');
      const r = await run;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /bye\n/);
      assert.match(r.stdout, /@n: \d+/);
      await nothingLeft('edge2', undefined, before, 5000);
    });
    it('a script error: exit 4 and the line', async () => {
      const r = await cli(
        ['trace', '--config', writeConfig([nodeConfig('edge2')]), '--node', 'edge2', file('BEGIN {\n  @x = count(;\n}\n')],
        { XDG_CONFIG_HOME: tempXdg() },
      );
      assert.equal(r.code, 4);
      assert.match(r.stderr, /error line 2:\d+: syntax error/);
    });
  });
});
