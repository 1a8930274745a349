import * as assert from 'node:assert/strict';
import { ToolError } from '../../src/core/base/errors';
import { progShow } from '../../src/core/bpftool/commands';
import { cli, FLAVOUR_NODES, lab, labSh, nodeConfig, openNode, tempXdg, writeConfig } from './labEnv';

describe('root, sudo -n, and neither', () => {
  before(() => labSh('deploy', 'edge1', 'counter_v1'));
  after(() => labSh('undeploy', 'edge1'));

  for (const node of FLAVOUR_NODES) {
    it(`${node}: a non-root user with NOPASSWD sudo for bpftool lists the same programs as root`, async () => {
      const asRoot = await openNode(node);
      const asUser = await openNode(node, { user: lab().sudoUser });
      try {
        assert.equal(asUser.info.uid === 0, false);
        assert.equal(asUser.info.sudo.bpftool, true);
        assert.equal(asUser.info.sudo.bpftrace, true);
        assert.match(asUser.commandLine(progShow()), /^sudo -n -- \/usr\/sbin\/bpftool -j -f prog show$/);
        const a = (await asRoot.run(progShow())).items.map((p) => p.id).sort();
        const b = (await asUser.run(progShow())).items.map((p) => p.id).sort();
        assert.deepEqual(b, a);
      } finally {
        asRoot.close();
        asUser.close();
      }
    });
  }

  it('a user without sudo rights: "needs root or sudo" (exit 4), on both flavours', async () => {
    for (const node of FLAVOUR_NODES) {
      const c = await openNode(node, { user: lab().noSudoUser });
      try {
        assert.equal(c.info.sudo.bpftool, false);
        await assert.rejects(c.run(progShow()), (e) => ToolError.is(e, 'needsRoot') && /needs root or sudo/.test(e.message));
      } finally {
        c.close();
      }
      const r = await cli(['list', '--config', writeConfig([nodeConfig(node, { user: lab().noSudoUser })]), '--node', node], {
        XDG_CONFIG_HOME: tempXdg(),
      });
      assert.equal(r.code, 4);
      assert.match(r.stderr, /needs root or sudo/);
    }
  });

  it('sudo "always" on a user without rights reaches sudo on the node and reports its refusal as needs-root', async () => {
    const c = await openNode('edge1', { user: lab().noSudoUser, sudo: 'always' });
    try {
      await assert.rejects(c.run(progShow()), (e) => ToolError.is(e, 'needsRoot'));
    } finally {
      c.close();
    }
  });
});
