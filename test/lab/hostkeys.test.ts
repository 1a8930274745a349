import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationSource } from '../../src/core/base/cancel';
import { CancelledError, SshError } from '../../src/core/base/errors';
import type { NodeConfig } from '../../src/core/inventory/inventory';
import { NodeClient } from '../../src/ssh/nodeClient';
import type { HostKeyPrompt } from '../../src/ssh/connection';
import { figure } from './figures';
import { cli, context, inventory, lab, labNode, nodeConfig, openNode, tempDir, tempXdg, writeConfig } from './labEnv';

function tmpFile(content: string): string {
  const d = tempDir('ebpf-lens-kh-');
  const f = path.join(d, 'known_hosts');
  fs.writeFileSync(f, content);
  return f;
}

/** Count successful logins in a node's sshd log: proves whether a connection got past the host key. */
function accepted(node: string): number {
  const log = path.join(lab().labDir, 'nodes', node, 'sshd.log');
  return (fs.readFileSync(log, 'utf8').match(/Accepted /g) ?? []).length;
}

/**
 * Every case that must be refused is run through `refused`: it counts the logins on the nodes the
 * connection would reach (their sshd logs), before and after. The figure: connections that
 * completed with an unverified key (must be 0), out of the refused attempts.
 */
let refusals = 0;
let unverifiedLogins = 0;
async function refused<T>(nodes: readonly string[], attempt: () => Promise<T>): Promise<T> {
  const before = nodes.map(accepted);
  const r = await attempt();
  refusals++;
  const after = nodes.map(accepted);
  unverifiedLogins += after.reduce((n, a, i) => n + (a - (before[i] ?? 0)), 0);
  assert.deepEqual(after, before, `no login on ${nodes.join(', ')}`);
  return r;
}

