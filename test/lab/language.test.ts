import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCheck } from '../../src/core/bpftrace/check';
import { formatCommand, listProbesCommand } from '../../src/core/bpftrace/nodeTools';
import { SNIPPETS, buildSnippet } from '../../src/core/trace/library';
import { TraceRun } from '../../src/ssh/trace';
import { cli, lab, nodeConfig, openNode, tempDir, tempXdg, writeConfig } from './labEnv';

/**
 * The bpftrace language's node side on real nodes: "Check on Node" compiles without attaching
 * (bpftrace 0.17 on the netns nodes, 0.23 on trixie1; as root and through sudo), probe
 * listings for completion, and the CLI's `check --node`.
 */

/**
 * Every BPF program a process of NODE held while `during` ran. Programs are kernel-global and the
 * lab's nodes share one kernel (and this machine's bpftool 7.1 prints no owners), so a program
 * counts only when a process in NODE's own mount namespace has it open: found in its fd table
 * (`prog_id:` in /proc/PID/fdinfo), polled as fast as the scan goes. Another node's trace or the
 * machine's own jobs loading programs meanwhile are not the check's.
 */
async function programsLoadedDuring<T>(node: string, during: () => Promise<T>): Promise<{ result: T; seen: Map<number, string> }> {
  const ns = fs.readFileSync(path.join(lab().labDir, 'nodes', node, 'mntns'), 'utf8').trim();
  const held = async (): Promise<Map<number, string>> => {
    const found = new Map<number, string>();
    for (const pid of await fs.promises.readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if ((await fs.promises.readlink(`/proc/${pid}/ns/mnt`)) !== ns) continue;
        const comm = (await fs.promises.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
        for (const fd of await fs.promises.readdir(`/proc/${pid}/fdinfo`)) {
          const m = /^prog_id:\s*(\d+)/m.exec(await fs.promises.readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => ''));
          if (m) found.set(Number(m[1]), `${comm}[${pid}] prog ${m[1]}`);
        }
      } catch {
        /* ended meanwhile */
      }
    }
    return found;
  };
  const before = new Set((await held()).keys());
  const seen = new Map<number, string>();
  let done = false;
  const poll = (async () => {
    while (!done) for (const [id, what] of await held()) if (!before.has(id)) seen.set(id, what);
  })();
  try {
    const result = await during();
    return { result, seen };
  } finally {
    done = true;
    await poll;
  }
}

// a valid script that would attach a tracepoint, a kprobe-free timer and BEGIN/END if run
const VALID = [
  'BEGIN { printf("start\\n"); }',
  'tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }',
  'interval:ms:100 { @ticks = count(); }',
  'END { clear(@ticks); }',
  '',
].join('\n');
const BAD_PROBE = ['BEGIN { printf("start\\n"); }', '', 'tracepoint:sched:no_such_event_here { @x = count(); }', ''].join('\n');

