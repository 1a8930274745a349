import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectConfig, ServerConfig } from 'ssh2';
import { Client, Server, utils } from 'ssh2';
import { SshError } from '../../src/core/base/errors';
import { authPlan } from '../../src/ssh/handshake/authPlan';
import type { HandshakeFacts, Ssh2Error } from '../../src/ssh/handshake/classifyError';
import {
  classifyHandshakeError,
  closedDuringHandshake,
  lostConnectionError,
  socketError,
  socketTimeout,
} from '../../src/ssh/handshake/classifyError';
import { openSocket } from '../../src/ssh/handshake/socket';

const TARGET = 'ops@10.0.0.9:22';
const nothingTried: HandshakeFacts = { target: TARGET, tried: [], unusable: [] };
const keysTried: HandshakeFacts = {
  target: TARGET,
  tried: ['ssh-agent', 'key /home/ops/.ssh/id_ed25519'],
  unusable: ['/home/ops/.ssh/id_rsa (no such file)'],
};

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** a local port nothing listens on */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** The first error a real ssh2 client emits against `server` (or a closed port). */
async function captureSsh2Error(server: net.Server | undefined, config: ConnectConfig = {}): Promise<Ssh2Error> {
  const port = server ? await listen(server) : await closedPort();
  const client = new Client();
  try {
    return await new Promise<Ssh2Error>((resolve, reject) => {
      client.on('error', resolve);
      client.on('close', () => reject(new Error('closed without an error')));
      client.connect({ host: '127.0.0.1', port, username: 'ops', readyTimeout: 5000, hostVerifier: () => true, ...config });
    });
  } finally {
    client.end();
    server?.close();
  }
}

const hostKey = utils.generateKeyPairSync('ed25519').private;

/** an ssh2 server that refuses every login */
function refusingServer(algorithms?: ServerConfig['algorithms']): Server {
  return new Server({ hostKeys: [hostKey], ...(algorithms ? { algorithms } : {}) }, (c) => {
    c.on('error', () => undefined);
    c.on('authentication', (ctx) => ctx.reject(['password', 'publickey']));
  });
}

/** A DISCONNECT from the server, as ssh2's client makes it (lib/client.js: an Error with the reason as a numeric `code`). */
function disconnect(description: string, reason: number): Ssh2Error {
  return Object.assign(new Error(description), { code: reason });
}

