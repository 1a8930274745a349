import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { janitorSec, loginTimeoutMessage } from '../core/remote/bounds';
import { CancelledError, ToolError, errorMessage } from '../core/base/errors';
import { Emitter } from '../core/base/event';
import { shJoin } from '../core/remote/quote';
import { parseStderr } from '../core/trace/diagnostics';
import type { GuardEvent } from '../core/trace/guard';
import { guardArgv, splitGuardLine, writeScript } from '../core/trace/guard';
import { bpftraceStillRunning, judgeEnd } from '../core/trace/outcome';
import type { TraceRecord } from '../core/trace/output';
import { OutputParser } from '../core/trace/output';
import { DEFAULT_LIMITS, TraceResults } from '../core/trace/results';
import type { NodeClient } from './nodeClient';
import { TraceLink } from './traceLink';
import type { TraceOptions, TraceOutcome, TraceState } from './traceTypes';

export type { TraceOptions, TraceOutcome, TraceState } from './traceTypes';

/**
 * One bpftrace run on a node under the guard: streams records, keeps bounded results, stops
 * cleanly, and checks on the node that nothing is left.
 */
export class TraceRun {
  private readonly stateChanged = new Emitter<TraceState>();
  private readonly recorded = new Emitter<TraceRecord>();
  private readonly guardSaid = new Emitter<GuardEvent>();
  private readonly stderrLine$ = new Emitter<string>();
  /** starting → running → stopping → done | failed */
  readonly onDidChangeState = this.stateChanged.event;
  /** each record of bpftrace's output (printf lines, maps, the attached count …), as parsed */
  readonly onDidRecord = this.recorded.event;
  /** each line of the guard on the node, but its heartbeat answers (those are for the link) */
  readonly onDidGuard = this.guardSaid.event;
  /** each line bpftrace wrote to stderr (and a failed check of the end) */
  readonly onDidWriteStderr = this.stderrLine$.event;
  readonly id = randomBytes(6).toString('hex');
  state: TraceState = 'starting';
  readonly startedAt = Date.now();
  guardPid: number | undefined;
  bpftracePid: number | undefined;
  readonly results: TraceResults;
  readonly finished: Promise<TraceOutcome>;
  /** resolves when bpftrace reported its probes attached (or the trace ended first) */
  readonly attached: Promise<number | undefined>;
  private resolveFinished!: (o: TraceOutcome) => void;
  private resolveAttached!: (n: number | undefined) => void;
  private channel: ClientChannel | undefined;
  private readonly parser = new OutputParser();
  private stderr = '';
  private stderrLine = '';
  /** bpftrace's text before a guard line that landed in the middle of its line */
  private stderrCarry = '';
  private guardExit: { rc: number; reason: string } | undefined;
  /** when the guard's exit line (bpftrace has ended) came */
  private exitSeenAt: number | undefined;
  private cannotKill: number | undefined;
  private stopReason: string | undefined;
  /** the seconds without a heartbeat the guard named when it stopped the trace for that */
  private guardSilentSec: number | undefined;
  private forceClose: NodeJS.Timeout | undefined;
  /** heartbeats, and is the link alive? (the guard answers each heartbeat) */
  private link: TraceLink | undefined;
  /** set when nothing came from the node for too long: how long */
  private linkLostMs: number | undefined;
  private scriptPath = '';
  /** set when the session's login shell never started the guard */
  private loginExpired: string | undefined;

  private constructor(
    readonly client: NodeClient,
    readonly options: TraceOptions,
  ) {
    this.results = new TraceResults(options.limits ?? DEFAULT_LIMITS);
    this.finished = new Promise((r) => (this.resolveFinished = r));
    this.attached = new Promise((r) => (this.resolveAttached = r));
  }

  get node(): string {
    return this.client.node.name;
  }

  get graceSec(): number {
    return this.options.graceSec ?? 3;
  }