describe('bpftrace language on real nodes', () => {
  it('the poller sees a real trace’s programs (so "nothing loaded" below means something)', async () => {
    const c = await openNode('edge1');
    try {
      const { seen } = await programsLoadedDuring('edge1', async () => {
        const t = await TraceRun.start(c, { script: 'interval:ms:100 { @n = count(); } interval:ms:900 { exit(); }' });
        await t.finished;
      });
      assert.ok(seen.size > 0, 'the poller saw no program of a running trace');
    } finally {
      c.close();
    }
  });

  for (const [node, user, version] of [
    ['edge1', 'root', '0.17'],
    ['edge2', 'edgeuser', '0.17'],
    ['trixie1', 'root', '0.23'],
  ] as const) {
    describe(`Check on Node: ${node} as ${user} (bpftrace ${version})`, () => {
      it('a valid script compiles; no BPF program is loaded during the check', async () => {
        const c = await openNode(node, { user });
        try {
          const v = c.info.bpftrace?.version ?? '';
          assert.ok(v.startsWith(version), `bpftrace ${v}`);
          const { result, seen } = await programsLoadedDuring(node, () => runCheck((cmd) => c.run(cmd), v, VALID));
          assert.equal(result.ok, true, JSON.stringify(result.diagnostics) + result.output);
          assert.deepEqual([...seen.values()], [], 'programs were loaded during a compile-only check');
        } finally {
          c.close();
        }
      });

      it('an invalid probe is reported on its line; nothing is loaded', async () => {
        const c = await openNode(node, { user });
        try {
          const { result, seen } = await programsLoadedDuring(node, () =>
            runCheck((cmd) => c.run(cmd), c.info.bpftrace?.version ?? '', BAD_PROBE),
          );
          assert.equal(result.ok, false);
          const err = result.diagnostics.find((d) => d.severity === 'error');
          assert.ok(err, result.output);
          assert.match(err.message, /no_such_event_here/);
          assert.equal(err.line, 3, JSON.stringify(err));
          assert.equal(err.col, 1);
          assert.deepEqual([...seen.values()], []);
        } finally {
          c.close();
        }
      });
    });
  }

  it('probe listings for completion: tracepoints, an uprobe binary’s functions, -lv fields; odd patterns are data', async () => {
    const c = await openNode('edge1', { user: 'edgeuser' });
    try {
      const tps = await c.run(listProbesCommand('tracepoint:sched:*'));
      assert.ok(tps.lines.includes('tracepoint:sched:sched_switch'), tps.lines.slice(0, 5).join(' '));
      const bin = path.join(lab().labDir, 'bin', 'edgeapp');
      const fns = await c.run(listProbesCommand(`uprobe:${bin}:*`));
      assert.ok(fns.lines.includes(`uprobe:${bin}:hot`), fns.lines.slice(0, 10).join(' '));
      const fields = await c.run(listProbesCommand('tracepoint:sched:sched_switch', true));
      assert.ok(
        fields.lines.some((l) => /^\s+pid_t prev_pid/.test(l)),
        fields.lines.join('\n'),
      );
      // a pattern with shell syntax reaches bpftrace as it is (which rejects it) and runs nothing
      const marker = `/tmp/ebpf-lens-pwned-${process.pid}`;
      await assert.rejects(c.run(listProbesCommand(`tracepoint:$(touch ${marker}):*`)), /syntax error/);
      assert.equal(fs.existsSync(marker), false);
      const none = await c.run(listProbesCommand('tracepoint:no_such_category_x:*'));
      assert.deepEqual(none.lines, []);
      assert.throws(() => listProbesCommand('-e BEGIN{}'), /cannot start with '-'/);
    } finally {
      c.close();
    }
  });

  it('bpftrace --fmt is refused by a node older than 0.25 (the editor then uses the built-in formatter)', async () => {
    const c = await openNode('edge1');
    try {
      const r = await c.run(formatCommand('BEGIN { exit(); }'));
      assert.ok('error' in r, JSON.stringify(r));
    } finally {
      c.close();
    }
  });

  it('ebpf-lens check --node: the local analysis and the node’s compiler, as JSON lines, exit 1', async () => {
    const dir = tempDir('ebpf-lens-check-');
    const file = path.join(dir, 'bad.bt');
    fs.writeFileSync(file, BAD_PROBE);
    const cfg = writeConfig([nodeConfig('trixie1')]);
    const r = await cli(['check', '--config', cfg, '--node', 'trixie1', '--json', file], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; code: string; severity: string; message: string });
    const fromNode = lines.find((l) => l.code === 'node:trixie1');
    assert.ok(fromNode, r.stdout);
    assert.equal(fromNode.line, 3);
    assert.equal(fromNode.severity, 'error');
  });

  describe('the one-liner library compiles on both lab flavours (compile only)', () => {
    const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    const params: Record<string, Record<string, string>> = {
      'uprobe-calls': { binary: LIBC, pattern: 'mallo*' },
      'uprobe-latency': { binary: LIBC, function: 'malloc' },
      'syscalls-by-process': { comm: 'sshd' },
      'read-write-sizes': { comm: 'sshd', pid: '1' },
      'profile-stacks': { pid: '1' },
    };
    for (const node of ['edge1', 'trixie1']) {
      it(`${node}: every snippet compiles; nothing is loaded`, async () => {
        const c = await openNode(node);
        try {
          const v = c.info.bpftrace?.version ?? '';
          const failed: string[] = [];
          const { seen } = await programsLoadedDuring(node, async () => {
            for (const s of SNIPPETS) {
              const r = await runCheck((cmd) => c.run(cmd), v, buildSnippet(s.id, params[s.id] ?? {}));
              if (!r.ok) failed.push(`${s.id}: ${r.diagnostics.map((d) => `${d.line ?? ''} ${d.message}`).join('; ')}`);
            }
          });
          assert.deepEqual(failed, []);
          assert.deepEqual([...seen.values()], []);
        } finally {
          c.close();
        }
      });
    }
  });
});