describe('host keys are always verified', () => {
  const e1 = labNode('edge1');
  const e2 = labNode('edge2');
  after(() => {
    figure('host keys: refused attempts (changed, unknown, revoked, @cert-authority, jump hop, rejected prompt)', refusals);
    figure('host keys: connections completed with an unverified key', unverifiedLogins);
  });

  it('a changed key is refused as a possible man-in-the-middle, naming both fingerprints', async () => {
    const kh = tmpFile(`${e1.host} ${e2.hostKey}\n`); // edge1's address with edge2's key
    const r = await refused(['edge1'], () =>
      cli(['list', '--config', writeConfig([nodeConfig('edge1')], [kh]), '--node', 'edge1', '--accept-new'], {
        XDG_CONFIG_HOME: tempXdg(),
      }),
    );
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /HOST KEY CHANGED.*man-in-the-middle/);
    assert.ok(r.stderr.includes(e2.hostKeySha256), 'expected fingerprint named');
    assert.ok(r.stderr.includes(e1.hostKeySha256), 'seen fingerprint named');
  });

  it('an unknown key is not used without consent; --accept-new trusts and remembers it', async () => {
    const kh = tmpFile('');
    const xdg = tempXdg();
    const cfg = writeConfig([nodeConfig('edge1')], [kh]);
    const unknown = await refused(['edge1'], () => cli(['list', '--config', cfg, '--node', 'edge1', '--json'], { XDG_CONFIG_HOME: xdg }));
    assert.equal(unknown.code, 3);
    const j = JSON.parse(unknown.stdout) as { nodes: { error: { kind: string; message: string } }[] };
    assert.equal(j.nodes[0]?.error.kind, 'ssh.hostKeyUnknown');
    assert.ok(j.nodes[0]?.error.message.includes(e1.hostKeySha256));

    const accepting = await cli(['list', '--config', cfg, '--node', 'edge1', '--accept-new'], { XDG_CONFIG_HOME: xdg });
    assert.equal(accepting.code, 0, accepting.stderr);
    const store = fs.readFileSync(path.join(xdg, 'ebpf-lens', 'known_hosts'), 'utf8');
    assert.ok(store.includes(`${e1.host} ${e1.hostKey}`));
    assert.equal(fs.statSync(path.join(xdg, 'ebpf-lens', 'known_hosts')).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(kh, 'utf8'), '', "the user's own known_hosts is never written");
    const again = await cli(['list', '--config', cfg, '--node', 'edge1'], { XDG_CONFIG_HOME: xdg });
    assert.equal(again.code, 0, again.stderr);
  });

  it('@revoked: a revoked key is refused even if also listed as trusted', async () => {
    const kh = tmpFile(`${e1.host} ${e1.hostKey}\n@revoked * ${e1.hostKey}\n`);
    const r = await refused(['edge1'], () =>
      cli(['list', '--config', writeConfig([nodeConfig('edge1')], [kh]), '--node', 'edge1', '--accept-new'], {
        XDG_CONFIG_HOME: tempXdg(),
      }),
    );
    assert.equal(r.code, 3);
    assert.match(r.stderr, /REVOKED host key/);
  });

  it('@cert-authority: certificates cannot be checked with ssh2, so such a host is unknown, and --accept-new does not trust it', async () => {
    // edge1 covered only by a CA line (any CA key: the node presents a plain key either way)
    const kh = tmpFile(`@cert-authority ${e1.host} ${e2.hostKey}\n`);
    const xdg = tempXdg();
    const cfg = writeConfig([nodeConfig('edge1')], [kh]);
    for (const extra of [[], ['--accept-new']]) {
      const r = await refused(['edge1'], () => cli(['list', '--config', cfg, '--node', 'edge1', ...extra], { XDG_CONFIG_HOME: xdg }));
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /not known.*only an @cert-authority line covers this host; certificates cannot be checked here/);
    }
    assert.equal(fs.existsSync(path.join(xdg, 'ebpf-lens', 'known_hosts')), false, 'nothing was trusted');
    // in the editor the prompt says so, and a rejected prompt is refused
    const asked: HostKeyPrompt[] = [];
    const ctx = context({
      knownHosts: [kh],
      xdg,
      onUnknownHostKey: async (p) => {
        asked.push(p);
        return 'reject';
      },
    });
    await refused(['edge1'], () => assert.rejects(openNode('edge1', {}, ctx), (e) => SshError.is(e, 'hostKeyUnknown')));
    assert.equal(asked[0]?.certAuthorityOnly, true);
  });

  it('hashed known_hosts entries (ssh-keygen -H) and [host]:port entries verify', async () => {
    const kh = tmpFile(fs.readFileSync(lab().knownHosts, 'utf8'));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'ignore' });
    assert.ok(fs.readFileSync(kh, 'utf8').startsWith('|1|'));
    const r = await cli(['list', '--config', writeConfig([nodeConfig('edge1'), nodeConfig('lo1')], [kh]), '--node', 'edge1,lo1'], {
      XDG_CONFIG_HOME: tempXdg(),
    });
    assert.equal(r.code, 0, r.stderr);
  });

  it('the prompt callback gets the real fingerprint; once is not remembered, always is, reject refuses', async () => {
    const kh = tmpFile('');
    const xdg = tempXdg();
    const prompts: HostKeyPrompt[] = [];
    const ctx = (d: 'once' | 'always' | 'reject') =>
      context({
        knownHosts: [kh],
        xdg,
        onUnknownHostKey: async (p) => {
          prompts.push(p);
          return d;
        },
      });
    await refused(['edge2'], () => assert.rejects(openNode('edge2', {}, ctx('reject')), (e) => SshError.is(e, 'hostKeyUnknown')));
    assert.equal(prompts[0]?.fingerprint, e2.hostKeySha256);
    assert.equal(prompts[0]?.keyType, 'ssh-ed25519');
    const once = await openNode('edge2', {}, ctx('once'));
    once.close();
    assert.equal(fs.existsSync(path.join(xdg, 'ebpf-lens', 'known_hosts')), false);
    const always = await openNode('edge2', {}, ctx('always'));
    always.close();
    assert.ok(fs.readFileSync(path.join(xdg, 'ebpf-lens', 'known_hosts'), 'utf8').includes(e2.hostKey));
    // now known: no prompt
    const n = prompts.length;
    (await openNode('edge2', {}, ctx('reject'))).close();
    assert.equal(prompts.length, n);
  });

  it('a ProxyJump hop is verified too: a changed key on the jump host refuses the whole chain', async () => {
    const j = labNode('jump1');
    const good = fs.readFileSync(lab().knownHosts, 'utf8');
    const kh = tmpFile(good.replace(`${j.host} ${j.hostKey}`, `${j.host} ${e2.hostKey}`));
    await refused(['jump1', 'hidden1'], () =>
      assert.rejects(openNode('hidden1', {}, context({ knownHosts: [kh] }), [nodeConfig('jump1')]), (e) =>
        SshError.is(e, 'hostKeyMismatch'),
      ),
    );
  });
});

