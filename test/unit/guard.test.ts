import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GuardArgs } from '../../src/core/trace/guard';
import { GUARD_SCRIPT, guardArgv, installedGuardFile, parseGuardLine, splitGuardLine } from '../../src/core/trace/guard';
import { BASH_GUARD, PERL_PUMP } from '../../src/core/trace/guardBash';
import { POSIX_GUARD } from '../../src/core/trace/guardPosix';
import { buildSnippet } from '../../src/core/trace/library';

/**
 * The guard, run here around a stand-in for bpftrace (a script named so: the guard finds bpftrace
 * by its name), in each of the ways a node runs it:
 * - `bash`: the wrapper under /bin/sh (dash here), which runs the bash guard;
 * - `bash-as-sh`: the same wrapper run by bash (a node whose /bin/sh is bash, or a login shell
 *   that is);
 * - `posix`: the wrapper under dash with a PATH that has no bash: the POSIX guard it falls back to.
 */
type Variant = 'bash' | 'bash-as-sh' | 'posix';
const VARIANTS: readonly Variant[] = ['bash', 'bash-as-sh', 'posix'];

const which = (tool: string): string => execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' }).trim();

/** a PATH with the tools the POSIX guard needs and no bash (made once) */
let noBashPath: string | undefined;
function pathWithoutBash(): string {
  if (noBashPath) return noBashPath;
  const dir = fs.mkdtempSync('/tmp/ebpf-lens-unit-nobash-');
  for (const tool of ['mv', 'mktemp', 'dirname', 'mkfifo', 'dd', 'sleep', 'cat', 'timeout', 'date', 'pgrep', 'pkill', 'rm', 'perl']) {
    fs.symlinkSync(which(tool), path.join(dir, tool));
  }
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  noBashPath = dir;
  return dir;
}

function command(v: Variant, a: GuardArgs): { argv: string[]; env: NodeJS.ProcessEnv } {
  const argv = guardArgv(a);
  if (v === 'bash') return { argv: ['/bin/sh', ...argv.slice(1)], env: process.env };
  if (v === 'bash-as-sh') return { argv: ['bash', ...argv.slice(1)], env: process.env };
  return { argv: ['/bin/sh', ...argv.slice(1)], env: { ...process.env, PATH: pathWithoutBash() } };
}

/** pid 1 of a fresh pid namespace: runs the guard and logs the namespace's last pid once a second
 * with builtins only, so that the difference between two lines counts the processes the guard
 * (and its stand-in) started in between */
const COUNTER_INIT = String.raw`
nap=$1 log=$2; shift 3
exec 9<>"$nap" 8>"$log"
"$@" <&0 &
g=$!
while kill -0 "$g" 2>/dev/null; do
  read -r n </proc/sys/kernel/ns_last_pid
  printf '%s %s\n' "$EPOCHREALTIME" "$n" >&8
  read -r -t 0.25 -u 9 _
done
wait "$g"
`;

interface GuardRun {
  readonly stderr: string;
  readonly stdout: string;
  readonly rc: number | null;
  readonly ms: number;
  /** the stand-in still running afterwards */
  readonly left: string;
  /** what the guard's own process was called while it ran */
  readonly comm: string;
  /** processes started in the namespace from 1 s after the guard's start line to `countMs` later */
  readonly started?: number;
  /** what the guard left in the script's directory */
  readonly files: readonly string[];
}

interface RunOptions {
  readonly maxSec: number;
  readonly heartbeatTimeoutSec: number;
  readonly beatMs: number;
  /** send `stop` this long after the guard's start line (and close stdin) */
  readonly stopAfterMs?: number;
  /** close stdin (no stop) this long after the start line */
  readonly eofAfterMs?: number;
  /** count the processes started in this window after the start line (+1 s), in a pid namespace */
  readonly countMs?: number;
  /** the guard's grace period (1 s unless said) */
  readonly graceSec?: number;
}

