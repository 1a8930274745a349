import * as assert from 'node:assert/strict';
import { CancellationSource } from '../../src/core/base/cancel';
import type { RemoteCommand } from '../../src/core/remote/command';
import { CancelledError, SshError, ToolError } from '../../src/core/base/errors';
import { nextEvent } from '../../src/core/base/event';
import { NodeSession } from '../../src/ssh/session';
import { context, labNode, labSh, onNode, openNode, sleep, waitFor } from './labEnv';

const sh = (script: string, timeoutMs?: number): RemoteCommand<string> => ({
  title: 'sh',
  argv: ['sh', '-c', script],
  root: false,
  ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  interpret: (out) => out.stdout,
});

/** pids on the node whose command line matches; "[s]leep" so that pgrep's own caller never matches */
function pgrep(node: string, pattern: string): string {
  try {
    return onNode(node, ['pgrep', '-f', `[${pattern.charAt(0)}]${pattern.slice(1)}`]).trim();
  } catch {
    return '';
  }
}

describe('ssh transport on real nodes', () => {
  it('probes each node once on connect: kernel, BTF, tool versions, uid, sudo, boot id', async () => {
    const a = await openNode('edge1');
    const t = await openNode('trixie1', { user: 'edgeuser' });
    const f = await openNode('forky1', { user: 'edgeuser' });
    try {
      assert.equal(a.info.uid, 0);
      assert.ok(a.info.btf);
      assert.equal(a.info.bpftool?.version, '7.1.0');
      assert.equal(t.info.bpftool?.version, '7.5.0');
      assert.equal(t.info.bpftrace?.version, '0.23.2');
      assert.match(t.info.os, /trixie/);
      assert.equal(f.info.bpftool?.version, '7.8.0');
      assert.equal(f.info.bpftrace?.version, '0.27.0');
      assert.match(f.info.os, /forky/);
      assert.equal(f.info.bootId, a.info.bootId);
      assert.ok(f.info.uid > 0 && f.info.sudo.bpftool && f.info.sudo.bpftrace);
      assert.equal(a.info.kernel, t.info.kernel);
      assert.equal(a.info.bootId, t.info.bootId, 'lab nodes share one kernel');
      assert.ok(t.info.uid > 0 && t.info.sudo.bpftool);
    } finally {
      a.close();
      t.close();
      f.close();
    }
  });

  it('short commands share one worker channel (no new session per command)', async () => {
    const c = await openNode('edge2');
    try {
      const pids = new Set<string>();
      // the command runs under node-side `timeout`, whose parent is the worker shell
      for (let i = 0; i < 20; i++) pids.add((await c.run(sh("awk '{print $4}' /proc/$PPID/stat"))).trim());
      assert.equal(pids.size, 1, 'every command ran under the same worker shell');
    } finally {
      c.close();
    }
  });

  it('channels are queued under MaxSessions (10): 15 streams at once all run, in two waves', async () => {
    const c = await openNode('edge2');
    try {
      const t0 = Date.now();
      const runs = Array.from({ length: 15 }, async () => {
        const ch = await c.connection.exec('sleep 0.6; echo done');
        return new Promise<string>((resolve) => {
          let out = '';
          ch.on('data', (d: Buffer) => (out += d.toString()));
          ch.on('close', () => resolve(out));
        });
      });
      const outs = await Promise.all(runs);
      assert.deepEqual(
        outs,
        Array.from({ length: 15 }, () => 'done\n'),
      );
      assert.ok(Date.now() - t0 >= 1100, 'the last five waited for a free session');
    } finally {
      c.close();
    }
  });

  it('a command over its time budget fails with a timeout, is ended on the node too, and the connection goes on', async () => {
    const c = await openNode('edge2');
    try {
      const t0 = Date.now();
      // a script (its sleep is a child of its sh, as commands of a real script are)
      await assert.rejects(c.run(sh('sleep 31.5; true', 1000)), (e) => ToolError.is(e, 'timeout'));
      assert.ok(Date.now() - t0 < 3000);
      await waitFor(() => pgrep('edge2', 'sleep 31.5') === '', 6000, 'the node to end sleep 31.5');
      assert.equal((await c.run(sh('echo alive'))).trim(), 'alive');
    } finally {
      c.close();
    }
  });

  it('a link cut mid-command: the node ends the command itself within its budget (no client to clean up)', async function () {
    this.timeout(60_000);
    const c = await openNode('edge2');
    try {
      const p = c.run(sh('sleep 33.5; true', 4000));
      await waitFor(() => pgrep('edge2', 'sleep 33.5') !== '', 5000, 'the command to start');
      labSh('cut', 'edge2');
      const t0 = Date.now();
      await assert.rejects(p);
      // the node: its own bound (the worker's watchdog: 4 s + 1 s, whole seconds, then SIGKILL 2 s later)
      await waitFor(() => pgrep('edge2', 'sleep 33.5') === '', 25_000, 'the node to end sleep 33.5');
      const ms = Date.now() - t0;
      assert.ok(ms < 7000, `the node ended it ${ms} ms after the cut (its bound: 5 s from the start)`);
    } finally {
      labSh('uncut', 'edge2');
      c.close();
    }
  });

  it('the node-side bound costs no process per command: one idle watchdog per connection, gone with it', async () => {
    const watchdogs = (): string[] => pgrep('edge3', 'ebpf-lens-watchdog').split('\n').filter(Boolean);
    const before = watchdogs();
    const c = await openNode('edge3');
    let mine: string | undefined;
    try {
      await c.run(sh('echo warm'));
      const added = watchdogs().filter((p) => !before.includes(p));
      assert.equal(added.length, 1, 'one watchdog for this connection');
      mine = added[0];
      assert.match(
        onNode('edge3', ['cat', `/proc/${mine}/cmdline`])
          .split('\0')
          .join(' ')
          .trim(),
        /^bash --norc --noprofile -c eval "\$__el_wd" ebpf-lens-watchdog \d+$/,
      );
      // the command runs directly under the worker shell (no `timeout` in between)
      const parent = await c.run(sh('ps -o comm= -p "$PPID"'));
      assert.equal(parent.trim(), 'sh', 'the command is a child of the worker shell itself');
      // idle: it sleeps in read(2) and uses no CPU
      const cpu = (): number => {
        const f =
          onNode('edge3', ['cat', `/proc/${mine}/stat`])
            .split(') ')[1]
            ?.split(' ') ?? [];
        return Number(f[11]) + Number(f[12]);
      };
      const t0 = cpu();
      for (let i = 0; i < 20; i++) await c.run(sh('true'));
      await sleep(1500);
      assert.ok(cpu() - t0 <= 2, 'at most a couple of clock ticks for 20 commands and 1.5 s idle');
    } finally {
      c.close();
    }
    await waitFor(() => !watchdogs().includes(mine ?? ''), 5000, 'the watchdog to end with its connection');
  });

  it('cancel stops a running command on the node', async () => {
    const c = await openNode('edge2');
    try {
      const cs = new CancellationSource();
      const p = c.run(sh('sleep 32.5; true', 60_000), cs.token);
      await waitFor(() => pgrep('edge2', 'sleep 32.5') !== '', 5000, 'the command to start');
      cs.cancel();
      await assert.rejects(p, CancelledError);
      await waitFor(() => pgrep('edge2', 'sleep 32.5') === '', 5000, 'the cancelled command to end on the node');
      assert.equal((await c.run(sh('echo again'))).trim(), 'again');
    } finally {
      c.close();
    }
  });

  it('keepalive notices a cut link on a node without ClientAliveInterval', async () => {
    assert.equal(labNode('edge1').clientAlive, false);
    const c = await openNode('edge1', {}, context({ keepaliveIntervalMs: 500 }));
    const closed = nextEvent(c.connection.onDidClose);
    labSh('cut', 'edge1');
    try {
      const t0 = Date.now();
      const reason = await closed;
      assert.ok(Date.now() - t0 < 5000, 'within a few keepalive intervals');
      assert.ok(SshError.is(reason));
    } finally {
      labSh('uncut', 'edge1');
      c.close();
    }
  });

  it('reconnects with backoff when a node goes away and comes back (sshd and sessions killed, restarted)', async () => {
    const states: string[] = [];
    const session = new NodeSession('edge4', () => openNode('edge4'), { initialMs: 200, maxMs: 1000, jitter: 0 });
    session.onDidChangeState(({ state }) => states.push(state));
    try {
      await session.connect();
      assert.equal((await session.run(sh('echo one'))).trim(), 'one');
      labSh('kill', 'edge4');
      await waitFor(() => session.state === 'waiting', 10_000, 'the session to notice');
      await sleep(1500); // a few failed attempts while the node is down
      labSh('start', 'edge4');
      await waitFor(() => session.state === 'connected', 15_000, 'the session to reconnect');
      assert.equal((await session.run(sh('echo two'))).trim(), 'two');
      assert.ok(states.filter((s) => s === 'waiting').length >= 2, `retried with backoff: ${states.join(' ')}`);
    } finally {
      session.disconnect();
    }
  });

  it('an authentication failure is not retried (it needs a person)', async () => {
    const session = new NodeSession('edge4', () => openNode('edge4', { identityFile: '/nonexistent' }), {
      initialMs: 50,
      maxMs: 100,
      jitter: 0,
    });
    await assert.rejects(session.connect(), (e) => SshError.is(e, 'authFailed'));
    assert.equal(session.state, 'failed');
    session.disconnect();
  });
});
