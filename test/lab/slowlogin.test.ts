import * as assert from 'node:assert/strict';
import { janitorSec, loginBudgetMs, SLOW_LOGIN_MS } from '../../src/core/remote/bounds';
import { SshError } from '../../src/core/base/errors';
import { buildTree } from '../../src/core/nodes/tree';
import { Fleet } from '../../src/ssh/fleet';
import { TraceRun } from '../../src/ssh/trace';
import { LAB_CONNECT_MS, attachedWithin } from './bounds';
import {
  cli,
  context,
  inventory,
  labSh,
  nodeConfig,
  nothingLeft,
  openNode,
  progIds,
  slowLogin,
  slowLoginOff,
  tempXdg,
  waitFor,
  writeConfig,
} from './labEnv';

/**
 * A node whose login shell is slow (heavy rc files: conda, nvm, pyenv, banners; a loaded CPU):
 * sshd runs every session's command as `$SHELL -c …` after bash read /etc/bash.bashrc and
 * ~/.bashrc. lab.sh slowlogin puts the delay in front of the node's own /etc/bash.bashrc.
 */
describe('a slow login shell (lab.sh slowlogin) at default bounds', function () {
  const NODE = 'edge4';
  afterEach(() => slowLoginOff([NODE]));

  it('cpu 2: the node connects, lists and traces; the login is measured on the node (time and CPU) and shown on its row', async () => {
    slowLogin([NODE], 'cpu', 2);
    const fleet = new Fleet({ ctx: context(), recoverStatsOnConnect: false });
    fleet.setInventory(inventory([nodeConfig(NODE)]));
    try {
      const c = await fleet.connect(NODE);
      const l = c.login;
      assert.equal(l?.clock, 'node', JSON.stringify(l));
      assert.ok(l.cpuMs !== undefined && l.cpuMs >= 1900, `2 s of CPU measured: ${JSON.stringify(l)}`);
      // the 2 s burn runs in the login shell itself, serially: the login took at least that long.
      // (Not "time ≥ CPU": the CPU includes the shell's waited-for children, and the machine's own
      // rc files run pipelines — pyenv init — whose processes run at once on two cores: measured
      // 2.66 s of CPU in 2.60 s.)
      assert.ok(l.ms >= 1900, `at least the 2 s burn in the shell itself: ${JSON.stringify(l)}`);
      await fleet.refresh(NODE);
      const row = buildTree(fleet.views(), { groupByTag: false, filter: '' }).find((r) => r.node === NODE);
      assert.match(row?.description ?? '', /slow login \d+\.\d s/);
      assert.match(row?.tooltip ?? '', /login shell took \d+\.\d s \(\d+\.\d s of CPU\)/);
      // a trace's own session pays the startup files too, and still starts
      const before = progIds(NODE);
      const t = await TraceRun.start(c, { script: 'tracepoint:syscalls:sys_enter_getpid { @n = count(); }', maxSec: 60 });
      const attached = await waitFor(
        () => t.attached.then((n) => n ?? -1),
        attachedWithin(LAB_CONNECT_MS, 60),
        'the trace to attach',
        100,
        () => t.state,
      );
      assert.ok(attached > 0, `attached: ${attached}`);
      t.stop();
      const o = await t.finished;
      assert.equal(o.state, 'done', JSON.stringify(o.error));
      await nothingLeft(NODE, t.bpftracePid, before);
    } finally {
      await fleet.dispose();
    }
  });

  it('sleep 3: a login that waits (no CPU) is measured as such, and the CLI lists the node with a note', async () => {
    slowLogin([NODE], 'sleep', 3);
    const c = await openNode(NODE);
    try {
      const l = c.login;
      assert.ok(l && l.ms >= 3000 && (l.cpuMs ?? 0) < 1500, JSON.stringify(l));
      assert.ok(l.ms > SLOW_LOGIN_MS);
    } finally {
      c.close();
    }
    const r = await cli(['list', '--config', writeConfig([nodeConfig(NODE)]), '--node', NODE], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /note: login shell took \d+\.\d s/);
  });

  it('a login that never finishes fails within the login budget (4 × the connect timeout) as loginTimeout, naming the node', async () => {
    // longer than the budget; the shells it holds end by themselves once it is over
    slowLogin([NODE], 'sleep', 40);
    const connectMs = 2000;
    const t0 = Date.now();
    const e = await openNode(NODE, {}, context({ connectTimeoutMs: connectMs })).then(
      (c) => {
        c.close();
        return undefined;
      },
      (x: unknown) => x,
    );
    const took = Date.now() - t0;
    assert.ok(SshError.is(e, 'loginTimeout'), String(e));
    assert.match(e.message, new RegExp(`login shell on ${NODE} did not start within 8 s`));
    assert.ok(took >= loginBudgetMs(connectMs) && took < loginBudgetMs(connectMs) + connectMs + 3000, `gave up at the budget: ${took} ms`);
  });

  it('a trace whose session never starts (the login shell hangs after connecting) fails as loginTimeout; nothing of it is left', async () => {
    const connectMs = 2000;
    const c = await openNode(NODE, {}, context({ connectTimeoutMs: connectMs }));
    try {
      // the worker is up; now every new session hangs in the startup files
      slowLogin([NODE], 'sleep', 40);
      const before = progIds(NODE);
      const t = await TraceRun.start(c, { script: 'BEGIN { printf("never\\n"); }', maxSec: 30 });
      const o = await t.finished;
      assert.equal(o.state, 'failed');
      assert.equal(o.error?.kind, 'ssh.loginTimeout', JSON.stringify(o.error));
      assert.equal(o.reason, 'login shell did not start');
      slowLoginOff([NODE]);
      // the script file waits for its guard no longer than the janitor allows
      await nothingLeft(NODE, undefined, before, (janitorSec(loginBudgetMs(connectMs)) + 3) * 1000);
    } finally {
      c.close();
    }
  });
});

// lab.sh slowlogin itself: on, measured, off, and through a restart
describe('lab.sh slowlogin', () => {
  it('cpu N keeps a CPU busy for N s of CPU time in a session; off restores the node', async () => {
    labSh('slowlogin', 'edge5', 'cpu', '1');
    try {
      const c = await openNode('edge5');
      c.close();
      assert.ok((c.login?.cpuMs ?? 0) >= 950, JSON.stringify(c.login));
    } finally {
      labSh('slowlogin', 'edge5', 'off');
    }
    const c = await openNode('edge5');
    c.close();
    assert.ok((c.login?.cpuMs ?? 0) < 950, `off: ${JSON.stringify(c.login)}`);
  });
});
