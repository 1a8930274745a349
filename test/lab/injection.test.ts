import * as assert from 'node:assert/strict';
import type { RemoteCommand } from '../../src/core/remote/command';
import { failure } from '../../src/core/remote/command';
import { countScript } from '../../src/core/annotate/measure';
import { listProbesCommand } from '../../src/core/bpftrace/nodeTools';
import { parse } from '../../src/core/bpftrace/parser';
import { InputError, ToolError } from '../../src/core/base/errors';
import { parseNodes } from '../../src/core/inventory/inventory';
import { SNIPPETS, buildSnippet } from '../../src/core/trace/library';
import { writeScript } from '../../src/core/trace/guard';
import { TraceRun } from '../../src/ssh/trace';
import { HOSTILE, hostileStrings } from '../support/hostile';
import { figure } from './figures';
import { cli, context, FLAVOUR_NODES, inventory, lab, nodeConfig, onNode, openNode, tempXdg, writeConfig } from './labEnv';
import { NodeClient } from '../../src/ssh/nodeClient';

const CANARY = '/tmp/ebpf-lens-canary';
const ATTACKS = [
  ...HOSTILE,
  `; touch ${CANARY}`,
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `'; touch ${CANARY}; '`,
  `"; touch ${CANARY}; "`,
  `\ntouch ${CANARY}\n`,
  `| touch ${CANARY}`,
  `&& touch ${CANARY}`,
  `-exec touch ${CANARY} ;`,
];

/** printf each argument back, NUL-terminated: what the node received, byte for byte. */
function echoArgs(args: readonly string[], root = false): RemoteCommand<string[]> {
  return {
    title: 'printf',
    argv: ['printf', '%s\\0', ...args],
    root,
    interpret: (out) => {
      if (out.code !== 0) throw failure('printf', out);
      return out.stdout.split('\0').slice(0, -1);
    },
  };
}

function canaryExists(node: string): boolean {
  try {
    onNode(node, ['test', '-e', CANARY]);
    return true;
  } catch {
    return false;
  }
}

describe('hostile strings reach the node as literal data, or are rejected', () => {
  for (const node of FLAVOUR_NODES) {
    it(`${node}: every attack string arrives as exactly one argument, no canary`, async () => {
      const c = await openNode(node);
      try {
        const got = await c.run(echoArgs(ATTACKS));
        assert.deepEqual(got, ATTACKS);
        // and one at a time (each its own command line)
        for (const a of ATTACKS) assert.deepEqual(await c.run(echoArgs([a])), [a]);
      } finally {
        c.close();
      }
      assert.equal(canaryExists(node), false);
    });
  }

  it('through sudo too: hostile paths given to bpftool as root arrive literally (bpftool names them)', async () => {
    const c = await openNode('edge1', { user: lab().sudoUser });
    try {
      for (const a of ATTACKS.filter((s) => s.startsWith('/') || s.includes('touch'))) {
        const path = a.startsWith('/') ? a : `/sys/fs/bpf/${a}`;
        if (path.includes('\0')) continue;
        const cmd: RemoteCommand<string> = {
          title: 'bpftool map show pinned',
          argv: ['bpftool', 'map', 'show', 'pinned', path],
          root: true,
          interpret: (out) => out.stderr,
        };
        const stderr = await c.run(cmd);
        assert.match(stderr, /Error|No such file|can't|bpf obj get/i, `bpftool should have refused ${JSON.stringify(path)}`);
      }
    } finally {
      c.close();
    }
    assert.equal(canaryExists('edge1'), false);
  });

  it('hostile node names, users and hosts in a config are rejected before anything connects', async () => {
    for (const a of ATTACKS) {
      if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(a)) continue;
      for (const field of ['name', 'user', 'host']) {
        const node = { name: 'edge1', host: '10.200.0.11', user: 'root', identityFile: lab().clientKey, [field]: a };
        const r = await cli(['list', '--config', writeConfig([node]), '--all'], { XDG_CONFIG_HOME: tempXdg() });
        assert.equal(r.code, 2, `${field}=${JSON.stringify(a).slice(0, 40)}: ${r.stderr}`);
        assert.match(r.stderr, /not allowed|not a valid|must be|is required/);
      }
    }
    assert.equal(canaryExists('edge1'), false);
  });

  it('hostile --node values are a usage error naming the known nodes', async () => {
    const cfg = writeConfig([{ name: 'edge1', host: '10.200.0.11', user: 'root', identityFile: lab().clientKey }]);
    for (const a of [`$(touch ${CANARY})`, '-rf', `edge1;touch ${CANARY}`]) {
      const r = await cli(['list', '--config', cfg, '--node', a], { XDG_CONFIG_HOME: tempXdg() });
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /unknown node .*known: edge1|--node was given "-rf", which starts with "-" like an option; .* write --node=-rf/,
      );
    }
  });
});

