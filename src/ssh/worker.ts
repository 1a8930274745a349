import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import type { CancellationTokenLike } from '../core/base/cancel';
import type { LoginFacts } from '../core/remote/bounds';
import { DEFAULT_CONNECT_TIMEOUT_MS, loginBudgetMs, loginTimeoutMessage } from '../core/remote/bounds';
import type { CommandOutput } from '../core/remote/command';
import { CancelledError, SshError, ToolError } from '../core/base/errors';
import { shQuote } from '../core/remote/quote';
import type { NodeBound } from './watchdog';
import { boundSetup, nodeBoundSeconds } from './watchdog';

/**
 * The persistent worker: one `/bin/sh` on the node reading command lines from the channel's
 * stdin. Each command's stdout and stderr end with an unguessable marker line that carries the
 * exit status, so one channel answers many commands (measured ~1.2 ms a command with
 * TCP_NODELAY against ~86 ms for a fresh exec channel). Commands are written at once
 * (pipelined) and answered in order. Command lines reaching here were built by `shJoin` (the
 * quoted words of one simple command). Each is also bounded on the node (see `watchdog.ts`).
 */

interface Pending {
  readonly id: number;
  readonly line: string;
  readonly timeoutMs: number;
  readonly title: string;
  resolve(out: CommandOutput): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout | undefined;
  /** cancelled before it ran: its answer is read and dropped */
  abandoned: boolean;
  /** the error when its time is up (default: a command timeout, which restarts the worker) */
  readonly expired?: () => Error;
  dispose?: (() => void) | undefined;
}

export interface WorkerOptions {
  /** called once when the worker can no longer be used (channel closed, killed after a timeout) */
  readonly onDead?: (w: ShellWorker) => void;
  /**
   * Runs `write` so that what it sends leaves in one write to the socket (ssh2 writes an
   * encrypted packet as three chunks: length, payload, MAC; written apart, each is a TCP segment
   * and a wake-up of the node's sshd)
   */
  readonly coalesce?: (write: () => void) => void;
  /**
   * How long the login shell may take to read the start line (its startup files run first):
   * `loginBudgetMs` of the connect timeout. Past it the worker fails with `loginTimeout`.
   */
  readonly startTimeoutMs?: number;
  /** the node's name, for the start's error */
  readonly nodeName?: string;
  /** called once the shell has started (`login`, `bound` and `remotePid` are known) */
  readonly onStarted?: (w: ShellWorker) => void;
}

/** USER_HZ: the unit of /proc/PID/stat times on every Linux architecture eBPF Lens meets */
const CLOCK_TICKS = 100;

/**
 * The login facts the start line prints: the fields of /proc/$$/stat after the command name,
 * then /proc/uptime's first number. The shell's own and its waited-for children's CPU
 * (utime, stime, cutime, cstime: fields 14–17) and its start (field 22) since boot.
 */
export function parseLoginLine(line: string): { ms: number; cpuMs: number } | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 21) return undefined;
  const n = (i: number): number => Number(f[i]);
  const cpu = n(11) + n(12) + n(13) + n(14);
  const started = n(19);
  const uptime = Number(f[f.length - 1]);
  if (![cpu, started, uptime].every(Number.isFinite)) return undefined;
  const ms = Math.round(uptime * 1000 - (started * 1000) / CLOCK_TICKS);
  if (ms < 0) return undefined;
  return { ms, cpuMs: Math.round((cpu * 1000) / CLOCK_TICKS) };
}

/**
 * A here-document carries `text` exactly when the text ends with a newline, holds no NUL and no
 * carriage return (a shell may treat `DELIM\r` as the delimiter), no line equal to the delimiter,
 * and fits a pipe buffer (dash writes a here-document of up to 4 KiB into a pipe without a process).
 */
export function hereDocOk(text: string, delim: string): boolean {
  return (
    text.length > 0 && Buffer.byteLength(text) <= 4096 && text.endsWith('\n') && !/[\0\r]/.test(text) && !text.split('\n').includes(delim)
  );
}

export class ShellWorker {
  private readonly marker = randomBytes(16).toString('hex');
  private nextId = 1;
  /** written to the shell, in order; the head is the one running */
  private readonly queue: Pending[] = [];
  private out: Buffer = Buffer.alloc(0);
  private err: Buffer = Buffer.alloc(0);
  private outDone: { stdout: string; code: number } | undefined;
  private errDone: string | undefined;
  private deadReason: Error | undefined;
  /** the worker shell's pid on the node (known once it has started) */
  remotePid: number | undefined;
  /** set when the worker was killed with a command still running: its children must be ended */
  reapPid: number | undefined;
  /** how the node bounds each command (known once the worker has started) */
  bound: NodeBound | undefined;
  /** what its login shell cost (known once the worker has started) */
  login: LoginFacts | undefined;

