import * as assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { CancellationSource } from '../../src/core/base/cancel';
import { CancelledError, SshError, ToolError } from '../../src/core/base/errors';
import { shJoin } from '../../src/core/remote/quote';
import { hereDocOk, parseLoginLine, ShellWorker } from '../../src/ssh/worker';
import { waitFor } from './wait';

/**
 * The worker's framing, tested against a real local /bin/sh (dash). Only the transport is
 * swapped: a child process's pipes stand in for the SSH channel's streams.
 */
class LocalChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  readonly child: ChildProcessWithoutNullStreams;
  /** the link is cut: the client's close no longer reaches the shell, which lives on */
  cut = false;
  constructor(opts: { path?: string; detached?: boolean; login?: string } = {}) {
    super();
    // `login`: what the shell does before it reads its input (a node's startup files), then the
    // same process becomes the worker's sh, as `bash -c 'exec /bin/sh'` does under sshd
    this.child = spawn('/bin/sh', opts.login !== undefined ? ['-c', `${opts.login}\nexec /bin/sh`] : [], {
      stdio: 'pipe',
      ...(opts.path !== undefined ? { env: { ...process.env, PATH: opts.path } } : {}),
      // its own session, as sshd starts a channel's command
      ...(opts.detached ? { detached: true } : {}),
    });
    this.child.stdout.on('data', (d: Buffer) => this.emit('data', d));
    this.child.stderr.on('data', (d: Buffer) => this.stderr.emit('data', d));
    this.child.on('exit', () => this.emit('close'));
  }
  write(s: string): boolean {
    return this.child.stdin.write(s);
  }
  close(): void {
    if (this.cut) return;
    this.end();
  }
  /** the shell really ends (the test's own cleanup) */
  end(): void {
    this.child.stdin.end();
    this.child.kill('SIGKILL');
  }
}

function worker(opts: { path?: string; detached?: boolean; login?: string; startTimeoutMs?: number } = {}): {
  w: ShellWorker;
  ch: LocalChannel;
} {
  const ch = new LocalChannel(opts);
  return {
    w: new ShellWorker(
      ch as unknown as ClientChannel,
      opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs, nodeName: 'n1' } : {},
    ),
    ch,
  };
}