/** a script's structure: its items, each probe's number of attach points, its filter, its statements */
function shape(script: string): string[] {
  const { program, diagnostics } = parse(script);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return program.items.map((i) =>
    i.kind === 'probe' ? `probe ${i.attachPoints.length} ${i.predicate ? 'filter' : ''} ${i.body.statements.length}` : i.kind,
  );
}

describe('generated hostile strings (≥ 500) through every place a user string reaches a node', function () {
  this.timeout(600_000);
  const GEN = hostileStrings(500, CANARY);
  const tally = { literal: 0, rejected: 0, ran: 0 };
  const literal = (): void => void tally.literal++;
  const rejected = (e: unknown, what: string): void => {
    // a clear, typed refusal, never a crash or a stack trace
    assert.ok(
      (e instanceof InputError || e instanceof ToolError || e instanceof Error) &&
        /not allowed|not a |must be|NUL|cannot|required|invalid|is not|start with/i.test(e.message),
      `${what}: ${e instanceof Error ? e.message : String(e)}`,
    );
    tally.rejected++;
  };
  after(() => {
    tally.ran = canaryExists('edge1') || canaryExists('trixie1') ? 1 : 0;
    figure('hostile strings generated', GEN.length);
    figure('hostile inputs that reached a node as literal data', tally.literal);
    figure('hostile inputs rejected with a clear error', tally.rejected);
    figure('hostile inputs that ran anything (canary)', tally.ran);
  });

  it(`${GEN.length} strings as command arguments (as root, and as a non-root user): each arrives byte for byte, or NUL is refused`, async () => {
    assert.ok(GEN.length >= 500);
    for (const user of ['root', lab().sudoUser]) {
      const c = await openNode('edge1', { user });
      try {
        for (const a of GEN) {
          try {
            assert.deepEqual(await c.run(echoArgs([a])), [a]);
            literal();
          } catch (e) {
            assert.ok(a.includes('\0'), `${JSON.stringify(a.slice(0, 60))}: ${e instanceof Error ? e.message : String(e)}`);
            rejected(e, 'a NUL byte');
          }
        }
      } finally {
        c.close();
      }
    }
    assert.equal(canaryExists('edge1'), false);
  });

  it('as a trace script’s text (written through stdin to a 0600 temp file): the file holds exactly the text', async () => {
    const c = await openNode('trixie1');
    try {
      for (const a of GEN) {
        let p: string;
        try {
          p = await c.run(writeScript(a));
        } catch (e) {
          rejected(e, 'script text');
          continue;
        }
        const back: RemoteCommand<string> = {
          title: 'cat',
          argv: ['sh', '-c', 'cat "$1"; rm -f "$1"', 'x', p],
          root: false,
          interpret: (o) => o.stdout,
        };
        assert.equal(await c.run(back), a);
        literal();
      }
    } finally {
      c.close();
    }
    assert.equal(canaryExists('trixie1'), false);
  });

  it('as probe patterns for completion (bpftrace -l), binaries and functions of the one-liners and of call counting: literal, or refused before anything runs', async () => {
    const c = await openNode('edge1');
    try {
      // bpftrace -l takes ~50 ms to start: every 10th string
      for (const a of GEN.filter((_x, i) => i % 10 === 0)) {
        let cmd;
        try {
          cmd = listProbesCommand(`uprobe:${a}:*`);
        } catch (e) {
          rejected(e, 'probe pattern');
          continue;
        }
        // bpftrace gets the pattern as one argument: it lists what matches, or says it is not a probe
        await c
          .run(cmd)
          .catch((e: unknown) =>
            assert.match(e instanceof Error ? e.message : String(e), /bpftrace -l .*exited with status|ERROR|No probes/s),
          );
        literal();
      }
      for (const a of GEN) {
        for (const s of SNIPPETS) {
          for (const p of s.params) {
            const base = Object.fromEntries(
              s.params
                .filter((q) => !q.optional)
                .map((q) => [q.name, q.kind === 'binary' ? '/usr/bin/true' : q.kind === 'pid' ? '1' : q.kind === 'ms' ? '10' : 'x']),
            );
            let script: string;
            try {
              script = buildSnippet(s.id, { ...base, [p.name]: a });
            } catch (e) {
              rejected(e, `${s.id}.${p.name}`);
              continue;
            }
            // accepted: the value is data in the script (a string literal, or a checked name in an
            // attach point); the script has exactly the shape it has with a harmless value
            const harmless =
              a.trim() === '' && p.optional
                ? base
                : { ...base, [p.name]: p.kind === 'pid' ? '1' : p.kind === 'ms' ? '10' : p.kind === 'binary' ? '/usr/bin/true' : 'x' };
            assert.deepEqual(
              shape(script),
              shape(buildSnippet(s.id, harmless)),
              `${s.id}.${p.name} = ${JSON.stringify(a.slice(0, 60))} changed the script`,
            );
            literal();
          }
        }
        try {
          countScript({ binary: a, plan: { exact: ['main'], patterns: [], skipped: [] }, windowSec: 1 });
          assert.doesNotMatch(a, /[;|&$`\\"'\n(){}<> ]/);
          literal();
        } catch (e) {
          rejected(e, 'binary for call counts');
        }
        try {
          countScript({ binary: '/usr/bin/true', plan: { exact: [a], patterns: [], skipped: [] }, windowSec: 1 });
          assert.match(a, /^[A-Za-z_$][\w$.@]*$/);
          literal();
        } catch (e) {
          rejected(e, 'symbol for call counts');
        }
      }
    } finally {
      c.close();
    }
    assert.equal(canaryExists('edge1'), false);
  });

  it('as node names, users, hosts, jump hosts, key files and scopes in a node list: refused with a message, or kept as data (a user name goes to SSH, never to a shell)', async () => {
    const base = nodeConfig('edge1');
    for (const a of GEN) {
      for (const field of ['name', 'user', 'host', 'proxyJump', 'identityFile', 'port']) {
        const r = parseNodes([{ ...base, [field]: a }], 'configFile');
        if (r.errors.length > 0) {
          assert.ok(r.errors.every((e) => typeof e.message === 'string' && e.message.length > 0));
          tally.rejected++;
        } else tally.literal++;
      }
      const sc = parseNodes([{ ...base, scope: { pinPrefixes: [a], namePatterns: [a] } }], 'configFile');
      if (sc.errors.length) tally.rejected++;
      else tally.literal++;
    }
    // accepted user names go to SSH as data: the node refuses the login, nothing runs (30 of them: a login takes ~0.3 s)
    const users = GEN.filter((a) => parseNodes([{ ...base, user: a }], 'configFile').errors.length === 0);
    figure('hostile user names accepted (sent to SSH as data)', users.length);
    for (const a of users.filter((_u, i) => i % Math.max(1, Math.floor(users.length / 30)) === 0).slice(0, 30)) {
      const inv = inventory([{ ...base, user: a }]);
      await assert.rejects(
        NodeClient.open(inv[0] as (typeof inv)[number], inv, context()),
        (e: unknown) => e instanceof Error && /authentication|denied|not allowed|user/i.test(e.message),
      );
      tally.literal++;
    }
    assert.equal(canaryExists('edge1'), false);
  });

  it('system() in a script does not run without --unsafe, which eBPF Lens never passes', async () => {
    const c = await openNode('edge1');
    try {
      const t = await TraceRun.start(c, { script: `BEGIN { system("touch ${CANARY}"); exit(); }`, maxSec: 20 });
      const o = await t.finished;
      assert.equal(o.state, 'failed');
      assert.match(o.error?.message ?? '', /unsafe/i);
    } finally {
      c.close();
    }
    assert.equal(canaryExists('edge1'), false);
  });
});