describe('ssh handshake: ssh2 errors as typed errors', function () {
  this.timeout(20_000);

  it('"All configured authentication methods failed" (client-authentication): authFailed naming what was tried and the unusable keys', async () => {
    const e = await captureSsh2Error(refusingServer(), { password: 'wrong' });
    assert.equal(e.level, 'client-authentication');
    assert.equal(e.message, 'All configured authentication methods failed');
    const r = classifyHandshakeError(e, keysTried);
    assert.ok(SshError.is(r, 'authFailed'));
    assert.equal(
      r.message,
      'authentication failed for ops@10.0.0.9:22 (tried: ssh-agent, key /home/ops/.ssh/id_ed25519); could not use identity file /home/ops/.ssh/id_rsa (no such file)',
    );
    assert.deepEqual(r.detail, { tried: keysTried.tried, unusable: keysTried.unusable });
    const none = classifyHandshakeError(e, nothingTried);
    assert.equal(none?.message, 'authentication failed for ops@10.0.0.9:22 (tried: no usable key, agent or password)');
    const two = classifyHandshakeError(e, { ...nothingTried, unusable: ['/a (no such file)', '/b (permission denied)'] });
    assert.match(two?.message ?? '', /; could not use identity files \/a \(no such file\), \/b \(permission denied\)$/);
  });

  it('a key that cannot sign (client-authentication, "Error signing data with key"): authFailed', () => {
    // lib/client.js, USERAUTH_PK_OK: the key's sign() error, its message prefixed, level set
    const e: Ssh2Error = Object.assign(new Error('Error signing data with key: unsupported'), { level: 'client-authentication' });
    assert.equal(classifyHandshakeError(e, keysTried)?.reason, 'authFailed');
  });

  it('a DISCONNECT while logging in (sshd MaxAuthTries): authFailed, the node ended the tries', () => {
    const r = classifyHandshakeError(disconnect('Too many authentication failures', 2), keysTried);
    assert.ok(SshError.is(r, 'authFailed'));
    assert.equal(
      r.message,
      'authentication failed for ops@10.0.0.9:22: the node ended the tries (Too many authentication failures; tried: ssh-agent, key /home/ops/.ssh/id_ed25519); could not use identity file /home/ops/.ssh/id_rsa (no such file)',
    );
    assert.deepEqual(r.detail, { tried: keysTried.tried, unusable: keysTried.unusable });
  });

  it('a DISCONNECT before any login step: disconnected, "hung up", with the reason code', () => {
    const r = classifyHandshakeError(disconnect('Too many connections', 12), nothingTried);
    assert.ok(SshError.is(r, 'disconnected'));
    assert.equal(r.message, 'ops@10.0.0.9:22 hung up: Too many connections');
    assert.deepEqual(r.detail, { code: 12 });
  });

  it('a refused host key ("Host denied", level handshake): the verdict the verifier left, not ssh2 words', async () => {
    const e = await captureSsh2Error(refusingServer(), { password: 'x', hostVerifier: () => false });
    assert.equal(e.level, 'handshake');
    assert.equal(e.message, 'Host denied (verification failed)');
    const verdict = new SshError('hostKeyMismatch', 'HOST KEY CHANGED for edge1');
    assert.equal(classifyHandshakeError(e, { ...nothingTried, hostKeyError: verdict }), verdict);
    // the verdict wins over any error that follows it, auth ones too
    assert.equal(classifyHandshakeError(disconnect('bye', 3), { ...keysTried, hostKeyError: verdict }), verdict);
    assert.equal(closedDuringHandshake(TARGET, verdict), verdict);
  });

  it('no common key exchange ("Handshake failed", level handshake): disconnected with ssh2 words', async () => {
    const e = await captureSsh2Error(refusingServer({ kex: ['diffie-hellman-group1-sha1'] }), { password: 'x' });
    assert.equal(e.level, 'handshake');
    const r = classifyHandshakeError(e, nothingTried);
    assert.ok(SshError.is(r, 'disconnected'));
    assert.equal(r.message, 'ops@10.0.0.9:22: Handshake failed: no matching key exchange algorithm');
  });

  it('not an SSH server: "Invalid identification string" and "Connection lost before handshake" are disconnected', async () => {
    const garbage = net.createServer((s) => {
      s.on('error', () => undefined);
      s.end('SSH-garbage\r\n');
    });
    const ident = await captureSsh2Error(garbage);
    assert.equal(ident.message, 'Invalid identification string');
    assert.deepEqual(
      classifyHandshakeError(ident, nothingTried),
      new SshError('disconnected', 'ops@10.0.0.9:22: Invalid identification string'),
    );
    const lost = await captureSsh2Error(net.createServer((s) => s.destroy()));
    assert.equal(lost.level, 'protocol');
    const r = classifyHandshakeError(lost, nothingTried);
    assert.ok(SshError.is(r, 'disconnected'));
    assert.equal(r.message, 'ops@10.0.0.9:22: Connection lost before handshake');
  });

  it('client-timeout ("Timed out while waiting for handshake", "Keepalive timeout"): timeout', async () => {
    const silent = net.createServer((s) => s.on('error', () => undefined));
    const e = await captureSsh2Error(silent, { readyTimeout: 300 });
    assert.equal(e.level, 'client-timeout');
    const r = classifyHandshakeError(e, nothingTried);
    assert.ok(SshError.is(r, 'timeout'));
    assert.equal(r.message, 'ops@10.0.0.9:22: Timed out while waiting for handshake');
    // lib/client.js sendKA: the keepalives went unanswered
    const ka: Ssh2Error = Object.assign(new Error('Keepalive timeout'), { level: 'client-timeout' });
    assert.equal(classifyHandshakeError(ka, keysTried)?.reason, 'timeout');
  });

  it('client-socket (ECONNREFUSED, ECONNRESET): unreachable with the errno name', async () => {
    const e = await captureSsh2Error(undefined);
    assert.equal(e.level, 'client-socket');
    assert.equal(e.code, 'ECONNREFUSED');
    const r = classifyHandshakeError(e, nothingTried);
    assert.ok(SshError.is(r, 'unreachable'));
    assert.match(r.message, /^ops@10\.0\.0\.9:22: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    assert.deepEqual(r.detail, { code: 'ECONNREFUSED' });
    const reset: Ssh2Error = Object.assign(new Error('read ECONNRESET'), {
      errno: -104,
      code: 'ECONNRESET',
      syscall: 'read',
      level: 'client-socket',
    });
    assert.deepEqual(
      classifyHandshakeError(reset, keysTried),
      new SshError('unreachable', 'ops@10.0.0.9:22: read ECONNRESET', { code: 'ECONNRESET' }),
    );
  });

  it('an unreachable or failing ssh-agent (level agent) is no failure: ssh2 goes on with the next method', () => {
    const e: Ssh2Error = Object.assign(new Error('connect ENOENT /tmp/ssh-XXXX/agent.1'), { level: 'agent' });
    assert.equal(classifyHandshakeError(e, keysTried), undefined);
    assert.equal(classifyHandshakeError(e, { ...keysTried, hostKeyError: new SshError('hostKeyUnknown', 'x') }), undefined);
  });

  it('the socket closed during the handshake with no error first: disconnected', () => {
    assert.deepEqual(
      closedDuringHandshake(TARGET, undefined),
      new SshError('disconnected', 'ops@10.0.0.9:22 closed the connection during the handshake'),
    );
  });

  it('an error after login: the connection was lost (timeout when the keepalives went unanswered)', () => {
    const ka: Ssh2Error = Object.assign(new Error('Keepalive timeout'), { level: 'client-timeout' });
    assert.deepEqual(lostConnectionError(ka, 'edge1'), new SshError('timeout', 'the connection to edge1 was lost: Keepalive timeout'));
    const reset: Ssh2Error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', level: 'client-socket' });
    assert.deepEqual(
      lostConnectionError(reset, 'edge1'),
      new SshError('disconnected', 'the connection to edge1 was lost: read ECONNRESET'),
    );
  });
});

describe('ssh handshake: the TCP connect', () => {
  it('a refused port (a real ECONNREFUSED): unreachable, "cannot reach host:port: ECONNREFUSED"', async () => {
    const port = await closedPort();
    await assert.rejects(openSocket('127.0.0.1', port, 5000), (e: unknown) => {
      assert.ok(SshError.is(e, 'unreachable'));
      assert.equal(e.message, `cannot reach 127.0.0.1:${port}: ECONNREFUSED`);
      assert.deepEqual(e.detail, { code: 'ECONNREFUSED' });
      return true;
    });
  });

  it('EHOSTUNREACH and ENOTFOUND (as node reports them): unreachable, the errno name said', () => {
    const unreach = Object.assign(new Error('connect EHOSTUNREACH 10.0.0.9:22'), {
      errno: -113,
      code: 'EHOSTUNREACH',
      syscall: 'connect',
      address: '10.0.0.9',
      port: 22,
    });
    assert.deepEqual(
      socketError('10.0.0.9', 22, unreach),
      new SshError('unreachable', 'cannot reach 10.0.0.9:22: EHOSTUNREACH', { code: 'EHOSTUNREACH' }),
    );
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND edge1.invalid'), {
      errno: -3008,
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: 'edge1.invalid',
    });
    assert.equal(socketError('edge1.invalid', 22, notFound).message, 'cannot reach edge1.invalid:22: ENOTFOUND');
    // an error without an errno name: its message
    assert.equal(socketError('h', 22, new Error('boom')).message, 'cannot reach h:22: boom');
  });

  it('no answer within the budget: unreachable, the budget said in seconds', () => {
    assert.deepEqual(socketTimeout('10.0.0.9', 22, 8000), new SshError('unreachable', '10.0.0.9:22 did not answer within 8 s'));
  });
});

