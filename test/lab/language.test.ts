import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCheck } from '../../src/core/bpftrace/check';
import { formatCommand, listProbesCommand } from '../../src/core/bpftrace/nodeTools';
import { SNIPPETS, buildSnippet } from '../../src/core/trace/library';
import { TraceRun } from '../../src/ssh/trace';
import type { BpfCalls } from './bpfSyscalls';
import { bpfCallsDuring } from './bpfSyscalls';
import { FLAVOUR_NODES, cli, lab, nodeConfig, openNode, tempDir, tempXdg, writeConfig } from './labEnv';

/**
 * The bpftrace language's node side on real nodes: "Check on Node" compiles without attaching
 * (bpftrace 0.17 on the netns nodes, 0.23 on trixie1, 0.27 on forky1; as root and through sudo), probe
 * listings for completion, and the CLI's `check --node`.
 */

/**
 * bpftrace's own feature probes (a compile-only run still asks the kernel what it supports):
 * programs of at most this many instructions. Every program of the scripts checked here is larger
 * (the control test below shows it on each node), so a larger load during a check is the script's.
 */
const FEATURE_PROBE_MAX_INSNS = 2;

/** nothing of the script reached the kernel: no program bigger than a feature probe, nothing attached */
function assertNothingOfTheScript(calls: BpfCalls, what: string): void {
  assert.deepEqual(
    calls.loads.filter((l) => l.insns > FEATURE_PROBE_MAX_INSNS),
    [],
    `${what}: programs loaded during a compile-only check`,
  );
  // bpftrace also probes for kprobe_multi/uprobe_multi with a link it expects to fail (the lab saw
  // -EOPNOTSUPP on 0.17, -EBADF on 0.23 and 0.27): only a link the kernel made attached anything
  assert.deepEqual(
    calls.links.filter((l) => l.ret >= 0),
    [],
    `${what}: links created during a compile-only check (all link calls: ${JSON.stringify(calls.links)})`,
  );
  assert.deepEqual(calls.perfAttach, [], `${what}: programs attached to perf events during a compile-only check`);
}

const VALID = [
  'BEGIN { printf("start\\n"); }',
  'tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }',
  'interval:ms:100 { @ticks = count(); }',
  'END { clear(@ticks); }',
  '',
].join('\n');
const BAD_PROBE = ['BEGIN { printf("start\\n"); }', '', 'tracepoint:sched:no_such_event_here { @x = count(); }', ''].join('\n');