  constructor(
    private readonly channel: ClientChannel,
    private readonly opts: WorkerOptions = {},
  ) {
    channel.on('data', (d: Buffer) => this.onOut(d));
    channel.stderr.on('data', (d: Buffer) => this.onErr(d));
    channel.on('close', () => this.die(new SshError('disconnected', 'the worker channel to the node closed')));
    channel.on('error', (e: Error) => this.die(new SshError('disconnected', `worker channel error: ${e.message}`)));
    // a known environment for every command, a umask for any file a command creates, what the
    // login shell cost (read first: the bound's setup starts processes of its own), the node-side
    // bound, and the shell's own pid (answer 0) so that a command left running can be ended later
    const openedAt = Date.now();
    const budget = opts.startTimeoutMs ?? loginBudgetMs(DEFAULT_CONNECT_TIMEOUT_MS);
    const start: Pending = {
      id: 0,
      line: '',
      timeoutMs: budget,
      title: 'worker start',
      resolve: (out) => {
        this.remotePid = out.code ?? undefined;
        const [b = '', facts = ''] = out.stdout.split('\n');
        this.bound = b === 'watchdog' || b === 'timeout' ? b : 'none';
        const node = parseLoginLine(facts);
        this.login = node ? { ...node, clock: 'node' } : { ms: Date.now() - openedAt, clock: 'client' };
        opts.onStarted?.(this);
      },
      reject: () => undefined,
      abandoned: false,
      expired: () => new SshError('loginTimeout', loginTimeoutMessage(opts.nodeName, budget)),
    };
    this.queue.push(start);
    this.startTimer(start);
    channel.write(
      'export LC_ALL=C; umask 077\n' +
        '__el_l=; if [ -r /proc/$$/stat ] && read -r __el_l </proc/$$/stat && read -r __el_u __el_x </proc/uptime; then __el_l="${__el_l##*) } $__el_u"; fi\n' +
        `${boundSetup()}\n` +
        `printf '%s\\n%s' "$__el_b" "$__el_l"; printf '\\n%s 0 %s\\n' ${this.marker} "$$"; printf '\\n%s 0\\n' ${this.marker} >&2\n`,
    );
  }

  get dead(): boolean {
    return this.deadReason !== undefined;
  }

  get busy(): number {
    return this.queue.length;
  }

  /**
   * Run one command line. `stdin` (if any) reaches the command as a quoted here-document, one
   * quoted word or through `base64 -d`, never as shell text. A timeout or a cancel of the running command kills the worker (the connection
   * starts a new one); commands queued behind it are failed with a `disconnected` error that
   * callers may retry.
   */
  run(line: string, opts: { title: string; timeoutMs: number; stdin?: string; token?: CancellationTokenLike }): Promise<CommandOutput> {
    if (this.deadReason) return Promise.reject(this.deadReason);
    if (opts.token?.isCancellationRequested) return Promise.reject(new CancelledError());
    return new Promise<CommandOutput>((resolve, reject) => {
      const id = this.nextId++;
      const p: Pending = { id, line, timeoutMs: opts.timeoutMs, title: opts.title, resolve, reject, abandoned: false };
      if (opts.token) {
        const sub = opts.token.onCancellationRequested(() => this.cancel(p));
        p.dispose = () => sub.dispose();
      }
      this.queue.push(p);
      if (this.queue.length === 1) this.startTimer(p);
      // Never as shell text: small line-ended text as a here-document with a quoted delimiter
      // (no expansion; the shell writes it into a pipe itself, no process started for it), checked
      // not to hold the delimiter line; other short text as one quoted word to the shell's printf
      // (a pipeline: one more process); anything else (NUL bytes, large) through base64 -d.
      const stdin = opts.stdin;
      const bounded = `__el_run ${nodeBoundSeconds(opts.timeoutMs)} ${line}`;
      const delim = `EBPF_LENS_IN_${this.marker}`;
      const hereDoc = stdin !== undefined && hereDocOk(stdin, delim);
      const input =
        stdin === undefined
          ? `${bounded} </dev/null`
          : hereDoc
            ? `${bounded} <<'${delim}'`
            : stdin.length <= 65_536 && !stdin.includes('\0')
              ? `printf '%s' ${shQuote(stdin)} | ${bounded}`
              : `printf '%s' ${Buffer.from(stdin, 'utf8').toString('base64')} | base64 -d | ${bounded}`;
      // status on stdout, an end line on stderr; both start with a newline in case the command's
      // own output did not end with one (that newline is removed again below)
      const text =
        `${input}; __el=$?; printf '\\n%s %s %s\\n' ${this.marker} ${id} "$__el"; printf '\\n%s %s\\n' ${this.marker} ${id} >&2\n` +
        (hereDoc ? `${stdin}${delim}\n` : '');
      if (this.opts.coalesce) this.opts.coalesce(() => this.channel.write(text));
      else this.channel.write(text);
    });
  }

