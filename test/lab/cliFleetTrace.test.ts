import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../unit/paths';
import { attachedWithin, CLI_TIMEOUT_MS } from './bounds';
import { cli, nodeConfig, nothingLeft, progIds, runningOn, tempDir, tempXdg, waitFor, writeConfig } from './labEnv';

const NODES = ['edge1', 'trixie1', 'forky1'] as const;

function scriptFile(text: string): string {
  const f = path.join(tempDir('ebpf-lens-fleet-bt-'), 'script.bt');
  fs.writeFileSync(f, text);
  return f;
}

/** counts per map and key (`@by[bash,7]: 3` → '@by[bash,7]' → 3; `@total: 9` → '@total' → 9) */
type Counts = Map<string, number>;

/** The text after the live lines: `== NODE: state ==` sections and `== merged (N nodes) ==`. */
function sections(stdout: string): { live: string[]; by: Map<string, { header: string; lines: string[] }> } {
  const [live = '', ...rest] = stdout.split(/^(?=== )/m);
  const by = new Map<string, { header: string; lines: string[] }>();
  for (const s of rest) {
    const [header = '', ...lines] = s.split('\n').filter(Boolean);
    const name = /^== (merged|[\w-]+)[: ]/.exec(header)?.[1] ?? header;
    by.set(name, { header, lines });
  }
  return { live: live.split('\n').filter(Boolean), by };
}

function counts(lines: readonly string[]): Counts {
  const c: Counts = new Map();
  for (const l of lines) {
    const m = /^(@\w+(?:\[.*\])?): (\d+)$/.exec(l);
    if (m) c.set(m[1] ?? '', Number(m[2]));
  }
  return c;
}

/** every key of the merged counts is the sum of the nodes' counts for it, and no key is missing */
function assertSums(merged: Counts, perNode: readonly Counts[]): void {
  const keys = new Set(perNode.flatMap((c) => [...c.keys()]));
  assert.deepEqual([...merged.keys()].sort(), [...keys].sort());
  for (const k of keys)
    assert.equal(
      merged.get(k),
      perNode.reduce((a, c) => a + (c.get(k) ?? 0), 0),
      k,
    );
}

/** nothing of the trace is left on the node: bpftrace, the guard, the script file, the programs */
async function cleanOn(node: string, before: Set<number>): Promise<void> {
  await nothingLeft(node, undefined, before);
  await waitFor(
    () => runningOn(node, '[b]pftrace').length === 0,
    15_000,
    `no bpftrace left on ${node}`,
    100,
    () => runningOn(node, '[b]pftrace'),
  );
  assert.deepEqual(runningOn(node, '[e]bpf-lens-guard'), [], `no guard left on ${node}`);
}

const COUNTS = 'interval:ms:100 { @by[comm, 7] = count(); @total = count(); }\ninterval:s:2 { exit(); }\n';