describe('bpftrace language on real nodes', () => {
  for (const node of FLAVOUR_NODES)
    it(`the control, ${node}: the bpf() watcher sees a real run of the script load programs larger than a feature probe and attach them`, async () => {
      const c = await openNode(node);
      try {
        const { calls } = await bpfCallsDuring(node, async () => {
          const t = await TraceRun.start(c, { script: `${VALID}\ninterval:ms:700 { exit(); }\n` });
          await t.finished;
        });
        const big = calls.loads.filter((l) => l.insns > FEATURE_PROBE_MAX_INSNS);
        assert.ok(big.length >= 3, `${node}: the watcher saw ${JSON.stringify(calls.loads)}`);
        const made = calls.links.filter((l) => l.ret >= 0);
        assert.ok(made.length + calls.perfAttach.length >= 3, `${node}: no attach seen: ${JSON.stringify(calls)}`);
      } finally {
        c.close();
      }
    });

  for (const [node, user, version] of [
    ['edge1', 'root', '0.17'],
    ['edge2', 'edgeuser', '0.17'],
    ['trixie1', 'root', '0.23'],
    ['forky1', 'root', '0.27'],
    ['forky1', 'edgeuser', '0.27'],
  ] as const) {
    describe(`Check on Node: ${node} as ${user} (bpftrace ${version})`, () => {
      it('a valid script compiles; none of its programs is loaded, nothing attaches (bpf() watched from the machine)', async () => {
        const c = await openNode(node, { user });
        try {
          const v = c.info.bpftrace?.version ?? '';
          assert.ok(v.startsWith(version), `bpftrace ${v}`);
          const { result, calls } = await bpfCallsDuring(node, () => runCheck((cmd) => c.run(cmd), v, VALID));
          assert.equal(result.ok, true, JSON.stringify(result.diagnostics) + result.output);
          assertNothingOfTheScript(calls, node);
        } finally {
          c.close();
        }
      });

      it('an invalid probe is reported on its line; nothing is loaded', async () => {
        const c = await openNode(node, { user });
        try {
          const { result, calls } = await bpfCallsDuring(node, () =>
            runCheck((cmd) => c.run(cmd), c.info.bpftrace?.version ?? '', BAD_PROBE),
          );
          assert.equal(result.ok, false);
          const err = result.diagnostics.find((d) => d.severity === 'error');
          assert.ok(err, result.output);
          assert.match(err.message, /no_such_event_here/);
          assert.equal(err.line, 3, JSON.stringify(err));
          assert.equal(err.col, 1);
          assertNothingOfTheScript(calls, node);
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

  it('forky1 (bpftrace 0.27, as a sudo user): listings for completion (tracepoints, -lv fields, a binary’s functions) and formatting with its own --fmt', async () => {
    const c = await openNode('forky1', { user: 'edgeuser' });
    try {
      const tps = await c.run(listProbesCommand('tracepoint:sched:*'));
      assert.ok(tps.lines.includes('tracepoint:sched:sched_switch'), tps.lines.slice(0, 5).join(' '));
      const fields = await c.run(listProbesCommand('tracepoint:sched:sched_switch', true));
      assert.ok(
        fields.lines.some((l) => /^\s+pid_t prev_pid/.test(l)),
        fields.lines.join('\n'),
      );
      const fns = await c.run(listProbesCommand('uprobe:/usr/bin/bash:read*'));
      assert.ok(fns.lines.includes('uprobe:/usr/bin/bash:readline'), fns.lines.slice(0, 10).join(' '));
      const f = await c.run(formatCommand('BEGIN{@n=count();if(1){printf("x\\n")}}'));
      assert.ok('text' in f, JSON.stringify(f));
      // 0.27's own style (seen on forky1): the probe's brace on its own line, `if` without parentheses
      assert.equal(f.text.trimEnd(), 'BEGIN\n{\n  @n = count();\n  if 1 {\n    printf("x\\n");\n  }\n}', f.text);
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

  for (const node of ['trixie1', 'forky1'])
    it(`ebpf-lens check --node ${node}: the local analysis and the node’s compiler, as JSON lines, exit 1; nothing of the script loaded`, async () => {
      const dir = tempDir('ebpf-lens-check-');
      const file = path.join(dir, 'bad.bt');
      fs.writeFileSync(file, BAD_PROBE);
      const cfg = writeConfig([nodeConfig(node)]);
      const { result: r, calls } = await bpfCallsDuring(node, () =>
        cli(['check', '--config', cfg, '--node', node, '--json', file], { XDG_CONFIG_HOME: tempXdg() }),
      );
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; code: string; severity: string; message: string });
      const fromNode = lines.find((l) => l.code === `node:${node}`);
      assert.ok(fromNode, r.stdout);
      assert.equal(fromNode.line, 3);
      assert.equal(fromNode.severity, 'error');
      assertNothingOfTheScript(calls, node);
    });

  it('ebpf-lens check --node forky1, two files: what bpftrace 0.27 says about the node is one note on stderr, never a finding', async () => {
    const dir = tempDir('ebpf-lens-check-');
    const files = ['a.bt', 'b.bt'].map((f) => path.join(dir, f));
    for (const f of files) fs.writeFileSync(f, VALID);
    const cfg = writeConfig([nodeConfig('forky1')]);
    const r = await cli(['check', '--config', cfg, '--node', 'forky1', '--json', ...files], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /Could not read functions|traceable/i, 'no finding about the node');
    const notes = r.stderr.split('\n').filter((l) => l.startsWith('ebpf-lens: note: forky1: '));
    assert.deepEqual(
      notes.map((l) => l.split(': ').slice(0, 4).join(': ')),
      ['ebpf-lens: note: forky1: bpftrace cannot read the list of traceable functions'],
      r.stderr,
    );
    assert.match(notes[0] ?? '', /available_filter_functions\).*--traceable-functions FILE/);
  });

  describe('the one-liner library compiles on every lab flavour (compile only)', () => {
    const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    const params: Record<string, Record<string, string>> = {
      'uprobe-calls': { binary: LIBC, pattern: 'mallo*' },
      'uprobe-latency': { binary: LIBC, function: 'malloc' },
      'syscalls-by-process': { comm: 'sshd' },
      'read-write-sizes': { comm: 'sshd', pid: '1' },
      'profile-stacks': { pid: '1' },
    };
    for (const node of FLAVOUR_NODES) {
      it(`${node}: every snippet compiles; none of its programs is loaded`, async () => {
        const c = await openNode(node);
        try {
          const v = c.info.bpftrace?.version ?? '';
          const failed: string[] = [];
          const { calls } = await bpfCallsDuring(node, async () => {
            for (const s of SNIPPETS) {
              const r = await runCheck((cmd) => c.run(cmd), v, buildSnippet(s.id, params[s.id] ?? {}));
              if (!r.ok) failed.push(`${s.id}: ${r.diagnostics.map((d) => `${d.line ?? ''} ${d.message}`).join('; ')}`);
            }
          });
          assert.deepEqual(failed, []);
          assertNothingOfTheScript(calls, node);
        } finally {
          c.close();
        }
      });
    }
  });
});