  /** the node stops the trace after this long without a heartbeat */
  get heartbeatTimeoutSec(): number {
    return Math.max(2, Math.ceil(this.options.heartbeatTimeoutSec ?? 10));
  }

  /** from the client's stop to the guard's last line: its escalation (2 × grace, a kill) and some slack */
  private get stopBudgetMs(): number {
    return (this.graceSec * 2 + 10) * 1000;
  }

  static async start(client: NodeClient, o: TraceOptions): Promise<TraceRun> {
    const info = client.info;
    if (!info.bpftrace) throw new ToolError('missing', `bpftrace is not installed on ${client.node.name}`);
    let mode: 'root' | 'sudo';
    // a root-owned guard installed for this user: it can SIGKILL what it started
    const rootGuard = info.uid !== 0 && client.node.sudo !== 'never' ? info.rootGuard : undefined;
    if (info.uid === 0 || rootGuard) mode = 'root';
    else if (client.node.sudo !== 'never' && (info.sudo.bpftrace || client.node.sudo === 'always')) mode = 'sudo';
    else {
      throw new ToolError(
        'needsRoot',
        `tracing needs root or sudo on ${client.node.name}: ${info.user} may not run ${info.bpftrace.path} with "sudo -n". ` +
          `Log in as root, or allow it: ${info.user} ALL=(root) NOPASSWD: ${info.bpftrace.path}`,
      );
    }
    const t = new TraceRun(client, o);
    const loginMs = client.connection.loginTimeoutMs;
    t.scriptPath = await client.run(writeScript(o.script, janitorSec(loginMs)), o.token);
    if (o.token?.isCancellationRequested) throw new CancelledError();
    const argv = guardArgv({
      scriptPath: t.scriptPath,
      maxSec: Math.max(1, Math.ceil(o.maxSec ?? 600)),
      heartbeatTimeoutSec: t.heartbeatTimeoutSec,
      graceSec: Math.max(1, Math.ceil(t.graceSec)),
      mode,
      bpftrace: info.bpftrace.path,
      bpftraceArgs: ['-f', 'json', '-B', 'none', ...(o.bpftraceArgs ?? [])],
    });
    // sh -c GUARD ebpf-lens-guard ARGS… — or, installed: sudo -n -- /usr/local/lib/ebpf-lens/guard ARGS…
    const line = shJoin(rootGuard ? ['sudo', '-n', '--', rootGuard, ...argv.slice(4)] : argv);
    t.channel = await client.connection.exec(line, o.token);
    t.wire(t.channel);
    t.watchStart(t.channel, loginMs);
    t.state = 'running';
    t.stateChanged.fire(t.state);
    o.token?.onCancellationRequested(() => t.stop('cancel'));
    return t;
  }

  private wire(ch: ClientChannel): void {
    ch.setEncoding('utf8');
    ch.stderr.setEncoding('utf8');
    const link = new TraceLink(ch, {
      beatMs: this.options.heartbeatMs ?? 2000,
      heartbeatTimeoutSec: this.heartbeatTimeoutSec,
      beating: () => this.state === 'running',
      lost: (ms) => this.linkLost(ch, ms),
    });
    this.link = link;
    ch.on('data', (d: string) => {
      link.heard();
      this.onRecords(this.parser.push(d));
    });
    ch.stderr.on('data', (d: string) => {
      link.heard();
      this.onStderr(d);
    });
    // finish once the channel closed AND both of its streams have delivered everything
    let open = 3;
    const done = (): void => {
      if (--open === 0) void this.finish();
    };
    ch.once('end', done);
    ch.stderr.once('end', done);
    ch.once('close', () => {
      done();
      // a stream that never ends (a torn-down connection) must not hold the result back
      setTimeout(() => {
        if (open > 0) {
          open = 1;
          done();
        }
      }, 500).unref?.();
    });
    ch.on('error', () => undefined);
  }