describe('ebpf-lens trace on several nodes: a section per node and the merged maps', function () {
  this.timeout(4 * attachedWithin(CLI_TIMEOUT_MS, 10) + 60_000);
  const cfg = (): string =>
    writeConfig([
      nodeConfig('edge1', { tags: ['fleet'] }),
      nodeConfig('trixie1', { tags: ['fleet'] }),
      nodeConfig('forky1', { tags: ['fleet'] }),
      // edge1's address on a port nothing listens on: refused at once
      nodeConfig('edge1', { name: 'gone', port: 1, tags: ['other'] }),
    ]);
  const before = new Map<string, Set<number>>();
  beforeEach(() => {
    for (const n of NODES) before.set(n, progIds(n));
  });
  afterEach(async () => {
    for (const n of NODES) await cleanOn(n, before.get(n) ?? new Set());
  });

  it('--node edge1,trixie1,forky1: live lines named by node, then each node and the merged counts (their sums)', async () => {
    const r = await cli(['trace', '--config', cfg(), '--node', NODES.join(','), scriptFile(COUNTS)], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 0, r.stderr);
    const { live, by } = sections(r.stdout);
    assert.deepEqual(
      live.filter((l) => !/^(edge1|trixie1|forky1): /.test(l)),
      [],
      'every live line names its node',
    );
    assert.deepEqual([...by.keys()], [...NODES, 'merged']);
    assert.match(by.get('merged')?.header ?? '', /^== merged \(3 nodes\) ==$/);
    const perNode = NODES.map((n) => {
      const s = by.get(n);
      assert.match(s?.header ?? '', new RegExp(`^== ${n}: done, `), r.stdout);
      const c = counts(s?.lines ?? []);
      assert.ok((c.get('@total') ?? 0) > 0, `${n} counted: ${r.stdout}`);
      // the section holds the maps bpftrace printed at the end of the node's run
      assert.deepEqual(
        counts(live.filter((l) => l.startsWith(`${n}: @`)).map((l) => l.slice(n.length + 2))),
        c,
        `${n}'s section and its live end print`,
      );
      return c;
    });
    assertSums(counts(by.get('merged')?.lines ?? []), perNode);
  });

  it('--tag with --config, --json: a summary per node, then one merged record whose counts are their sums', async () => {
    const r = await cli(['trace', '--config', cfg(), '--tag', 'fleet', '--json', scriptFile(COUNTS)], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 0, r.stderr);
    type MapJson = { name: string; entries: { key: unknown; value: number }[] };
    const recs = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; node?: string; nodes?: string[]; maps?: MapJson[]; results?: { maps: MapJson[] } });
    const last = recs[recs.length - 1];
    assert.equal(last?.type, 'merged');
    assert.deepEqual(last.nodes, [...NODES]);
    const asCounts = (maps: readonly MapJson[]): Counts =>
      // a summary's keys are bpftrace's text, the merged record's arrays (as the map records'): compared as text
      new Map(
        maps.flatMap((m) =>
          m.entries.map(
            (e) => [`${m.name}${e.key === null ? '' : `[${Array.isArray(e.key) ? e.key.join(',') : String(e.key)}]`}`, e.value] as const,
          ),
        ),
      );
    const summaries = NODES.map((n) => recs.find((x) => x.type === 'summary' && x.node === n));
    const perNode = summaries.map((s) => asCounts(s?.results?.maps ?? []));
    assert.ok(
      perNode.every((c) => (c.get('@total') ?? 0) > 0),
      r.stdout,
    );
    assertSums(asCounts(last.maps ?? []), perNode);
  });

  it('a node that cannot be reached: its section says why, the other prints and is merged alone, exit 5', async () => {
    const r = await cli(['trace', '--config', cfg(), '--node', 'edge1,gone', scriptFile(COUNTS)], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 5, r.stderr);
    const { by } = sections(r.stdout);
    assert.match(by.get('gone')?.header ?? '', /^== gone: failed ==$/);
    assert.match(by.get('gone')?.lines[0] ?? '', /^ERROR \(ssh\.unreachable\): /);
    assert.match(r.stderr, /^ebpf-lens: gone: /m);
    assert.match(by.get('merged')?.header ?? '', /^== merged \(1 node\) ==$/);
    const edge = counts(by.get('edge1')?.lines ?? []);
    assert.ok((edge.get('@total') ?? 0) > 0, r.stdout);
    assertSums(counts(by.get('merged')?.lines ?? []), [edge]);
  });

  it('| head -2 on several nodes: every trace stops, exit 141, nothing left on either node', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'dist', 'cli.js'),
        'trace',
        '--config',
        cfg(),
        '--tag',
        'fleet',
        scriptFile('interval:ms:50 { printf("line %d\\n", @n); @n++; }\n'),
      ],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: os.homedir(), XDG_CONFIG_HOME: tempXdg() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (x) => resolve(x)));
    await waitFor(
      () => NODES.every((n) => new RegExp(`^Attached \\d+ probes? on ${n}$`, 'm').test(stderr)),
      attachedWithin(CLI_TIMEOUT_MS, 10),
      'both traces attached',
      100,
      () => stderr,
    );
    // as head -2 does once it has its lines: close the pipe
    child.stdout.destroy();
    assert.equal(await exited, 141, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Node\.js|at .*\.js:\d+/, stderr);
  });

  it('Ctrl-C stops every node: END runs on each, the sections and the merge print, nothing is left running', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'dist', 'cli.js'),
        'trace',
        '--config',
        cfg(),
        '--node',
        NODES.join(','),
        scriptFile('interval:ms:100 { @total = count(); }\nEND { printf("end\\n"); }\n'),
      ],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: os.homedir(), XDG_CONFIG_HOME: tempXdg() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (x) => resolve(x)));
    await waitFor(
      () => NODES.every((n) => new RegExp(`^Attached \\d+ probes? on ${n}$`, 'm').test(stderr)),
      attachedWithin(CLI_TIMEOUT_MS, 10),
      'both traces attached',
      100,
      () => stderr,
    );
    for (const n of NODES) assert.equal(runningOn(n, '[b]pftrace').length > 0, true, `bpftrace runs on ${n}`);
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    for (const n of NODES) assert.match(stdout, new RegExp(`^${n}: end$`, 'm'), 'END ran on each node');
    const { by } = sections(stdout);
    assert.deepEqual([...by.keys()], [...NODES, 'merged']);
    assertSums(
      counts(by.get('merged')?.lines ?? []),
      NODES.map((n) => counts(by.get(n)?.lines ?? [])),
    );
  });
});
