import * as assert from 'node:assert/strict';
import type { RemoteCommand } from '../../src/core/command';
import { failure } from '../../src/core/command';
import { HOSTILE } from '../support/hostile';
import { cli, lab, onNode, openNode, tempXdg, writeConfig } from './labEnv';

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
  for (const node of ['edge1', 'trixie1']) {
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
      assert.match(r.stderr, /unknown node .*known: edge1|'--node' argument is ambiguous/);
    }
  });
});