  /**
   * Nothing came from the node for longer than its heartbeat timeout and a beat, though the guard
   * answers every heartbeat: the link is gone, and the node has stopped the trace by itself. Say
   * so now; the connection's keepalives would take ~30 s more to notice.
   */
  private linkLost(ch: ClientChannel, silentMs: number): void {
    if (this.finishing) return;
    this.linkLostMs = silentMs;
    try {
      ch.close();
    } catch {
      /* the channel is gone already */
    }
    void this.finish();
  }

  /** What a guard line means for the trace's state (its pids, its end, the link). */
  private onGuard(g: GuardEvent): void {
    this.link?.onGuard(g);
    if (g.kind === 'started') {
      this.guardPid = Number(g.fields['guard']) || undefined;
      this.bpftracePid = Number(g.fields['bpftrace']) || undefined;
    } else if (g.kind === 'bpftrace') this.bpftracePid = Number(g.fields['pid']) || this.bpftracePid;
    else if (g.kind === 'cannot-kill') this.cannotKill = Number(g.fields['pid']) || undefined;
    else if (g.kind === 'stopping' && g.fields['silent'] !== undefined) this.guardSilentSec = Number(g.fields['silent']);
    else if (g.kind === 'exit') {
      this.guardExit = { rc: Number(g.fields['rc']), reason: g.fields['reason'] ?? '' };
      this.exitSeenAt ??= Date.now();
    }
  }

  /**
   * The guard runs once its session's login shell has read the startup files: a shell that has
   * not started it within the login budget is given up (the channel closed; the script file is
   * removed by its janitor), as a worker's start is.
   */
  private watchStart(ch: ClientChannel, loginMs: number): void {
    const timer = setTimeout(() => {
      if (this.guardPid !== undefined || this.finishing) return;
      this.loginExpired = loginTimeoutMessage(this.node, loginMs, 'start the trace');
      this.link?.stopBeats();
      ch.close();
    }, loginMs);
    timer.unref?.();
    const started = this.onDidGuard((g) => {
      if (g.kind !== 'started') return;
      clearTimeout(timer);
      started.dispose();
    });
    ch.once('close', () => {
      clearTimeout(timer);
      started.dispose();
    });
  }

  private onRecords(records: TraceRecord[]): void {
    const t = Date.now() - this.startedAt;
    for (const r of records) {
      this.results.add(r, t);
      if (r.type === 'attached') this.attachedWith(r.probes);
      this.recorded.fire(r);
    }
  }

  /**
   * Probes are attached: say so once the guard has named bpftrace's pid too (its line may come
   * just after bpftrace's first record), so that whoever waits for `attached` also knows the pid.
   */
  private attachedWith(probes: number): void {
    if (this.bpftracePid !== undefined) {
      this.resolveAttached(probes);
      return;
    }
    const resolve = (): void => {
      wait.dispose();
      clearTimeout(timer);
      this.resolveAttached(probes);
    };
    const wait = this.onDidGuard(() => {
      if (this.bpftracePid !== undefined || this.state === 'done' || this.state === 'failed') resolve();
    });
    const timer = setTimeout(resolve, 3000);
    timer.unref?.();
  }

  private onStderr(d: string): void {
    const lines = (this.stderrLine + d).split('\n');
    this.stderrLine = lines.pop() ?? '';
    for (const line of lines) {
      const { text, guard: g } = splitGuardLine(line);
      if (g) {
        // bpftrace's piece before the guard's line: the start of its next line
        this.stderrCarry += text;
        this.onGuard(g);
        // a heartbeat's answer is for the link only
        if (g.kind !== 'hb') this.guardSaid.fire(g);
        continue;
      }
      const l = this.stderrCarry + text;
      this.stderrCarry = '';
      if (this.stderr.length < 64 * 1024) this.stderr += `${l}\n`;
      this.stderrLine$.fire(l);
    }
  }