describe('authentication', () => {
  it('a key the node does not accept: a clear authentication error (exit 3)', async () => {
    const r = await cli(
      ['list', '--config', writeConfig([nodeConfig('edge1', { identityFile: lab().wrongKey })]), '--node', 'edge1', '--json'],
      {
        XDG_CONFIG_HOME: tempXdg(),
      },
    );
    assert.equal(r.code, 3);
    const err = (JSON.parse(r.stdout) as { nodes: { error: { kind: string; message: string } }[] }).nodes[0]?.error;
    assert.equal(err?.kind, 'ssh.authFailed');
    assert.match(err?.message ?? '', /authentication failed for root@10\.200\.0\.11:22 \(tried: key .*wrong_ed25519\)/);
  });

  it('password: the right one logs in; a prompt that ignores check is asked three times (as OpenSSH), then a clear authentication error', async () => {
    const password = fs.readFileSync(lab().passwordFile, 'utf8').trim();
    const asked: string[] = [];
    const ctx = (pw: string) =>
      context({
        askPassword: async (p) => {
          asked.push(`${p.user}@${p.host} #${p.attempt}`);
          return pw;
        },
      });
    const who = `${lab().sudoUser}@${labNode('edge3').host}`;
    const c = await openNode('edge3', { user: lab().sudoUser, identityFile: [] }, ctx(password));
    assert.equal(c.info.user, lab().sudoUser);
    c.close();
    assert.deepEqual(asked, [`${who} #1`]);
    asked.length = 0;
    await assert.rejects(
      openNode('edge3', { user: lab().sudoUser, identityFile: [] }, ctx('wrong-password')),
      (e) => SshError.is(e, 'authFailed') && /password/.test(e.message),
    );
    assert.deepEqual(asked, [`${who} #1`, `${who} #2`, `${who} #3`]);
  });

  it('password: a prompt that checks in place gets false for a wrong one and true for the right one, on the same connection, and is not asked again', async () => {
    const password = fs.readFileSync(lab().passwordFile, 'utf8').trim();
    const seen: string[] = [];
    const c = await openNode(
      'edge3',
      { user: lab().sudoUser, identityFile: [] },
      context({
        askPassword: async ({ attempt, check, signal }) => {
          seen.push(`asked #${attempt}`);
          for (const pw of ['wrong-1', 'wrong-2', password]) {
            const ok = await check(pw);
            seen.push(`${pw === password ? 'right' : pw}: ${ok}`);
            if (ok) break;
          }
          assert.equal(signal.aborted, false);
          return password;
        },
      }),
    );
    assert.equal(c.info.user, lab().sudoUser);
    c.close();
    assert.deepEqual(seen, ['asked #1', 'wrong-1: false', 'wrong-2: false', 'right: true']);
  });

  it('password: a saved one that is refused is followed by a prompt saying so (attempt 2); a cancelled prompt is an authentication error', async () => {
    const password = fs.readFileSync(lab().passwordFile, 'utf8').trim();
    const attempts: number[] = [];
    const c = await openNode(
      'edge3',
      { user: lab().sudoUser, identityFile: [] },
      context({
        passwordFor: async () => 'an-old-password',
        askPassword: async ({ attempt }) => {
          attempts.push(attempt);
          return password;
        },
      }),
    );
    c.close();
    assert.deepEqual(attempts, [2]);
    await assert.rejects(
      openNode('edge3', { user: lab().sudoUser, identityFile: [] }, context({ askPassword: async () => undefined })),
      (e) => SshError.is(e, 'authFailed'),
    );
  });

  it("password: when the node stops taking passwords (sshd's MaxAuthTries), the open prompt's signal ends and the error is clear", async () => {
    let aborted = false;
    let checks = 0;
    await assert.rejects(
      openNode(
        'edge3',
        { user: lab().sudoUser, identityFile: [] },
        context({
          askPassword: async ({ check, signal }) => {
            signal.addEventListener('abort', () => (aborted = true));
            // a person who keeps typing wrong passwords into the box
            while (!signal.aborted && checks < 20) {
              checks++;
              await check(`wrong-${checks}`);
            }
            return undefined;
          },
        }),
      ),
      (e) =>
        SshError.is(e, 'authFailed') && /the node ended the tries \(Too many authentication failures; tried: password\)/.test(e.message),
    );
    assert.equal(aborted, true, 'the prompt was told it is no longer wanted');
    assert.ok(checks >= 2 && checks < 20, `sshd ends the tries (${checks} checks)`);
  });

  it('password: a prompt closed while its check is still with the node (Escape) fails at once as an authentication error, not a timeout', async () => {
    const t0 = Date.now();
    await assert.rejects(
      openNode(
        'edge3',
        { user: lab().sudoUser, identityFile: [] },
        context({
          connectTimeoutMs: 20_000,
          askPassword: async ({ check }) => {
            void check('wrong-then-escape');
            return undefined;
          },
        }),
      ),
      (e) => SshError.is(e, 'authFailed'),
    );
    assert.ok(Date.now() - t0 < 10_000, `failed after ${Date.now() - t0} ms`);
  });

  it('password after a key whose passphrase was not given: the node is asked for its methods first, and the password logs in', async () => {
    const password = fs.readFileSync(lab().passwordFile, 'utf8').trim();
    const c = await openNode(
      'edge3',
      { user: lab().sudoUser, identityFile: lab().passphraseKey },
      context({ askPassphrase: async () => undefined, askPassword: async ({ check }) => ((await check(password)) ? password : undefined) }),
    );
    assert.equal(c.info.user, lab().sudoUser);
    c.close();
  });

  it('a stale SSH_AUTH_SOCK (no agent there) is skipped: the identity file still logs in', async () => {
    const c = await openNode('edge1', {}, context({ agent: path.join(tempDir('ebpf-lens-noagent-'), 'gone.sock') }));
    assert.equal(c.info.uid, 0);
    c.close();
  });

  it('a connect cancelled while its password prompt is open ends the prompt (its signal) and fails as cancelled', async () => {
    const source = new CancellationSource();
    let aborted = false;
    const inv = inventory([nodeConfig('edge3', { user: lab().sudoUser, identityFile: [] })]);
    const opening = NodeClient.open(
      inv[0] as NodeConfig,
      inv,
      context({
        askPassword: ({ signal }) =>
          new Promise((resolve) => {
            setTimeout(() => source.cancel(), 200);
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve(undefined);
            });
          }),
      }),
      source.token,
    );
    await assert.rejects(opening, (e) => CancelledError.is(e));
    assert.equal(aborted, true);
  });

  it('a passphrase-protected key: the injected prompt is asked again after a wrong answer', async () => {
    const pass = fs.readFileSync(lab().passphraseFile, 'utf8').trim();
    const attempts: number[] = [];
    const c = await openNode(
      'edge1',
      { identityFile: lab().passphraseKey },
      context({
        askPassphrase: async ({ attempt }) => {
          attempts.push(attempt);
          return attempt === 1 ? 'wrong' : pass;
        },
      }),
    );
    c.close();
    assert.deepEqual(attempts, [1, 2]);
  });

  it("a passphrase-protected key: the prompt's check tells a wrong passphrase from the right one, and the right one is taken without asking again", async () => {
    const pass = fs.readFileSync(lab().passphraseFile, 'utf8').trim();
    const seen: { attempt: number; wrong: boolean; right: boolean }[] = [];
    const c = await openNode(
      'edge1',
      { identityFile: lab().passphraseKey },
      context({
        askPassphrase: async ({ attempt, check }) => {
          seen.push({ attempt, wrong: check('wrong'), right: check(pass) });
          return pass;
        },
      }),
    );
    assert.equal(c.info.uid, 0);
    c.close();
    assert.deepEqual(seen, [{ attempt: 1, wrong: false, right: true }]);
  });

  it('ssh-agent', async () => {
    const dir = tempDir('ebpf-lens-agent-');
    const sock = path.join(dir, 'agent.sock');
    const out = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
    try {
      execFileSync('ssh-add', [lab().clientKey], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const c = await openNode('edge1', { identityFile: [] }, context({ agent: sock }));
      assert.equal(c.info.uid, 0);
      c.close();
    } finally {
      process.kill(pid);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ProxyJump through the jump node reaches a node nothing else can reach', async () => {
    const hidden = labNode('hidden1');
    const direct = await cli(
      ['list', '--config', writeConfig([{ ...nodeConfig('hidden1'), proxyJump: undefined }]), '--node', 'hidden1', '--timeout', '3'],
      {
        XDG_CONFIG_HOME: tempXdg(),
      },
    );
    assert.equal(direct.code, 3, 'hidden1 is not reachable without the jump');
    const r = await cli(['list', '--config', writeConfig([nodeConfig('jump1'), nodeConfig('hidden1')]), '--node', 'hidden1', '--json'], {
      XDG_CONFIG_HOME: tempXdg(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(hidden.proxyJump, 'jump1');
  });

  it('a jump host that forbids forwarding gives a clear proxy-jump error', async () => {
    await assert.rejects(
      openNode('hidden1', { proxyJump: 'edge2' }, context(), [nodeConfig('edge2')]),
      (e) => SshError.is(e, 'proxyJump') && /edge2|10\.200\.0\.12/.test(e.message),
    );
  });
});
