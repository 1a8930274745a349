import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { argsMessage, loadInventory } from '../../src/cli/common';
import { Exit } from '../../src/cli/exitCodes';
import { main } from '../../src/cli/main';
import type { Verb } from '../../src/cli/options';
import { OPTIONS, VERBS, optionsOf, parseVerb } from '../../src/cli/options';
import { fleetExit, selectNodes } from '../../src/cli/select';
import { mergedRecord, sectionsText } from '../../src/cli/traceReport';
import { USAGE } from '../../src/cli/usage';
import { keyParts, mapWithKeyArrays, splitKey } from '../../src/core/trace/keys';
import { keyLabeller } from '../../src/core/trace/labels';
import { SNIPPETS } from '../../src/core/trace/library';
import type { MapSnapshot } from '../../src/core/trace/output';
import { emptyResults, TraceSession } from '../../src/ssh/traceSession';
import { repoRoot } from './paths';

function tempConfig(nodes: unknown[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-unit-cli-'));
  const f = path.join(dir, 'nodes.json');
  fs.writeFileSync(f, JSON.stringify({ 'ebpfLens.nodes': nodes }));
  return f;
}

const FLEET = [
  { name: 'edge1', host: '10.0.0.1', tags: ['paris', 'edge'] },
  { name: 'edge2', host: '10.0.0.2', tags: ['berlin', 'edge'] },
  { name: 'core1', host: '10.0.0.3', tags: ['core'] },
  { name: 'bad1', host: '-oProxyCommand=x' },
  { name: 'bad2', host: '10.0.0.5', user: 'a b' },
];

describe('cli: choosing nodes (--node lists, --tag, --all)', () => {
  const inv = loadInventory(tempConfig(FLEET));

  it('an entry with a bad host or user is an invalid node by name, not a warning', () => {
    assert.deepEqual(
      inv.nodes.map((n) => n.name),
      ['edge1', 'edge2', 'core1'],
    );
    assert.deepEqual(
      inv.invalid.map((n) => n.name),
      ['bad1', 'bad2'],
    );
    assert.match(inv.invalid[0]?.message ?? '', /host/);
    assert.deepEqual(inv.warnings, []);
  });
  it('names, comma lists and repeats, each node once, in the order given', () => {
    const s = selectNodes(inv, { node: ['edge2,edge1', 'edge2', ' core1 '] });
    assert.deepEqual(
      s.nodes.map((n) => n.name),
      ['edge2', 'edge1', 'core1'],
    );
  });
  it('tags (any of them), with names', () => {
    assert.deepEqual(
      selectNodes(inv, { tag: ['edge'] }).nodes.map((n) => n.name),
      ['edge1', 'edge2'],
    );
    assert.deepEqual(
      selectNodes(inv, { tag: ['core,paris'] }).nodes.map((n) => n.name),
      ['edge1', 'core1'],
    );
    assert.deepEqual(
      selectNodes(inv, { node: ['core1'], tag: ['berlin'] }).nodes.map((n) => n.name),
      ['core1', 'edge2'],
    );
  });
  it('an unknown name or tag is a usage error naming what is known', () => {
    assert.throws(() => selectNodes(inv, { node: ['edge1,edge9'] }), /unknown node "edge9" \(known: edge1, edge2, core1, bad1, bad2\)/);
    assert.throws(() => selectNodes(inv, { tag: ['tokyo'] }), /no node has the tag "tokyo" \(tags: berlin, core, edge, paris\)/);
    assert.throws(() => selectNodes(inv, {}), /give --node NAME/);
    assert.throws(() => selectNodes(inv, { all: true, node: ['edge1'] }), /--all/);
  });
  it('a named invalid entry, and --all, report invalid entries as failed nodes', () => {
    const s = selectNodes(inv, { node: ['edge1,bad2'] });
    assert.deepEqual([s.nodes.map((n) => n.name), s.invalid.map((n) => n.name)], [['edge1'], ['bad2']]);
    const all = selectNodes(inv, { all: true });
    assert.deepEqual([all.nodes.length, all.invalid.length], [3, 2]);
  });
  it('one exit code for several nodes', () => {
    assert.equal(fleetExit([0, 0], 0, 5), 0);
    assert.equal(fleetExit([3], 0, 5), 3);
    assert.equal(fleetExit([3, 3], 0, 5), 3);
    assert.equal(fleetExit([0, 3], 0, 5), 5);
    assert.equal(fleetExit([2, 3], 0, 5), 5);
  });
  it('list --all with an invalid entry: its failed row, exit 2 (usage) when it is the only failure of one', async () => {
    const cfg = tempConfig([{ name: 'bad1', host: '-oProxyCommand=x' }]);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['list', '--config', cfg, '--all', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), env: {} });
    assert.equal(code, Exit.usage, err.join('\n'));
    const j = JSON.parse(out.join('\n')) as { nodes: { node: string; ok: boolean; error: { kind: string } }[] };
    assert.deepEqual(
      j.nodes.map((n) => [n.node, n.ok, n.error.kind]),
      [['bad1', false, 'config']],
    );
  });
});

