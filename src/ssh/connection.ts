import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { AnyAuthMethod, AuthenticationType, ClientChannel, ParsedKey } from 'ssh2';
import type * as Ssh2 from 'ssh2';
import type { Client } from 'ssh2';
import { lazy } from '../core/base/lazy';
import type { CancellationTokenLike } from '../core/base/cancel';
import type { CommandOutput } from '../core/remote/command';
import { CancelledError, SshError, errorMessage } from '../core/base/errors';
import { Emitter } from '../core/base/event';
import { fingerprintSha256, keyTypeOf } from '../core/inventory/knownHosts';
import { shJoin } from '../core/remote/quote';
import type { LoginFacts } from '../core/remote/bounds';
import { DEFAULT_CONNECT_TIMEOUT_MS, loginBudgetMs } from '../core/remote/bounds';
import type { TrustStore } from './trustStore';
import { expandHome } from './trustStore';
import { ShellWorker } from './worker';

// ssh2 runs its top level (cipher tables, binding probes: ~50 ms) when first needed, not at activation
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ssh2 = lazy(() => require('ssh2') as typeof Ssh2);

export interface HostKeyPrompt {
  readonly nodeName: string;
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  /** key types already known for this host (a new type is still asked about) */
  readonly otherTypes: readonly string[];
  /** the host is covered only by @cert-authority lines, which cannot be checked here */
  readonly certAuthorityOnly: boolean;
}

export type HostKeyDecision = 'once' | 'always' | 'reject';

export type Logger = (message: string) => void;

