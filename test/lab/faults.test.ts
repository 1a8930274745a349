import * as assert from 'node:assert/strict';
import { cli, labSh, nodeConfig, tempXdg, writeConfig } from './labEnv';

/**
 * bpftool misbehaving on one node. The faulty bpftool is a script bind-mounted over the real one
 * in that node's mount namespace only (lab.sh fault): truncated/malformed/empty output and a
 * crash cannot be had from a healthy bpftool. Named as the fake it is.
 */
describe('a node whose bpftool prints garbage or crashes (fake bpftool on that node only)', () => {
  const cases: [mode: string, node: string, kind: string, text: RegExp][] = [
    ['truncated', 'edge3', 'tool.badOutput', /truncated/],
    ['malformed', 'edge3', 'tool.badOutput', /not valid JSON/],
    ['empty', 'trixie1', 'tool.badOutput', /empty/],
    ['crash', 'edge3', 'tool.failed', /killed by signal 11|SIGSEGV/],
  ];
  // enough programs loaded that prog show prints well over the 150 bytes "truncated" keeps
  before(() => {
    for (const n of ['edge3', 'trixie1']) {
      labSh('deploy', n, 'counter_v1');
      labSh('deploy', n, 'xdp');
    }
  });
  after(() => {
    for (const n of ['edge3', 'trixie1']) labSh('undeploy', n);
  });
  afterEach(() => {
    labSh('unfault', 'edge3');
    labSh('unfault', 'trixie1');
  });

  for (const [mode, node, kind, text] of cases) {
    it(`${mode} (${node}): typed error ${kind}, exit 4, the other node still listed (exit 5)`, async () => {
      labSh('fault', node, mode);
      const other = node === 'edge3' ? 'edge2' : 'edge2';
      const cfg = writeConfig([nodeConfig(node), nodeConfig(other)]);
      const one = await cli(['list', '--config', cfg, '--node', node, '--json'], { XDG_CONFIG_HOME: tempXdg() });
      assert.equal(one.code, 4, one.stderr);
      const err = (JSON.parse(one.stdout) as { nodes: { error: { kind: string; message: string } }[] }).nodes[0]?.error;
      assert.equal(err?.kind, kind);
      assert.match(err?.message ?? '', text);
      const both = await cli(['list', '--config', cfg, '--node', `${node},${other}`, '--json'], { XDG_CONFIG_HOME: tempXdg() });
      assert.equal(both.code, 5);
      const nodes = (JSON.parse(both.stdout) as { nodes: { node: string; ok: boolean }[] }).nodes;
      assert.deepEqual(
        nodes.map((n) => [n.node, n.ok]),
        [
          [node, false],
          [other, true],
        ],
      );
    });
  }
});