/** pids of processes whose command line is exactly `cmd` */
function pids(cmd: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') === cmd) out.push(Number(d));
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

/** ms until cond() holds (the worker's bound is measured from the moment the client gave up) */
async function until(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(cond, ms, what, 50);
  return Date.now() - t0;
}

/** a folder whose PATH offers the tools a worker needs, without the ones named */
function pathWithout(...missing: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-lens-path-'));
  for (const tool of ['sh', 'sleep', 'mktemp', 'mkfifo', 'rm', 'cat', 'echo', 'ls', 'bash', 'timeout']) {
    if (missing.includes(tool)) continue;
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((f) => existsSync(f));
    if (found) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

describe('ShellWorker (persistent sh with framed answers)', () => {
  it('separates stdout, stderr and exit status, with or without trailing newlines', async () => {
    const { w, ch } = worker();
    try {
      const a = await w.run(shJoin(['sh', '-c', 'printf out; printf err >&2; exit 3']), { title: 't', timeoutMs: 5000 });
      assert.deepEqual(a, { stdout: 'out', stderr: 'err', code: 3 });
      const b = await w.run(shJoin(['printf', 'line\\n\\n']), { title: 't', timeoutMs: 5000 });
      assert.deepEqual(b, { stdout: 'line\n\n', stderr: '', code: 0 });
      const c = await w.run(shJoin(['sh', '-c', 'kill -SEGV $$']), { title: 't', timeoutMs: 5000 });
      assert.equal(c.code, 139);
    } finally {
      ch.close();
    }
  });

  it('pipelines many commands and answers each in order', async () => {
    const { w, ch } = worker();
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => w.run(shJoin(['echo', String(i)]), { title: 'echo', timeoutMs: 10000 })),
      );
      assert.deepEqual(
        answers.map((a) => a.stdout),
        Array.from({ length: 200 }, (_, i) => `${i}\n`),
      );
    } finally {
      ch.close();
    }
  });

  it('large and binary-ish output arrives intact; output that mimics a marker does not confuse it', async () => {
    const { w, ch } = worker();
    try {
      const big = await w.run(shJoin(['sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" "x"']), { title: 'big', timeoutMs: 10000 });
      assert.equal(big.stdout.length, 3_000_000);
      const fake = await w.run(shJoin(['printf', '\\n0123 1 0\\nmore']), { title: 'fake', timeoutMs: 5000 });
      assert.equal(fake.stdout, '\n0123 1 0\nmore');
    } finally {
      ch.close();
    }
  });

  it('gives stdin as data, never as shell text', async () => {
    const { w, ch } = worker();
    try {
      const data = `$(touch /tmp/never)\n'; rm -rf /; '\nünïcödé\n`;
      const r = await w.run(shJoin(['cat']), { title: 'cat', timeoutMs: 5000, stdin: data });
      assert.equal(r.stdout, data);
      const noStdin = await w.run(shJoin(['cat']), { title: 'cat', timeoutMs: 5000 });
      assert.equal(noStdin.stdout, '', 'a command without stdin must not read the worker’s own input');
    } finally {
      ch.close();
    }
  });

  it('stdin as a here-document, a quoted word or base64: every shape arrives byte for byte', async () => {
    const { w, ch } = worker();
    try {
      const shapes = [
        'perf show\nprog show\n', // the listing batch: a here-document
        'EOF\n$(touch /tmp/never)\n`id`\n\\\nEBPF_LENS_IN_\n\n', // delimiter-like lines
        'no newline at the end', // a quoted word
        'x'.repeat(4095) + '\n', // 4096 bytes: still a here-document
        'y'.repeat(4096) + '\n', // one more: a quoted word
        'crlf\r\nline\r\n',
        'nul\0byte\n', // base64
        'z'.repeat(70_000), // base64
      ];
      for (const data of shapes) {
        const r = await w.run(shJoin(['cat']), { title: 'cat', timeoutMs: 5000, stdin: data });
        assert.equal(r.stdout, data, JSON.stringify(data.slice(0, 40)));
      }
      // a command line with a newline inside a quoted word, and a here-document after it
      const nl = await w.run(shJoin(['sh', '-c', 'printf "%s|" "$1"; cat', 'sh', 'a\nb']), { title: 'nl', timeoutMs: 5000, stdin: 'in\n' });
      assert.equal(nl.stdout, 'a\nb|in\n');
      const after = await w.run(shJoin(['echo', 'still in sync']), { title: 'echo', timeoutMs: 5000 });
      assert.equal(after.stdout, 'still in sync\n');
    } finally {
      ch.close();
    }
  });

  it('a here-document is used only when it cannot end early or change the text', () => {
    const d = 'EBPF_LENS_IN_abc';
    assert.equal(hereDocOk('a\nb\n', d), true);
    assert.equal(hereDocOk(`a\n${d}\nrm -rf /\n`, d), false, 'a line equal to the delimiter');
    assert.equal(hereDocOk(`${d}\n`, d), false);
    assert.equal(hereDocOk(`a${d}\n ${d}\n`, d), true, 'the delimiter inside a line does not end it');
    assert.equal(hereDocOk('no newline', d), false);
    assert.equal(hereDocOk('', d), false);
    assert.equal(hereDocOk('a\r\n', d), false);
    assert.equal(hereDocOk('a\0\n', d), false);
    assert.equal(hereDocOk('é'.repeat(2048) + '\n', d), false, 'over 4 KiB in bytes');
  });

  it('a hung command times out; the worker dies; queued commands fail as not started', async () => {
    const { w, ch } = worker();
    try {
      const hung = w.run(shJoin(['sleep', '30']), { title: 'sleep', timeoutMs: 300 });
      const queued = w.run(shJoin(['echo', 'late']), { title: 'echo', timeoutMs: 5000 });
      await assert.rejects(hung, (e) => ToolError.is(e, 'timeout') && /sleep did not finish within 0.3 s/.test(e.message));
      await assert.rejects(queued, (e) => SshError.is(e, 'disconnected') && e.detail?.['notStarted'] === true);
      assert.ok(w.dead);
      await assert.rejects(w.run('true', { title: 'x', timeoutMs: 1000 }), SshError);
    } finally {
      ch.close();
    }
  });

  it('cancelling a queued command drops its answer; cancelling the running one restarts the worker', async () => {
    const { w, ch } = worker();
    try {
      const cs = new CancellationSource();
      const first = w.run(shJoin(['sh', '-c', 'sleep 0.2; echo first']), { title: 'a', timeoutMs: 5000 });
      const second = w.run(shJoin(['echo', 'second']), { title: 'b', timeoutMs: 5000, token: cs.token });
      const third = w.run(shJoin(['echo', 'third']), { title: 'c', timeoutMs: 5000 });
      cs.cancel();
      await assert.rejects(second, CancelledError);
      assert.equal((await first).stdout, 'first\n');
      assert.equal((await third).stdout, 'third\n');
      const cs2 = new CancellationSource();
      const running = w.run(shJoin(['sleep', '30']), { title: 'sleep', timeoutMs: 60000, token: cs2.token });
      setTimeout(() => cs2.cancel(), 100);
      await assert.rejects(running, CancelledError);
      assert.ok(w.dead);
    } finally {
      ch.close();
    }
  });

  it('a channel that closes fails what is pending', async () => {
    const { w, ch } = worker();
    const p = w.run(shJoin(['sleep', '30']), { title: 'sleep', timeoutMs: 60000 });
    setTimeout(() => ch.close(), 100);
    await assert.rejects(p, (e) => SshError.is(e, 'disconnected'));
  });
  describe('a slow login shell (startup files that take seconds)', () => {
    it('parses /proc/PID/stat after the command name, with /proc/uptime', () => {
      // a real line of a shell 2.5 s after it started (uptime 1002.5 s, started at tick 100000),
      // with 1.2 s of its own CPU and 0.3 s of its children's
      const stat = 'S 1 2 2 0 -1 4194560 100 0 0 0 100 20 25 5 20 0 1 0 100000 2000000 200 18446744073709551615';
      assert.deepEqual(parseLoginLine(`${stat} 1002.50`), { ms: 2500, cpuMs: 1500 });
      assert.equal(parseLoginLine(''), undefined);
      assert.equal(parseLoginLine('S 1 2'), undefined);
    });

    it('a login that burns CPU first: measured on the node (time and CPU), commands then run', async () => {
      // busy for ~0.4 s of CPU before reading the first line
      const { w, ch } = worker({ login: 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done' });
      try {
        const a = await w.run(shJoin(['echo', 'ok']), { title: 't', timeoutMs: 5000 });
        assert.equal(a.stdout, 'ok\n');
        const l = w.login;
        assert.equal(l?.clock, 'node');
        assert.ok(l !== undefined && l.cpuMs !== undefined && l.cpuMs >= 100, `CPU measured: ${JSON.stringify(l)}`);
        assert.ok(l.ms >= l.cpuMs - 20, `time at least its CPU: ${JSON.stringify(l)}`);
      } finally {
        ch.close();
      }
    });

    it('a login that waits: its time is measured, with little CPU', async () => {
      const { w, ch } = worker({ login: 'sleep 1.2' });
      try {
        await w.run(shJoin(['true']), { title: 't', timeoutMs: 5000 });
        const l = w.login;
        assert.ok(l !== undefined && l.ms >= 1150 && l.ms < 5000, `measured ${JSON.stringify(l)}`);
        assert.ok((l.cpuMs ?? 0) < 500, `little CPU: ${JSON.stringify(l)}`);
      } finally {
        ch.close();
      }
    });

    it('a login slower than the budget fails every queued command as loginTimeout, without a retry', async () => {
      const { w, ch } = worker({ login: 'sleep 30', startTimeoutMs: 600 });
      try {
        const t0 = Date.now();
        const runs = [1, 2].map(() =>
          w.run(shJoin(['true']), { title: 't', timeoutMs: 5000 }).then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
        const errs = await Promise.all(runs);
        for (const e of errs) {
          assert.ok(SshError.is(e, 'loginTimeout'), `loginTimeout: ${String(e)}`);
          assert.equal(e.detail?.['notStarted'], undefined, 'not marked for a retry on a new worker');
          assert.match(e.message, /login shell on n1 did not start within 1 s/);
        }
        assert.ok(Date.now() - t0 < 3000, 'failed at the budget');
        assert.ok(w.dead);
      } finally {
        ch.end();
      }
    });
  });

  describe('the node-side bound (a command whose client went away still ends)', function () {
    this.timeout(20_000);

    it('with bash: the watchdog ends it (TERM) a little after the client gave up, and commands never see its pipe', async () => {
      const { w, ch } = worker();
      try {
        const fds = await w.run(shJoin(['sh', '-c', 'ls /proc/$$/fd']), { title: 'fds', timeoutMs: 5000 });
        assert.equal(w.bound, 'watchdog');
        const open = fds.stdout.split('\n').filter(Boolean);
        assert.ok(
          ['0', '1', '2'].every((fd) => open.includes(fd)) && !open.includes('3'),
          `the watchdog's pipe (fd 3) is closed for commands: ${open.join(' ')}`,
        );
        assert.equal(
          pids(`bash --norc --noprofile -c eval "$__el_wd" ebpf-lens-watchdog ${ch.child.pid}`).length,
          1,
          'one watchdog, a short line in ps',
        );
        ch.cut = true;
        const p = w.run(shJoin(['sh', '-c', 'sleep 30.41; echo never']), { title: 'sleep', timeoutMs: 1000 });
        await until(() => pids('sleep 30.41').length === 1, 3000, 'the command to start');
        await assert.rejects(p, (e) => ToolError.is(e, 'timeout'));
        // the client gave up at 1 s; the node's bound is 1 s + 1 s (whole seconds)
        const ms = await until(() => pids('sleep 30.41').length === 0, 4000, 'the node to end the command');
        assert.ok(ms < 3000, `ended ${ms} ms after the client gave up`);
      } finally {
        ch.end();
      }
      await until(
        () => pids(`bash --norc --noprofile -c eval "$__el_wd" ebpf-lens-watchdog ${ch.child.pid}`).length === 0,
        3000,
        'the watchdog to end with its worker',
      );
    });

    it('a command that ignores TERM is killed 2 s later', async () => {
      const { w, ch } = worker();
      try {
        ch.cut = true;
        const p = w.run(shJoin(['sh', '-c', 'trap "" TERM; sleep 30.42']), { title: 'stubborn', timeoutMs: 1000 });
        await until(() => pids('sleep 30.42').length === 1, 3000, 'the command to start');
        await assert.rejects(p, (e) => ToolError.is(e, 'timeout'));
        const ms = await until(() => pids('sleep 30.42').length === 0, 7000, 'the node to kill the command');
        assert.ok(ms >= 1500, `TERM was ignored, KILL came 2 s later (${ms} ms after the client gave up)`);
        assert.ok(ms < 5000, `${ms} ms`);
      } finally {
        ch.end();
      }
    });

    it('a worker killed while its command runs: the watchdog still ends the command (the worker leads its session, as under sshd)', async () => {
      const { w, ch } = worker({ detached: true });
      try {
        await w.run('true', { title: 'start', timeoutMs: 5000 });
        assert.equal(w.bound, 'watchdog');
        ch.cut = true;
        void w.run(shJoin(['sh', '-c', 'sleep 30.43']), { title: 'sleep', timeoutMs: 2000 }).catch(() => undefined);
        await until(() => pids('sleep 30.43').length === 1, 3000, 'the command to start');
        process.kill(ch.child.pid ?? 0, 'SIGKILL');
        const ms = await until(() => pids('sleep 30.43').length === 0, 6000, 'the node to end the orphaned command');
        assert.ok(ms < 5000, `${ms} ms`);
      } finally {
        ch.end();
      }
    });

    it('without bash: coreutils timeout bounds each command', async () => {
      const path = pathWithout('bash');
      const { w, ch } = worker({ path });
      try {
        await w.run('true', { title: 'start', timeoutMs: 5000 });
        assert.equal(w.bound, 'timeout');
        ch.cut = true;
        const p = w.run(shJoin(['sh', '-c', 'sleep 30.44']), { title: 'sleep', timeoutMs: 1000 });
        await until(() => pids('sleep 30.44').length === 1, 3000, 'the command to start');
        await assert.rejects(p, (e) => ToolError.is(e, 'timeout'));
        const ms = await until(() => pids('sleep 30.44').length === 0, 4000, 'timeout to end the command');
        assert.ok(ms < 3000, `${ms} ms`);
      } finally {
        ch.end();
        rmSync(path, { recursive: true, force: true });
      }
    });

    it('without bash or timeout: commands still run (only the client bounds them)', async () => {
      const path = pathWithout('bash', 'timeout');
      const { w, ch } = worker({ path });
      try {
        const r = await w.run(shJoin(['echo', 'runs']), { title: 'echo', timeoutMs: 5000 });
        assert.equal(w.bound, 'none');
        assert.equal(r.stdout, 'runs\n');
      } finally {
        ch.end();
        rmSync(path, { recursive: true, force: true });
      }
    });
  });
});