export interface ConnectOptions {
  /** the inventory name, for prompts and errors */
  readonly nodeName: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** explicit identity files; when empty, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried */
  readonly identityFiles: readonly string[];
  /** ssh-agent socket (SSH_AUTH_SOCK) */
  readonly agent?: string | undefined;
  /** a password the user asked to remember (from SecretStorage) */
  readonly password?: string | undefined;
  /**
   * Asked for a password, up to three times (`attempt` > 1: the last one, typed or saved, was
   * refused). `check` logs in with a password and tells whether it worked, so a prompt can say
   * "wrong" and ask again in place; a prompt that does not use it has its answer tried after it.
   * `signal` ends when the prompt is no longer wanted (the connection failed or was cancelled).
   */
  readonly askPassword?: (p: {
    nodeName: string;
    user: string;
    host: string;
    port: number;
    attempt: number;
    check: (password: string) => Promise<boolean>;
    signal: AbortSignal;
  }) => Promise<string | undefined>;
  /**
   * Asked for an encrypted key's passphrase. `check` tells whether a passphrase opens the key,
   * so a prompt can say "wrong" and ask again in place; a prompt that does not use it is asked
   * again (attempt 2, 3) after a wrong one. `signal`: as for askPassword.
   */
  readonly askPassphrase?: (p: {
    nodeName: string;
    file: string;
    attempt: number;
    check: (passphrase: string) => boolean;
    signal: AbortSignal;
  }) => Promise<string | undefined>;
  readonly trust: TrustStore;
  /** asked for a key that is not known; without it unknown keys are refused */
  readonly onUnknownHostKey?: (p: HostKeyPrompt) => Promise<HostKeyDecision>;
  /** connect through this (jump) connection instead of a TCP socket */
  readonly via?: SshConnection | undefined;
  /** TCP connect + handshake + auth budget, not counting time spent in prompts */
  readonly connectTimeoutMs?: number;
  /** how long a new session's login shell may take (its startup files): default `loginBudgetMs(connectTimeoutMs)` */
  readonly loginTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** channels open at once: the server's MaxSessions (OpenSSH default 10) */
  readonly maxChannels?: number;
  readonly log?: Logger | undefined;
  readonly token?: CancellationTokenLike | undefined;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** ssh2 names for a known_hosts key type (RSA keys sign with three algorithm names). */
function hostKeyAlgorithms(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}
const SUPPORTED_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function target(o: { username: string; host: string; port: number }): string {
  return `${o.username}@${o.host}:${o.port}`;
}

/** Open a TCP socket with TCP_NODELAY (no Nagle + delayed-ACK stalls on small commands). */
function openSocket(host: string, port: number, timeoutMs: number, token?: CancellationTokenLike): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = new net.Socket();
    sock.setNoDelay(true);
    let done = false;
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub?.dispose();
      if (e) {
        sock.destroy();
        reject(e);
      } else resolve(sock);
    };
    const timer = setTimeout(
      () => finish(new SshError('unreachable', `${host}:${port} did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const sub = token?.onCancellationRequested(() => finish(new CancelledError()));
    sock.once('connect', () => finish());
    sock.once('error', (e: NodeJS.ErrnoException) =>
      finish(new SshError('unreachable', `cannot reach ${host}:${port}: ${e.code ?? e.message}`, { code: e.code })),
    );
    sock.connect(port, host);
  });
}

/**
 * One SSH connection to one node: verified host key, authenticated, with the persistent worker
 * channel for short commands and exec channels for streams, never more channels at once than
 * the server allows.
 */
export class SshConnection {
  private readonly closed$ = new Emitter<Error>();
  /** The connection is closed (once): on purpose, by the server, or lost; the reason says which. */
  readonly onDidClose = this.closed$.event;
  private worker: ShellWorker | undefined;
  private workerStarting: Promise<ShellWorker> | undefined;
  private openChannels = 0;
  private maxChannels: number;
  private readonly waiters: (() => void)[] = [];
  private closedReason: Error | undefined;
  private sock: Duplex | undefined;
  /** the key the server presented (for status displays) */
  hostKeyFingerprint = '';
  /** what the login shell of this connection's first worker cost (known once it started) */
  login: LoginFacts | undefined;

  private constructor(
    private readonly client: Client,
    readonly options: ConnectOptions,
  ) {
    this.maxChannels = Math.max(1, options.maxChannels ?? 10);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get label(): string {
    return target(this.options);
  }

  /** how long a new session's login shell may take before it is given up */
  get loginTimeoutMs(): number {
    return this.options.loginTimeoutMs ?? loginBudgetMs(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }

  static async connect(o: ConnectOptions): Promise<SshConnection> {
    const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (o.token?.isCancellationRequested) throw new CancelledError();
    let sock: Duplex;
    if (o.via) {
      try {
        sock = await o.via.forwardOut(o.host, o.port);
      } catch (e) {
        if (CancelledError.is(e)) throw e;
        throw new SshError(
          'proxyJump',
          `the jump host ${o.via.label} could not open a connection to ${o.host}:${o.port} (does it allow TCP forwarding, and can it reach that address?): ${errorMessage(e)}`,
        );
      }
    } else {
      sock = await openSocket(o.host, o.port, timeoutMs, o.token);
    }
    const conn = new SshConnection(new (ssh2().Client)(), o);
    await conn.handshake(sock, timeoutMs);
    return conn;
  }

  private handshake(sock: Duplex, timeoutMs: number): Promise<void> {
    this.sock = sock;
    const o = this.options;
    const log = o.log ?? (() => undefined);
    const tried: string[] = [];
    /** identity files that could not be used (missing, unreadable, not a key): named in an auth failure */
    const unusable: string[] = [];
    let hostKeyError: SshError | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    /** ends the prompts still open when the handshake ends (a failure, a cancel) */
    const promptsEnd = new AbortController();
    return new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        promptsEnd.abort();
        outcome?.(false);
        if (timer) clearTimeout(timer);
        sub?.dispose();
        this.client.removeAllListeners('ready');
        this.client.end();
        sock.destroy();
        reject(e);
      };
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => fail(new SshError('timeout', `${target(o)}: no SSH handshake within ${timeoutMs / 1000} s`)), timeoutMs);
      };
      /** prompts stop the clock: a person reading a fingerprint is not a slow server */
      const prompt = async <T>(ask: () => Promise<T>): Promise<T> => {
        if (timer) clearTimeout(timer);
        try {
          return await ask();
        } finally {
          if (!settled) arm();
        }
      };
      const sub = o.token?.onCancellationRequested(() => fail(new CancelledError()));

      const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
        const fingerprint = fingerprintSha256(key);
        this.hostKeyFingerprint = fingerprint;
        const keyType = keyTypeOf(key) ?? 'unknown';
        const v = o.trust.verify(o.host, o.port, key);
        if (v.status === 'trusted') {
          log(`${o.nodeName}: host key ${keyType} ${fingerprint} verified`);
          verify(true);
          return;
        }
        if (v.status === 'revoked') {
          hostKeyError = new SshError(
            'hostKeyRevoked',
            `${o.nodeName} (${o.host}:${o.port}) presented a REVOKED host key ${fingerprint} (${v.by.file ?? ''}:${v.by.line}): refused.`,
            { fingerprint },
          );
          verify(false);
          return;
        }
        if (v.status === 'mismatch') {
          const expected = v.expected.map((e) => `${e.fingerprint} (${e.file ?? '?'}:${e.line})`).join(', ');
          hostKeyError = new SshError(
            'hostKeyMismatch',
            `HOST KEY CHANGED for ${o.nodeName} (${o.host}:${o.port}): possible man-in-the-middle attack. ` +
              `Expected ${expected}, the server presented ${keyType} ${fingerprint}. ` +
              `If the node was reinstalled, remove the old line from that file and connect again.`,
            { expected: v.expected.map((e) => e.fingerprint), seen: fingerprint },
          );
          verify(false);
          return;
        }
        const ask = o.onUnknownHostKey;
        const unknown = (): SshError =>
          new SshError(
            'hostKeyUnknown',
            `the host key of ${o.nodeName} (${o.host}:${o.port}) is not known: ${keyType} ${fingerprint}` +
              (v.certAuthorityOnly ? ' (only an @cert-authority line covers this host; certificates cannot be checked here)' : '') +
              '. Verify the fingerprint on the node (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and trust it.' +
              (o.trust.missing.length > 0 ? ` (these known_hosts files do not exist: ${o.trust.missing.join(', ')})` : ''),
            { fingerprint, keyType },
          );
        if (!ask) {
          hostKeyError = unknown();
          verify(false);
          return;
        }
        void prompt(() =>
          ask({
            nodeName: o.nodeName,
            host: o.host,
            port: o.port,
            keyType,
            fingerprint,
            otherTypes: v.otherTypes,
            certAuthorityOnly: v.certAuthorityOnly,
          }),
        ).then(
          (decision) => {
            if (decision === 'always') {
              try {
                o.trust.trustAlways(o.host, o.port, key);
              } catch (e) {
                // the key cannot be remembered (a read-only or full disk): say so, do not log in half-trusted
                log(`${o.nodeName}: ${errorMessage(e)}`);
                fail(e instanceof Error ? e : new Error(String(e)));
                return;
              }
            } else if (decision === 'once') o.trust.trustOnce(o.host, o.port, key);
            else hostKeyError = unknown();
            log(`${o.nodeName}: unknown host key ${fingerprint}: ${decision}`);
            verify(decision !== 'reject');
          },
          (e: unknown) => {
            hostKeyError = unknown();
            log(`${o.nodeName}: host key prompt failed: ${errorMessage(e)}`);
            verify(false);
          },
        );
      };

      // auth candidates, in OpenSSH's order: agent, identity files, password / keyboard-interactive
      type Candidate = { kinds: AuthenticationType[]; make: () => Promise<AnyAuthMethod | 'sent' | undefined> };
      const username = o.username;
      const candidates: Candidate[] = [];
      if (o.agent) {
        candidates.push({
          kinds: ['publickey'],
          make: async () => {
            tried.push('ssh-agent');
            return { type: 'agent', username, agent: o.agent ?? '' };
          },
        });
      }
      const files =
        o.identityFiles.length > 0
          ? o.identityFiles.map(expandHome)
          : DEFAULT_KEYS.map((k) => path.join(os.homedir(), '.ssh', k)).filter((f) => fs.existsSync(f));
      for (const file of files) {
        candidates.push({
          kinds: ['publickey'],
          make: async () => {
            const key = await this.loadKey(file, unusable, (attempt, check) =>
              prompt(async () => o.askPassphrase?.({ nodeName: o.nodeName, file, attempt, check, signal: promptsEnd.signal })),
            );
            if (!key) return undefined;
            tried.push(`key ${file}`);
            return { type: 'publickey', username, key };
          },
        });
      }

      // ssh2 hands each auth step a `next`; a failed step comes back as the next authHandler call
      let step: { left: AuthenticationType[] | null; next: (m: AnyAuthMethod | false) => void } | undefined;
      let outcome: ((ok: boolean) => void) | undefined;
      this.client.once('ready', () => outcome?.(true));
      /** Send one auth step and wait for the server: 'ok' (logged in), 'failed' (a new step to take), 'ended'. */
      const send = (m: AnyAuthMethod): Promise<'ok' | 'failed' | 'ended'> => {
        const s = step;
        if (settled || !s) return Promise.resolve('ended');
        step = undefined;
        return new Promise((res) => {
          outcome = (ok) => {
            outcome = undefined;
            res(ok ? 'ok' : !settled && step ? 'failed' : 'ended');
          };
          s.next(m);
        });
      };
      const takesPassword = (l: AuthenticationType[] | null | undefined): boolean =>
        !l || l.includes('password') || l.includes('keyboard-interactive');
      /** Log in with a password, as the server prefers it: 'ok', 'wrong', or 'over' (it takes no more). */
      const tryPassword = async (pw: string): Promise<'ok' | 'wrong' | 'over'> => {
        const l = step?.left;
        if (settled || !step || !takesPassword(l)) return 'over';
        const kind = !l || l.includes('password') ? 'password' : 'keyboard-interactive';
        if (!tried.includes(kind)) tried.push(kind);
        const r = await send(
          kind === 'password'
            ? { type: 'password', username, password: pw }
            : {
                type: 'keyboard-interactive',
                username,
                prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) =>
                  finish(prompts.map(() => pw)),
              },
        );
        return r === 'ok' ? 'ok' : r === 'failed' && takesPassword(step?.left) ? 'wrong' : 'over';
      };
      if (o.password !== undefined || o.askPassword) {
        candidates.push({
          kinds: ['password', 'keyboard-interactive'],
          make: async () => {
            // the server's methods first (the keys went before, or were skipped): a password is
            // sent the way it takes them
            if (step && step.left === null) {
              const r = await send({ type: 'none', username });
              if (r !== 'failed') return r === 'ok' ? 'sent' : undefined;
            }
            if (!takesPassword(step?.left)) return undefined;
            // a remembered password first; then asked, up to three times (as OpenSSH)
            if (o.password !== undefined) {
              const r = await tryPassword(o.password);
              if (r !== 'wrong') return r === 'ok' ? 'sent' : undefined;
              log(`${o.nodeName}: the saved password was refused`);
            }
            const first = o.password !== undefined ? 2 : 1;
            for (let attempt = first; attempt < first + 3 && o.askPassword; attempt++) {
              const ended = new AbortController();
              const stop = (): void => ended.abort();
              promptsEnd.signal.addEventListener('abort', stop);
              // the last check, awaited after the prompt: one closed during it (Escape) still gets its answer
              let last: Promise<'ok' | 'wrong' | 'over'> | undefined;
              const check = async (pw: string): Promise<boolean> => {
                // the server's answer is on the clock (the prompt stopped it for the person)
                arm();
                last = tryPassword(pw);
                const r = await last;
                if (timer) clearTimeout(timer);
                if (r === 'over') ended.abort();
                return r === 'ok';
              };
              let pw: string | undefined;
              try {
                pw = await prompt(
                  () =>
                    o.askPassword?.({
                      nodeName: o.nodeName,
                      user: username,
                      host: o.host,
                      port: o.port,
                      attempt,
                      check,
                      signal: ended.signal,
                    }) ?? Promise.resolve(undefined),
                );
              } finally {
                promptsEnd.signal.removeEventListener('abort', stop);
              }
              const checked = await last;
              if (checked === 'ok') return 'sent';
              if (checked === 'over' || pw === undefined) return undefined;
              // a prompt that did not check it: try it here
              const r = await tryPassword(pw);
              if (r === 'ok') return 'sent';
              if (r === 'over') return undefined;
            }
            return undefined;
          },
        });
      }
      const authHandler = (left: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void): void => {
        step = { left, next };
        if (outcome) {
          // the password just tried was refused: its prompt may ask again
          outcome(false);
          return;
        }
        void (async () => {
          if (left === null && candidates.length === 0) {
            // nothing to offer: a node may still let us in with none (the password candidate
            // asks for the methods itself)
            step = undefined;
            next({ type: 'none', username });
            return;
          }
          while (candidates.length > 0 && !settled) {
            const c = candidates.shift() as Candidate;
            const l = step?.left;
            if (l && !c.kinds.some((k) => l.includes(k))) continue;
            try {
              const m = await c.make();
              if (m === 'sent') return;
              if (m && step) {
                const s = step;
                step = undefined;
                s.next(m);
                return;
              }
            } catch (e) {
              log(`${o.nodeName}: ${errorMessage(e)}`);
            }
          }
          const s = step;
          step = undefined;
          if (!settled) s?.next(false);
        })();
      };

      this.client.on('ready', () => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        sub?.dispose();
        log(`${o.nodeName}: connected to ${target(o)} (${tried.join(', ') || 'none'})`);
        this.client.on('close', () => this.markClosed(new SshError('disconnected', `the connection to ${o.nodeName} closed`)));
        resolve();
      });
      this.client.on('error', (e: Error & { level?: string; code?: string | number }) => {
        if (settled) {
          log(`${o.nodeName}: connection error: ${e.message}`);
          this.markClosed(
            new SshError(
              e.level === 'client-timeout' ? 'timeout' : 'disconnected',
              `the connection to ${o.nodeName} was lost: ${e.message}`,
            ),
          );
          return;
        }
        if (e.level === 'agent') {
          // the agent could not be reached or could not sign (a stale SSH_AUTH_SOCK): ssh2 goes
          // on with the next method
          log(`${o.nodeName}: ssh-agent: ${e.message}`);
          return;
        }
        if (hostKeyError) fail(hostKeyError);
        else if (e.level === 'client-authentication') {
          fail(
            new SshError(
              'authFailed',
              `authentication failed for ${target(o)} (tried: ${tried.join(', ') || 'no usable key, agent or password'})${unusableText(unusable)}`,
              { tried: [...tried], unusable: [...unusable] },
            ),
          );
        } else if (typeof e.code === 'number' && tried.length > 0) {
          // the node sent DISCONNECT while we were logging in: sshd's MaxAuthTries ("Too many authentication failures")
          fail(
            new SshError(
              'authFailed',
              `authentication failed for ${target(o)}: the node ended the tries (${e.message}; tried: ${tried.join(', ')})${unusableText(unusable)}`,
              {
                tried: [...tried],
                unusable: [...unusable],
              },
            ),
          );
        } else if (e.level === 'client-timeout') fail(new SshError('timeout', `${target(o)}: ${e.message}`));
        else if (typeof e.code === 'number') fail(new SshError('disconnected', `${target(o)} hung up: ${e.message}`, { code: e.code }));
        else if (e.level === 'client-socket' || e.code) {
          fail(new SshError('unreachable', `${target(o)}: ${e.message}`, { code: e.code }));
        } else fail(new SshError('disconnected', `${target(o)}: ${e.message}`));
      });
      this.client.on('close', () => {
        if (!settled) fail(hostKeyError ?? new SshError('disconnected', `${target(o)} closed the connection during the handshake`));
      });

      const knownTypes = o.trust
        .entries()
        .filter((e) => e.marker === undefined)
        .map((e) => e.keyType);
      // prefer key types the host is known with, as OpenSSH does, so a host with several keys
      // presents the one we can check
      const preferred = [...new Set(knownTypes.flatMap(hostKeyAlgorithms))].filter((a) => SUPPORTED_HOST_KEY_ALGOS.includes(a));
      arm();
      this.client.connect({
        sock: sock as unknown as net.Socket,
        username,
        hostVerifier,
        authHandler: authHandler as never,
        readyTimeout: 0,
        keepaliveInterval: o.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: o.keepaliveCountMax ?? 3,
        algorithms: { serverHostKey: [...preferred, ...SUPPORTED_HOST_KEY_ALGOS.filter((a) => !preferred.includes(a))] as never },
      });
    });
  }

  private async loadKey(
    file: string,
    unusable: string[],
    askPassphrase: (attempt: number, check: (passphrase: string) => boolean) => Promise<string | undefined>,
  ): Promise<ParsedKey | undefined> {
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (e) {
      this.options.log?.(`${this.options.nodeName}: identity file ${file}: ${errorMessage(e)}`);
      unusable.push(`${file} (${fileProblem(e)})`);
      return undefined;
    }
    let parsed = ssh2().utils.parseKey(data);
    // what the prompt's check opened, so the key is not decrypted twice (bcrypt is slow on purpose)
    const opened = new Map<string, ParsedKey>();
    const check = (pass: string): boolean => {
      const r = ssh2().utils.parseKey(data, pass);
      if (r instanceof Error) return false;
      opened.set(pass, r);
      return true;
    };
    for (let attempt = 1; parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message) && attempt <= 3; attempt++) {
      const pass = await askPassphrase(attempt, check);
      if (pass === undefined) return undefined;
      parsed = opened.get(pass) ?? ssh2().utils.parseKey(data, pass);
      opened.clear();
    }
    if (parsed instanceof Error) {
      this.options.log?.(`${this.options.nodeName}: identity file ${file}: ${parsed.message}`);
      unusable.push(`${file} (${parsed.message})`);
      return undefined;
    }
    return Array.isArray(parsed) ? parsed[0] : parsed;
  }

  private markClosed(reason: Error): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.worker?.kill(reason);
    this.worker = undefined;
    for (const w of this.waiters.splice(0)) w();
    this.closed$.fire(reason);
    this.closed$.dispose();
  }

  /** What `write` sends to the socket leaves in one write (cork, then uncork: one writev). */
  private coalesce(write: () => void): void {
    const sock = this.sock;
    if (!sock) return write();
    sock.cork();
    try {
      write();
    } finally {
      sock.uncork();
    }
  }

  /** Close the connection and everything on it. */
  close(): void {
    this.markClosed(new SshError('disconnected', 'closed'));
    this.client.end();
    // a polite goodbye first; a peer that is gone (cut link) must not keep the socket open
    const sock = this.sock;
    setTimeout(() => {
      this.client.destroy();
      sock?.destroy();
    }, 500);
  }

  // ----------------------------------------------------------------------------- channels

  private async slot(token?: CancellationTokenLike): Promise<() => void> {
    while (this.openChannels >= this.maxChannels) {
      if (this.closedReason) throw this.closedReason;
      if (token?.isCancellationRequested) throw new CancelledError();
      await new Promise<void>((r) => {
        this.waiters.push(r);
        token?.onCancellationRequested(r);
      });
    }
    if (this.closedReason) throw this.closedReason;
    this.openChannels++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.openChannels--;
      this.waiters.shift()?.();
    };
  }

  /** Open a channel of some kind under the session limit; adapts if the server allows fewer. */
  private async openChannel<T extends { once(ev: 'close', l: () => void): unknown }>(
    kind: 'session' | 'forward',
    open: (cb: (err: Error | undefined, ch: T) => void) => void,
    token?: CancellationTokenLike,
  ): Promise<T> {
    for (;;) {
      const release = await this.slot(token);
      try {
        const ch = await new Promise<T>((resolve, reject) => open((err, ch) => (err ? reject(err) : resolve(ch))));
        ch.once('close', release);
        return ch;
      } catch (e) {
        release();
        if (this.closedReason) throw this.closedReason;
        if (kind === 'session' && /open failure|open failed/i.test(errorMessage(e)) && this.openChannels > 0) {
          // the server allows fewer sessions than we thought: queue behind the open ones
          this.maxChannels = Math.max(1, this.openChannels);
          this.options.log?.(`${this.options.nodeName}: server refused a channel; limiting to ${this.maxChannels}`);
          continue;
        }
        throw new SshError('channelOpen', `${this.options.nodeName}: cannot open a channel: ${errorMessage(e)}`);
      }
    }
  }

  /** An exec channel of its own (long-running streams). Closing it frees its slot. */
  exec(line: string, token?: CancellationTokenLike): Promise<ClientChannel> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return this.openChannel<ClientChannel>('session', (cb) => this.client.exec(line, cb), token);
  }

  /** A TCP stream to host:port from the node (ProxyJump). */
  forwardOut(host: string, port: number): Promise<Duplex & { once(ev: 'close', l: () => void): unknown }> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return this.openChannel('forward', (cb) => this.client.forwardOut('127.0.0.1', 0, host, port, cb as never));
  }

  private getWorker(): Promise<ShellWorker> {
    if (this.worker && !this.worker.dead) return Promise.resolve(this.worker);
    if (!this.workerStarting) {
      this.workerStarting = this.exec('exec /bin/sh')
        .then((ch) => {
          const w = new ShellWorker(ch, {
            coalesce: (write) => this.coalesce(write),
            startTimeoutMs: this.loginTimeoutMs,
            nodeName: this.options.nodeName,
            onStarted: (started) => {
              this.login ??= started.login;
            },
            onDead: (dead) => {
              if (this.worker === dead) this.worker = undefined;
              if (dead.reapPid !== undefined && !this.closedReason) void this.reap(dead.reapPid);
            },
          });
          this.worker = w;
          return w;
        })
        .finally(() => {
          this.workerStarting = undefined;
        });
    }
    return this.workerStarting;
  }

  /**
   * End what a killed worker left running (a timed-out or cancelled command): TERM to the old
   * shell's children, then to every process of its session (sshd starts each channel's command in
   * a session of its own, led by the worker: a command's grandchildren are in it too); `timeout`
   * passes it to its process group, `sudo` to its command. The old worker's watchdog is left
   * alone: a command that ignores TERM is KILLed by it when its bound passes.
   */
  private async reap(pid: number): Promise<void> {
    try {
      const script =
        'for p in $(pgrep -P "$1"; pgrep -s "$1"); do ' +
        'grep -qa ebpf-lens-watchdog "/proc/$p/cmdline" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done; exit 0';
      await this.run(shJoin(['sh', '-c', script, 'sh', String(pid)]), { title: 'cleanup', timeoutMs: 5000 });
    } catch (e) {
      this.options.log?.(`${this.options.nodeName}: could not end the commands of worker ${pid}: ${errorMessage(e)}`);
    }
  }

  /** Run one command line on the worker. Commands that never started because the worker was restarted are retried once. */
  async run(
    line: string,
    opts: { title: string; timeoutMs: number; stdin?: string; token?: CancellationTokenLike },
  ): Promise<CommandOutput> {
    for (let attempt = 0; ; attempt++) {
      const w = await this.getWorker();
      try {
        return await w.run(line, opts);
      } catch (e) {
        if (attempt === 0 && SshError.is(e) && e.detail?.['notStarted'] === true && !this.closedReason) continue;
        throw e;
      }
    }
  }
}

/** ", and could not use identity file X (no such file)" for an auth failure's message */
function unusableText(unusable: readonly string[]): string {
  if (unusable.length === 0) return '';
  return `; could not use identity file${unusable.length > 1 ? 's' : ''} ${unusable.join(', ')}`;
}

/** what a failed read of a local file means, in words */
function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'a directory, not a key file';
  return errorMessage(e);
}