  /** Ask the node to stop the trace (SIGINT: END probes run and maps print). */
  stop(reason = 'stop'): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    this.stopReason = reason;
    this.state = 'stopping';
    this.stateChanged.fire(this.state);
    this.link?.stopping();
    const ch = this.channel;
    if (!ch) return;
    try {
      ch.write('stop\n');
      ch.end();
    } catch {
      /* closing already */
    }
    // the guard needs at most 2 × grace (+ kill); after that, close the channel ourselves. A close
    // that does not come back either (the link died meanwhile) ends the trace as a lost link.
    this.forceClose = setTimeout(() => {
      ch.close();
      // the guard said bpftrace outlives every signal it may send: a leftover on a live link, not a lost link
      if (this.cannotKill) return void this.finish();
      this.forceClose = setTimeout(() => this.linkLost(ch, this.link?.silentMs() ?? 0), 3000);
      this.forceClose.unref?.();
    }, this.stopBudgetMs);
    this.forceClose.unref?.();
  }

  private finishing = false;

  private async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    this.exitSeenAt ??= Date.now();
    this.link?.dispose();
    if (this.forceClose) clearTimeout(this.forceClose);
    this.onRecords(this.parser.end());
    if (this.stderrLine || this.stderrCarry) this.onStderr('\n');
    this.resolveAttached(this.results.attachedProbes);
    const report = parseStderr(this.stderr, this.scriptPath);
    for (const d of report.diagnostics) if (this.results.diagnostics.length < 100) this.results.diagnostics.push(d);
    let verified = false;
    let leftover: TraceOutcome['leftover'];
    const connectionLost = !this.guardExit;
    if (this.cannotKill) {
      leftover = {
        pid: this.cannotKill,
        message: `could not stop bpftrace pid ${this.cannotKill} on ${this.node} (needs root: a sudo user cannot SIGKILL it)`,
      };
    }
    if (!connectionLost && this.bpftracePid && !this.client.closed) {
      try {
        const alive = await this.client.run(bpftraceStillRunning(this.bpftracePid));
        verified = !alive;
        if (alive && !leftover)
          leftover = {
            pid: this.bpftracePid,
            message: `bpftrace pid ${this.bpftracePid} is still running on ${this.node} after the trace ended`,
          };
      } catch (e) {
        this.stderrLine$.fire(`could not verify the end of the trace: ${errorMessage(e)}`);
      }
    }
    const exitCode = this.guardExit ? this.guardExit.rc : null;
    const { reason, error } = judgeEnd({
      node: this.node,
      heartbeatTimeoutSec: this.heartbeatTimeoutSec,
      ...(this.guardExit ? { guardExit: this.guardExit } : {}),
      ...(this.guardSilentSec !== undefined ? { guardSilentSec: this.guardSilentSec } : {}),
      ...(this.stopReason !== undefined ? { stopReason: this.stopReason } : {}),
      ...(this.loginExpired !== undefined ? { loginExpired: this.loginExpired } : {}),
      ...(this.linkLostMs !== undefined ? { linkLostMs: this.linkLostMs } : {}),
      connectionClosed: this.client.closed,
      attached: this.results.attachedProbes !== undefined,
      report,
      ...(leftover ? { leftover } : {}),
    });
    this.state = error && error.kind !== 'tool.leftover' ? 'failed' : 'done';
    // a last line without a newline is still output
    this.results.flush();
    const outcome: TraceOutcome = {
      state: this.state,
      exitCode,
      reason,
      verified,
      diagnostics: [...this.results.diagnostics],
      results: this.results.snapshot(),
      stderrTail: this.stderr.split('\n').slice(-20).join('\n'),
      startedAt: this.startedAt,
      endedAt: Date.now(),
      ...(this.results.attachedAt !== undefined
        ? { attachedMs: Math.max(0, this.exitSeenAt - this.startedAt - this.results.attachedAt) }
        : {}),
      ...(error ? { error } : {}),
      ...(leftover ? { leftover } : {}),
    };
    this.stateChanged.fire(this.state);
    this.resolveFinished(outcome);
  }
}