describe('cli: words for what Node says', () => {
  it('a value starting with "-" is named, with the way to give it', () => {
    const args = ['--node', '-rf'];
    let msg: string | undefined;
    try {
      parseArgs({ args, options: { node: { type: 'string' } } });
    } catch (e) {
      msg = argsMessage(e, args);
    }
    assert.equal(msg, '--node was given "-rf", which starts with "-" like an option; if that is the value you mean, write --node=-rf');
    assert.equal(argsMessage(new Error('x'), args), undefined);
  });
  it('help says a trace lasts 600 s by default, as the extension, and names --tag', () => {
    assert.match(USAGE, /--duration S\s+end the trace after S seconds \(default 600/);
    assert.doesNotMatch(USAGE, /hour/);
    assert.match(USAGE, /--tag TAG/);
  });
});

describe('cli: composite map keys as arrays', () => {
  it('knows the parts of each map key from the script', () => {
    const p = keyParts(
      't:syscalls:sys_enter_read { @r[comm, pid] = count(); @s[str(args.buf), 1 + 2, cpu] = sum(1); @x = 1; @t[(comm, tid)] = 1; }',
    );
    assert.deepEqual(p.get('@r'), ['text', 'int']);
    assert.deepEqual(p.get('@s'), ['text', 'int', 'int']);
    assert.deepEqual(p.get('@x'), undefined);
    assert.deepEqual(p.get('@t'), ['text', 'int']);
  });
  it('splits exactly, also when the text part holds commas', () => {
    assert.deepEqual(splitKey('dd,2', ['text', 'int']), ['dd', 2]);
    assert.deepEqual(splitKey('a,b,c,2', ['text', 'int']), ['a,b,c', 2]);
    assert.deepEqual(splitKey('7,x,y,2', ['int', 'text', 'int']), [7, 'x,y', 2]);
    assert.deepEqual(splitKey('x,y,z', ['text', 'text']), undefined, 'two text parts and a comma too many: not guessed');
    assert.deepEqual(splitKey('x', ['text', 'int']), undefined);
  });
  it('a map record keeps keys it cannot split, and single keys, as strings', () => {
    const parts = keyParts('BEGIN { @r[comm, pid] = count(); @one[comm] = count(); }');
    const m = mapWithKeyArrays(
      {
        name: '@r',
        kind: 'map',
        keyed: true,
        entries: [
          { key: 'a,b,3', value: 1 },
          { key: 'dd,2', value: 5 },
        ],
      },
      parts,
    ) as { entries: { key: unknown }[] };
    assert.deepEqual(
      m.entries.map((e) => e.key),
      [
        ['a,b', 3],
        ['dd', 2],
      ],
    );
    const one = { name: '@one', kind: 'map' as const, keyed: true, entries: [{ key: 'a,b', value: 1 }] };
    assert.equal(mapWithKeyArrays(one, parts), one);
  });
});

describe('cli: a closed standard output', () => {
  it('check | head -1: stops quietly with 141, no stack, no summary', async function () {
    this.timeout(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-unit-epipe-'));
    const bt = path.join(dir, 'many.bt');
    fs.writeFileSync(bt, 'BEGIN { nosuchfn(); }\n'.repeat(20_000));
    const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'src', 'cli', 'main.js'), 'check', bt], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // the reader takes its first chunk and goes away, as head does
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(stderr, '');
    assert.equal(code, Exit.outputClosed);
  });
});