describe('ssh handshake: the auth plan', () => {
  const home = '/home/ops';
  const keys = (existing: string[]): { home: string; exists: (f: string) => boolean } => ({ home, exists: (f) => existing.includes(f) });

  it("OpenSSH's order: the agent, the identity files as given (~ expanded), then a password", () => {
    const steps = authPlan({ agent: '/run/agent.sock', identityFiles: ['~/.ssh/work', '/keys/b'], password: 'saved' }, keys([]));
    assert.deepEqual(steps, [
      { method: 'agent', socket: '/run/agent.sock' },
      { method: 'key', file: path.join(os.homedir(), '.ssh', 'work') },
      { method: 'key', file: '/keys/b' },
      { method: 'password' },
    ]);
  });

  it('no identity files given: the default keys that exist, ed25519 then ecdsa then rsa', () => {
    const steps = authPlan({ identityFiles: [] }, keys(['/home/ops/.ssh/id_rsa', '/home/ops/.ssh/id_ed25519']));
    assert.deepEqual(steps, [
      { method: 'key', file: '/home/ops/.ssh/id_ed25519' },
      { method: 'key', file: '/home/ops/.ssh/id_rsa' },
    ]);
  });

  it('a password step only when one is saved or can be asked for; no agent step without a socket', () => {
    assert.deepEqual(authPlan({ identityFiles: [], agent: '' }, keys([])), []);
    assert.deepEqual(authPlan({ identityFiles: [], askPassword: () => undefined }, keys([])), [{ method: 'password' }]);
    assert.deepEqual(authPlan({ identityFiles: [], password: '' }, keys([])), [{ method: 'password' }]);
  });
});
