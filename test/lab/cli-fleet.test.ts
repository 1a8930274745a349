import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../unit/paths';
import { attachedWithin, CLI_TIMEOUT_MS } from './bounds';
import { cli, nodeConfig, nothingLeft, progIds, runningOn, tempDir, tempXdg, writeConfig } from './labEnv';

/** a script file for the CLI */
function scriptFile(text: string): string {
  const f = path.join(tempDir('ebpf-lens-cli-bt-'), 'script.bt');
  fs.writeFileSync(f, text);
  return f;
}

const TICKS = 'interval:ms:200 { printf("tick %d\\n", @n); @n++; @by[comm, 7] = count(); }\ninterval:s:2 { exit(); }\n';

describe("the CLI on several nodes (--node a,b / --tag) and its words for a user's stumbles", function () {
  this.timeout(4 * attachedWithin(CLI_TIMEOUT_MS, 10) + 60_000);
  const cfg = (): string =>
    writeConfig([
      nodeConfig('edge1', { tags: ['lab', 'bookworm'] }),
      nodeConfig('trixie1', { tags: ['lab', 'trixie'] }),
      { name: 'broken', host: '10.200.0.11', user: '-oProxyCommand=x' },
    ]);

  it('trace --node edge1,trixie1: both run, each line names its node; --json records carry node and key arrays', async () => {
    const c = cfg();
    const r = await cli(['trace', '--config', c, '--node', 'edge1,trixie1', scriptFile(TICKS)], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 0, r.stderr);
    // the live lines; after them, once both have ended, a section per node and the merged maps (cliFleetTrace.test.ts)
    const lines = (r.stdout.split(/^== /m)[0] ?? '').split('\n').filter(Boolean);
    for (const n of ['edge1', 'trixie1'])
      assert.ok(
        lines.some((l) => l.startsWith(`${n}: tick `)),
        `${n}'s ticks in:\n${r.stdout}`,
      );
    assert.deepEqual(
      lines.filter((l) => !/^(edge1|trixie1): /.test(l)),
      [],
      'every line names its node',
    );
    const j = await cli(['trace', '--config', c, '--tag', 'trixie', '--json', scriptFile(TICKS)], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(j.code, 0, j.stderr);
    const recs = j.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; node: string; map?: { name: string; entries: { key: unknown }[] } });
    assert.ok(recs.every((x) => x.node === 'trixie1'));
    const by = recs.find((x) => x.type === 'map' && x.map?.name === '@by');
    assert.ok(by, j.stdout);
    assert.ok(
      by.map?.entries.every((e) => Array.isArray(e.key) && e.key[1] === 7),
      JSON.stringify(by),
    );
  });

  it('check and snapshot take node lists and tags', async () => {
    const c = cfg();
    const bt = scriptFile('BEGIN { printf("%d\\n", nosuch_builtin_x); }\n');
    const k = await cli(['check', bt, '--config', c, '--node', 'edge1,trixie1'], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(k.code, 1, k.stderr);
    for (const n of ['edge1', 'trixie1']) assert.match(k.stdout, new RegExp(`\\[node:${n}\\]`));
    const out = tempDir('ebpf-lens-cli-snaps-');
    const s = await cli(['snapshot', '--config', c, '--tag', 'lab', '--out', out, '--json'], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(s.code, 0, s.stderr);
    const rows = s.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { node: string; saved: boolean });
    assert.deepEqual(
      rows.map((x) => [x.node, x.saved]),
      [
        ['edge1', true],
        ['trixie1', true],
      ],
    );
  });

  it('list --all: an entry with a bad user is a failed row and exit 5, the others listed', async () => {
    const r = await cli(['list', '--config', cfg(), '--all'], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /^broken {2}ERROR \(config\): node "broken": .*user/m);
    assert.match(r.stdout, /^edge1 /m);
    assert.match(r.stdout, /^trixie1 /m);
  });

  it('a wrong identityFile is named in the authentication error; a missing known_hosts file is mentioned', async () => {
    const c = writeConfig([nodeConfig('edge1', { identityFile: '/nonexistent/ebpf-lens-key' })], ['/nonexistent/known_hosts', ...[]]);
    const r = await cli(['list', '--config', c, '--node', 'edge1', '--accept-new'], { XDG_CONFIG_HOME: tempXdg() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the known_hosts file \/nonexistent\/known_hosts does not exist/);
    assert.match(r.stderr, /authentication failed .*could not use identity file \/nonexistent\/ebpf-lens-key \(no such file\)/);
  });

  for (const json of [false, true]) {
    it(`trace${json ? ' --json' : ''} | head -2: the trace stops as Ctrl-C would, the CLI exits quietly (141), nothing left on the node`, async () => {
      const before = progIds('edge1');
      const c = cfg();
      const child = spawn(
        process.execPath,
        [
          path.join(repoRoot, 'dist', 'cli.js'),
          'trace',
          '--config',
          c,
          '--node',
          'edge1',
          ...(json ? ['--json'] : []),
          scriptFile('interval:ms:50 { printf("line %d\\n", @n); @n++; }\n'),
        ],
        {
          env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: os.homedir(), XDG_CONFIG_HOME: tempXdg() },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let seen = '';
      // as head -2 does: read two lines, then close the pipe
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.split('\n').length > 2) resolve();
        }),
      );
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('exit', (x) => resolve(x)));
      assert.equal(code, 141, stderr);
      assert.doesNotMatch(stderr, /EPIPE|Node\.js|at .*\.js:\d+/, stderr);
      await nothingLeft('edge1', undefined, before);
      assert.deepEqual(runningOn('edge1', '[e]bpf-lens-guard'), []);
    });
  }
});