describe("labels for the one-liners' map keys", () => {
  const facts = { programs: new Map([[1636, 'xdp_edge']]), interfaces: new Map([[4, 'inc0']]) };
  it('XDP exceptions: program name and id, action, interface', () => {
    const xdp = SNIPPETS.find((s) => s.id === 'xdp-exceptions');
    const label = keyLabeller(xdp?.build({}) ?? '');
    assert.ok(label);
    assert.equal(label('@xdp_exceptions', '1636,0,4', facts), 'xdp_edge (1636) · XDP_ABORTED · inc0');
    assert.equal(
      label('@xdp_exceptions', '77,9,5', facts),
      'prog 77 · action 9 · ifindex 5',
      'what the listing does not know stays a number',
    );
    assert.equal(label('@other', '1,2,3', facts), undefined);
  });
  it("a user's own script with a map of that name is not guessed at", () => {
    assert.equal(keyLabeller('BEGIN { @xdp_exceptions[1, 2, 3] = count(); }'), undefined);
  });
});

describe('cli: one option table for parsing and the usage text', () => {
  const parseError = (verb: Verb, args: string[]): string => {
    try {
      parseVerb(verb, args, true);
    } catch (e) {
      return String((e as { code?: string }).code);
    }
    return 'parsed';
  };
  it('each verb takes exactly the options the table gives it', () => {
    for (const verb of VERBS) {
      for (const [name, o] of Object.entries(OPTIONS)) {
        const args = o.type === 'string' ? [`--${name}`, 'x'] : [`--${name}`];
        const takes = (o.verbs as readonly Verb[]).includes(verb);
        assert.equal(parseError(verb, args), takes ? 'parsed' : 'ERR_PARSE_ARGS_UNKNOWN_OPTION', `${verb} --${name}`);
      }
    }
    assert.deepEqual(optionsOf('diff'), ['no-instructions', 'json', 'help']);
  });
  it('defaults per verb, booleans false, lists as arrays, -h on every verb', () => {
    assert.equal(parseVerb('trace', [], true).values.timeout, '20');
    assert.equal(parseVerb('check', [], true).values.timeout, '60');
    assert.equal(parseVerb('list', [], false).values.concurrency, '8');
    assert.equal(parseVerb('trace', [], true).values.concurrency, '16');
    assert.equal(parseVerb('snapshot', [], false).values.out, 'ebpf-lens-snapshots');
    const t = parseVerb('trace', ['--node', 'a,b', '--node', 'c', '--json', 'x.bt'], true);
    assert.deepEqual(
      [t.values.node, t.values.json, t.values['accept-new'], t.positionals, t.help],
      [['a,b', 'c'], true, false, ['x.bt'], false],
    );
    for (const verb of VERBS) assert.equal(parseVerb(verb, ['-h'], false).help, true, verb);
    assert.throws(() => parseVerb('list', ['extra'], false), /Unexpected argument/);
  });
  it('the usage text names every option once, with its value and the verbs that take it', () => {
    for (const [name, o] of Object.entries(OPTIONS)) {
      const line = USAGE.split('\n').filter((l) => new RegExp(`^ {2}(-\\w, )?--${name}\\b`).test(l));
      assert.equal(line.length, 1, `--${name}: ${line.join(' | ')}`);
      if ('arg' in o) assert.ok(line[0]?.includes(`--${name} ${o.arg}`), line[0]);
    }
    assert.match(USAGE, /--concurrency N +nodes worked on \(trace: started\) at once \(list, trace; default 8; trace 16\)/);
    assert.match(USAGE, /--timeout SECONDS +per connection and per command \(default 20; check 60\)/);
    assert.match(USAGE, /--all +every node of the inventory \(list\)/);
  });
  it('--help after a verb prints the usage and exits 0; a verb given an option of another is a usage error', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: {} };
    assert.equal(await main(['check', '--help'], io), Exit.ok);
    assert.equal(out.join(''), USAGE);
    assert.equal(await main(['diff', '--all'], io), Exit.usage);
    assert.match(err.join('\n'), /Unknown option '--all'[\s\S]*ebpf-lens --help for usage/);
  });
});