  /** Close the worker: pending commands fail with `reason`; `reap`: a command was left running. */
  kill(reason: Error = new SshError('disconnected', 'worker closed'), reap = false): void {
    if (reap && !this.deadReason) this.reapPid = this.remotePid;
    this.die(reason);
    try {
      this.channel.close();
    } catch {
      /* already closed */
    }
  }

  private startTimer(p: Pending): void {
    if (p.timeoutMs > 0) {
      p.timer = setTimeout(() => {
        if (p.expired) {
          // the shell never started: nothing of ours runs on the node, and another try would
          // pay the same startup files again
          const e = p.expired();
          this.settle(p, e);
          this.kill(e);
          return;
        }
        this.settle(p, new ToolError('timeout', `${p.title} did not finish within ${Math.round(p.timeoutMs / 100) / 10} s`));
        this.kill(new SshError('disconnected', `the worker was restarted after "${p.title}" timed out`), true);
      }, p.timeoutMs);
    }
  }

  private cancel(p: Pending): void {
    if (this.queue[0] === p) {
      this.settle(p, new CancelledError());
      this.kill(new SshError('disconnected', `the worker was restarted after "${p.title}" was cancelled`), true);
    } else if (this.queue.includes(p)) {
      p.abandoned = true;
      this.settle(p, new CancelledError());
    }
  }

  private settle(p: Pending, result: CommandOutput | Error): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    p.dispose?.();
    p.dispose = undefined;
    const resolve = p.resolve;
    const reject = p.reject;
    // later calls are no-ops
    p.resolve = () => undefined;
    p.reject = () => undefined;
    if (result instanceof Error) reject(result);
    else resolve(result);
  }

  private onOut(d: Buffer): void {
    this.out = this.out.length === 0 ? d : Buffer.concat([this.out, d]);
    this.drain();
  }

  private onErr(d: Buffer): void {
    this.err = this.err.length === 0 ? d : Buffer.concat([this.err, d]);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      const head = this.queue[0];
      if (!head) {
        // output nobody asked for (the shell's own messages): keep memory bounded
        if (this.out.length > 1 << 20) this.out = Buffer.alloc(0);
        if (this.err.length > 1 << 20) this.err = Buffer.alloc(0);
        return;
      }
      if (!this.outDone) {
        const tag = Buffer.from(`\n${this.marker} ${head.id} `);
        const at = this.out.indexOf(tag);
        if (at < 0) return;
        const eol = this.out.indexOf(0x0a, at + tag.length);
        if (eol < 0) return;
        const code = Number(this.out.subarray(at + tag.length, eol).toString('latin1'));
        this.outDone = { stdout: this.out.subarray(0, at).toString('utf8'), code };
        this.out = this.out.subarray(eol + 1);
      }
      if (this.errDone === undefined) {
        const tag = Buffer.from(`\n${this.marker} ${head.id}\n`);
        const at = this.err.indexOf(tag);
        if (at < 0) return;
        this.errDone = this.err.subarray(0, at).toString('utf8');
        this.err = this.err.subarray(at + tag.length);
      }
      const { stdout, code } = this.outDone;
      const stderr = this.errDone;
      this.outDone = undefined;
      this.errDone = undefined;
      this.queue.shift();
      // a shell reports "killed by signal N" as status 128+N
      const result: CommandOutput = { stdout, stderr, code };
      if (!head.abandoned) this.settle(head, result);
      const next = this.queue[0];
      if (next) this.startTimer(next);
    }
  }

  private die(reason: Error): void {
    if (this.deadReason) return;
    this.deadReason = reason;
    const [head, ...rest] = this.queue.splice(0);
    if (head) this.settle(head, reason);
    // the shell runs one command at a time: the ones behind the head never started (and are
    // retried on a new worker), unless the shell itself never started
    const again = SshError.is(reason, 'loginTimeout')
      ? reason
      : new SshError('disconnected', `${reason.message} (the command had not started)`, { notStarted: true });
    for (const p of rest) this.settle(p, again);
    this.opts.onDead?.(this);
  }
}