const runGuard = async (v: Variant, standIn: string, o: RunOptions): Promise<GuardRun> => {
  const dir = fs.mkdtempSync('/tmp/ebpf-lens-unit-guard-');
  try {
    const bt = `${dir}/bpftrace`;
    fs.writeFileSync(bt, standIn, { mode: 0o755 });
    fs.writeFileSync(`${dir}/script.bt`, 'BEGIN {}\n');
    const { argv, env } = command(v, {
      scriptPath: `${dir}/script.bt`,
      maxSec: o.maxSec,
      heartbeatTimeoutSec: o.heartbeatTimeoutSec,
      graceSec: o.graceSec ?? 1,
      mode: 'root',
      bpftrace: bt,
      bpftraceArgs: [],
    });
    let full = argv;
    if (o.countMs !== undefined) {
      execFileSync('mkfifo', [`${dir}/nap`]);
      fs.writeFileSync(`${dir}/init.sh`, COUNTER_INIT);
      // (absolute paths: the POSIX variant's PATH has no bash)
      // (as a user that is not root: in a user namespace of its own)
      full = [
        which('unshare'),
        ...(process.getuid?.() === 0 ? [] : ['-r']),
        '-p',
        '-f',
        '--mount-proc',
        which('bash'),
        `${dir}/init.sh`,
        `${dir}/nap`,
        `${dir}/pids`,
        '--',
        ...argv,
      ];
    }
    const t0 = Date.now();
    const child = spawn(full[0] ?? 'sh', full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    let stdout = '';
    let startedAt = 0;
    let comm = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /started guard=(\d+)/.exec(stderr);
      if (m && !startedAt) {
        startedAt = Date.now();
        if (o.countMs === undefined) comm = fs.readFileSync(`/proc/${m[1]}/comm`, 'utf8').trim();
        if (o.stopAfterMs !== undefined) setTimeout(() => child.stdin.end('stop\n'), o.stopAfterMs);
        if (o.eofAfterMs !== undefined) setTimeout(() => child.stdin.end(), o.eofAfterMs);
      }
    });
    child.stdin.on('error', () => undefined); // the guard stops reading at its end
    const beat = setInterval(() => child.stdin.writable && child.stdin.write('hb\n'), o.beatMs);
    const rc = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    clearInterval(beat);
    const left = execFileSync('sh', ['-c', `pgrep -f '${dir}/[b]pftrace' || true`], { encoding: 'utf8' }).trim();
    let started: number | undefined;
    if (o.countMs !== undefined) {
      const rows = fs
        .readFileSync(`${dir}/pids`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ').map(Number) as [number, number]);
      const at = (ms: number): [number, number] => rows.find(([t]) => t * 1000 >= ms) ?? (rows[rows.length - 1] as [number, number]);
      const a = at(startedAt + 1000);
      const b = at(startedAt + 1000 + o.countMs);
      assert.ok(b[0] * 1000 - a[0] * 1000 >= o.countMs - 300, `the count covers the window (${JSON.stringify([a, b])})`);
      started = b[1] - a[1];
    }
    const files = fs.readdirSync(dir).filter((f) => !['bpftrace', 'nap', 'pids', 'init.sh'].includes(f));
    // the stand-ins print nothing on stderr, and the guard nothing but its own lines there
    const stray = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('@@EBPF-LENS-GUARD '));
    assert.deepEqual(stray, [], `${v}: stray lines on stderr`);
    return { stderr, stdout, rc, ms: Date.now() - t0, left, comm, files, ...(started !== undefined ? { started } : {}) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** bpftrace's stand-ins: one that sleeps, one that ignores SIGINT, and one (perl: no process of
 * its own) that prints a line every 100 ms and "end" when SIGINT comes */
const SLEEPER = '#!/bin/sh\nsleep 30\n';
const STUBBORN = "#!/bin/sh\ntrap '' INT\nsleep 40\n";
const TICKER =
  '#!/usr/bin/perl\n$| = 1;\n$SIG{INT} = sub { print "end\\n"; exit 0 };\nwhile (1) { print "tick\\n"; select(undef, undef, undef, 0.1) }\n';

/**
 * A stand-in (a fake: the real miss depends on timing) for bpftrace 0.17/0.18 missing signals: one
 * that comes while they are not waiting for output leaves them running (guardStop.ts). This one
 * misses every SIGINT and SIGTERM for 3 s from the first, then ends on the next as END would.
 */
const MISSES =
  '#!/bin/bash\nfirst=\nsig() { local t=${EPOCHREALTIME/./}; first=${first:-$t}; if [ $((t - first)) -ge 3000000 ]; then echo end; exit 0; fi; }\ntrap sig INT TERM\nwhile :; do sleep 0.1 & wait $!; done\n';

const guardLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('@@EBPF-LENS-GUARD') && !l.endsWith(' hb'));
const acks = (stderr: string): number => stderr.split('\n').filter((l) => l === '@@EBPF-LENS-GUARD hb').length;