describe('cli: a trace on several nodes, its sections and the merged maps', () => {
  const map = (name: string, entries: [string, number][]): MapSnapshot => ({
    name,
    kind: 'map',
    keyed: true,
    entries: entries.map(([key, value]) => ({ key, value })),
  });
  const node = (name: string, maps: MapSnapshot[]) => ({
    node: name,
    state: 'done',
    startedAt: 1,
    results: { ...emptyResults(), maps },
  });
  const script = 'interval:ms:100 { @by[comm, 7] = count(); @max[comm] = max(nsecs); }';
  const session = TraceSession.fromSaved({
    version: 1,
    id: 'abc',
    title: 't',
    script,
    startedAt: 1,
    nodes: [
      node('edge1', [
        map('@by', [
          ['bash,7', 3],
          ['sshd,7', 1],
        ]),
        map('@max', [['bash', 5]]),
      ]),
      node('edge2', [map('@by', [['bash,7', 4]]), map('@max', [['bash', 9]])]),
      {
        node: 'edge3',
        state: 'failed',
        startedAt: 1,
        error: { kind: 'ssh.unreachable', message: 'edge3 is down' },
        results: emptyResults(),
      },
    ],
  });
  it('a section per node (its maps or its error), then the maps merged by their aggregation', () => {
    assert.equal(
      sectionsText(session, [{ name: 'bad', message: 'node "bad": bad user' }]),
      [
        '== edge1: done ==',
        '@by[sshd,7]: 1',
        '@by[bash,7]: 3',
        '@max[bash]: 5',
        '== edge2: done ==',
        '@by[bash,7]: 4',
        '@max[bash]: 9',
        '== edge3: failed ==',
        'ERROR (ssh.unreachable): edge3 is down',
        '(no maps)',
        '== bad: failed ==',
        'ERROR (config): node "bad": bad user',
        '== merged (2 nodes) ==',
        '@by[sshd,7]: 1',
        '@by[bash,7]: 7',
        '@max[bash]: 9',
        '',
      ].join('\n'),
    );
  });
  it('--json: one merged record, composite keys as arrays', () => {
    const r = JSON.parse(mergedRecord(session, keyParts(script))) as {
      type: string;
      nodes: string[];
      maps: { name: string; entries: unknown[] }[];
    };
    assert.deepEqual([r.type, r.nodes], ['merged', ['edge1', 'edge2']]);
    assert.deepEqual(r.maps.find((m) => m.name === '@by')?.entries, [
      { key: ['bash', 7], value: 7 },
      { key: ['sshd', 7], value: 1 },
    ]);
  });
  it('nodes that cannot be reached: each reported in its section, merged over none, exit 3', async function () {
    this.timeout(20_000);
    const cfg = tempConfig([
      { name: 'n1', host: '127.0.0.1', port: 1, tags: ['t'] },
      { name: 'n2', host: '127.0.0.1', port: 1, tags: ['t'] },
    ]);
    const bt = path.join(path.dirname(cfg), 'x.bt');
    fs.writeFileSync(bt, 'BEGIN { exit(); }');
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (s: string) => out.push(`${s}\n`),
      write: (s: string) => out.push(s),
      err: (s: string) => err.push(s),
      env: { XDG_CONFIG_HOME: path.dirname(cfg) },
    };
    const code = await main(['trace', '--config', cfg, '--tag', 't', '--known-hosts', cfg, bt], io);
    assert.equal(code, Exit.connection, err.join('\n'));
    const text = out.join('');
    assert.match(
      text,
      /^== n1: failed ==\nERROR \(ssh\.unreachable\): .*\n== n2: failed ==\nERROR \(ssh\.unreachable\): .*\n== merged \(0 nodes\) ==\n\(no maps\)\n$/,
    );
    assert.deepEqual(
      err.map((l) => l.split(':')[1]),
      [' n1', ' n2'],
    );
  });
});