describe('guard', () => {
  it('the wrapper is POSIX sh (dash -n), the bash guard bash (bash -n), the installed file too; its argv is checked', () => {
    execFileSync('dash', ['-n', '-c', GUARD_SCRIPT]);
    execFileSync('bash', ['-n', '-c', BASH_GUARD]);
    execFileSync('dash', ['-n', '-c', POSIX_GUARD]);
    const f = installedGuardFile();
    assert.match(f, /^#!\/bin\/sh\n/);
    execFileSync('dash', ['-n', '-c', f]);
    assert.throws(() =>
      guardArgv({
        scriptPath: '/tmp/x',
        maxSec: 0,
        heartbeatTimeoutSec: 10,
        graceSec: 3,
        mode: 'root',
        bpftrace: '/usr/bin/bpftrace',
        bpftraceArgs: [],
      }),
    );
    for (const s of [GUARD_SCRIPT, BASH_GUARD, POSIX_GUARD]) assert.doesNotMatch(s, /\\\$\{/, 'no escaped template braces left');
    assert.doesNotMatch(PERL_PUMP, /'/, 'the pump goes in single quotes');
  });

  it('the bash guard starts no process in its loops: no sleep, date, cat, dd or pgrep; a command substitution only for mktemp', () => {
    // the commands it runs at all: once before bpftrace (mv, mktemp, mkfifo, the pump, timeout,
    // sudo) and once at the end (rm)
    for (const word of ['sleep', 'date', 'dd', 'pgrep', 'pkill', 'dirname', 'head', 'sed', 'awk', 'ps']) {
      assert.doesNotMatch(BASH_GUARD, new RegExp(`(^|[\\s;|&(])${word}\\s`, 'm'), `no ${word}`);
    }
    // cat only as the pump where perl is missing: started once
    assert.deepEqual(
      BASH_GUARD.match(/(^|[\s;|&(])cat\s.*/gm)?.map((l) => l.trim()),
      ['cat <"$out" 5>&- &'],
    );
    assert.deepEqual(BASH_GUARD.match(/\$\([^(]/g), ['$(m'], 'the one $(…) is mktemp');
    // nor does it open a file in them (a file tracer would list it): errors go to one /dev/null kept open
    const loops = BASH_GUARD.slice(BASH_GUARD.indexOf('say "started'));
    assert.doesNotMatch(loops, /\/dev\/null/);
    // the loops wait on read -t (the control stream, or a pipe only the guard holds)
    assert.match(BASH_GUARD, /IFS= read -r -t 0\.2 l/);
    assert.match(BASH_GUARD, /nap\(\) \{ read -r -t "\$1" -u 4 _; \}/);
  });

  for (const v of VARIANTS) {
    it(`${v}: a flood of heartbeats never reads as a missing one, and each is answered`, async function () {
      this.timeout(20_000);
      // 200 heartbeats a second: the POSIX guard's file is often caught between truncation and rewrite
      const r = await runGuard(v, SLEEPER, { maxSec: 3, heartbeatTimeoutSec: 2, beatMs: 5 });
      assert.doesNotMatch(r.stderr, /stopping reason=heartbeat/, r.stderr.slice(-2000));
      assert.match(r.stderr, /exit rc=124/, 'ended by its time limit');
      assert.equal(r.rc, 124);
      assert.ok(acks(r.stderr) > 100, `heartbeats answered: ${acks(r.stderr)}`);
      assert.match(
        r.stderr,
        new RegExp(`started guard=\\d+ timeout=\\d+ bpftrace=\\d+ ack=1 variant=${v === 'posix' ? 'posix' : 'bash pump=perl'}`),
      );
      assert.equal(r.comm, 'ebpf-lens-guard', 'the guard carries its name');
      assert.deepEqual(r.files, [], 'no file left');
    });

    it(`${v}: a bpftrace that ignores the time limit's SIGINT is ended a grace period later (TERM, then KILL)`, async function () {
      this.timeout(20_000);
      const r = await runGuard(v, STUBBORN, { maxSec: 2, heartbeatTimeoutSec: 10, beatMs: 1000 });
      assert.match(r.stderr, /stopping reason=overtime/, r.stderr);
      assert.match(r.stderr, /exit rc=\d+ reason=overtime/, r.stderr);
      assert.ok(r.ms < 10_000, `ended after ${r.ms} ms`);
      assert.equal(r.left, '', 'nothing of it left');
    });

    it(`${v}: a bpftrace that misses the stop's SIGINT and timeout's TERM gets TERM again from the guard, and ends as asked (END, no KILL)`, async function () {
      this.timeout(20_000);
      // grace 2 s: the SIGINT at 0 and the TERM at 2 s are missed, the guard's own TERM at 4.2 s is heard, KILL would come at 5 s
      const r = await runGuard(v, MISSES, { maxSec: 30, heartbeatTimeoutSec: 10, beatMs: 500, stopAfterMs: 500, graceSec: 2 });
      assert.match(r.stderr, /escalating signal=TERM/, r.stderr);
      assert.doesNotMatch(r.stderr, /escalating signal=KILL/, r.stderr);
      assert.match(r.stderr, /exit rc=0 reason=stop/, r.stderr);
      assert.match(r.stdout, /end\n$/, 'it ended by itself, as a signal it heard asked');
      assert.deepEqual([r.left, r.files], ['', []]);
    });

    it(`${v}: no heartbeat for HB seconds: stopped with SIGINT, and the guard says for how long it heard nothing`, async function () {
      this.timeout(20_000);
      const r = await runGuard(v, TICKER, { maxSec: 30, heartbeatTimeoutSec: 2, beatMs: 60_000 });
      const m = /stopping reason=heartbeat silent=(\d+)/.exec(r.stderr);
      assert.ok(m, guardLines(r.stderr).join('\n'));
      assert.ok(Number(m[1]) > 2 && Number(m[1]) <= 4, `silent=${m[1]}`);
      assert.match(r.stderr, /exit rc=0 reason=heartbeat/);
      assert.match(r.stdout, /tick\n(tick\n)*end\n$/, 'SIGINT: its END ran, and all it printed came through');
      assert.ok(r.ms < 8000, `ended after ${r.ms} ms`);
      assert.equal(r.left, '');
    });

    it(`${v}: stop and EOF stop it (SIGINT), and its last words come through`, async function () {
      this.timeout(20_000);
      const stop = await runGuard(v, TICKER, { maxSec: 30, heartbeatTimeoutSec: 5, beatMs: 500, stopAfterMs: 1500 });
      assert.match(stop.stderr, /stopping reason=stop\n(.*\n)*.*exit rc=0 reason=stop/, stop.stderr);
      assert.match(stop.stdout, /end\n$/);
      assert.ok(acks(stop.stderr) >= 2, `answered: ${acks(stop.stderr)}`);
      const eof = await runGuard(v, TICKER, { maxSec: 30, heartbeatTimeoutSec: 5, beatMs: 500, eofAfterMs: 1000 });
      assert.match(eof.stderr, /exit rc=0 reason=eof/, eof.stderr);
      assert.match(eof.stdout, /end\n$/);
      assert.deepEqual([stop.left, eof.left], ['', '']);
    });
  }

  it('while a trace runs, the bash guard starts no process (counted in a pid namespace; the POSIX guard, measured the same way, starts dozens)', async function () {
    this.timeout(40_000);
    const countMs = 4000;
    const bash = await runGuard('bash', TICKER, { maxSec: 30, heartbeatTimeoutSec: 5, beatMs: 500, stopAfterMs: countMs + 1500, countMs });
    assert.match(bash.stderr, /exit rc=0 reason=stop/, bash.stderr);
    assert.equal(bash.started, 0, `processes started by the bash guard in ${countMs} ms`);
    // the same count for the POSIX guard shows that the count sees what a guard starts
    const posix = await runGuard('posix', TICKER, {
      maxSec: 30,
      heartbeatTimeoutSec: 5,
      beatMs: 500,
      stopAfterMs: countMs + 1500,
      countMs,
    });
    assert.match(posix.stderr, /exit rc=0 reason=stop/, posix.stderr);
    assert.ok((posix.started ?? 0) > 40, `processes started by the POSIX guard in ${countMs} ms: ${posix.started}`);
  });

  it('the process and file one-liners leave out the guard and what it starts (by its name, then by pid from the fork on)', () => {
    for (const [id, params] of [
      ['execsnoop', {}],
      ['opensnoop', {}],
      ['opensnoop', { comm: 'nginx', pid: '42' }],
    ] as const) {
      const s = buildSnippet(id, params);
      assert.match(
        s,
        /tracepoint:sched:sched_process_fork \/comm == "ebpf-lens-guard" \|\| @ebpf_lens_guard\[args->parent_pid\]\/\n\{\n\t@ebpf_lens_guard\[args->child_pid\] = 1;/,
      );
      assert.match(
        s,
        /tracepoint:sched:sched_process_exit \/@ebpf_lens_guard\[args->pid\]\/\n\{\n\tdelete\(@ebpf_lens_guard\[args->pid\]\);/,
      );
      assert.match(s, /tracepoint:syscalls:sys_enter_(execve|openat) \/.*comm != "ebpf-lens-guard" && !@ebpf_lens_guard\[pid\]\//);
      // the bookkeeping map is not part of the results
      assert.match(s, /END\n\{\n\tclear\(@ebpf_lens_guard\);\n\}\n$/);
    }
    assert.match(buildSnippet('opensnoop', { comm: 'nginx', pid: '42' }), /\/comm == "nginx" && pid == 42 && comm != "ebpf-lens-guard"/);
    // the name both guards give themselves is the one the filters use
    for (const g of [BASH_GUARD, POSIX_GUARD]) assert.match(g, /printf ebpf-lens-guard 2>\/dev\/null >"\/proc\/\$\$\/comm"/);
  });

  it('the installed (root-owned) guard acts only on a trace script of the user who runs it, and no link', () => {
    const dir = fs.mkdtempSync('/tmp/ebpf-lens-unit-installed-');
    try {
      const guard = `${dir}/guard`;
      fs.writeFileSync(guard, installedGuardFile(), { mode: 0o755 });
      const me = String(process.getuid?.() ?? 0);
      const script = `${dir}/ebpf-lens-0123456789`;
      fs.writeFileSync(script, 'BEGIN { exit(); }\n');
      fs.symlinkSync(script, `${dir}/ebpf-lens-abcdefghij`);
      fs.writeFileSync(`${dir}/notes.txt`, 'x');
      const refused = (file: string, sudoUid: string): string => {
        try {
          execFileSync(guard, [file, '5', '10', '1', 'sudo', '/bin/false'], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { PATH: '/usr/bin:/bin', SUDO_UID: sudoUid },
          });
        } catch (e) {
          const r = e as { status: number; stderr: string };
          return `${r.status}: ${r.stderr.trim()}`;
        }
        return 'ran';
      };
      // another user's file (as the user who runs it, any file of another uid)
      assert.equal(
        refused(script, String(Number(me) + 1)),
        `64: the trace script must be a file of the user who runs the guard: ${script}`,
      );
      assert.equal(
        refused(`${dir}/ebpf-lens-abcdefghij`, me),
        `64: the trace script must be a file of the user who runs the guard: ${dir}/ebpf-lens-abcdefghij`,
      );
      assert.equal(refused(`${dir}/notes.txt`, me), `64: not a trace script of eBPF Lens: ${dir}/notes.txt`);
      assert.equal(refused(`${dir}/ebpf-lens-/../notes`, me), `64: not a trace script of eBPF Lens: ${dir}/ebpf-lens-/../notes`);
      // nothing was renamed or removed
      assert.deepEqual(fs.readdirSync(dir).sort(), ['ebpf-lens-0123456789', 'ebpf-lens-abcdefghij', 'guard', 'notes.txt']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('guard lines', () => {
    assert.deepEqual(parseGuardLine('@@EBPF-LENS-GUARD started guard=1 timeout=2 bpftrace=3'), {
      kind: 'started',
      fields: { guard: '1', timeout: '2', bpftrace: '3' },
    });
    assert.deepEqual(parseGuardLine('@@EBPF-LENS-GUARD hb'), { kind: 'hb', fields: {} });
    assert.deepEqual(parseGuardLine('@@EBPF-LENS-GUARD stopping reason=heartbeat silent=11'), {
      kind: 'stopping',
      fields: { reason: 'heartbeat', silent: '11' },
    });
    // bpftrace wrote "ERROR", the guard its line, then bpftrace the rest (seen in the 50-node load test)
    assert.deepEqual(splitGuardLine('ERROR@@EBPF-LENS-GUARD started guard=1 timeout=2 bpftrace=3'), {
      text: 'ERROR',
      guard: { kind: 'started', fields: { guard: '1', timeout: '2', bpftrace: '3' } },
    });
    assert.deepEqual(splitGuardLine('@@EBPF-LENS-GUARD exit rc=0 reason=stop'), {
      text: '',
      guard: { kind: 'exit', fields: { rc: '0', reason: 'stop' } },
    });
    assert.deepEqual(splitGuardLine('ERROR: no guard here'), { text: 'ERROR: no guard here' });
    assert.equal(parseGuardLine('ERROR: something'), undefined);
  });
});
