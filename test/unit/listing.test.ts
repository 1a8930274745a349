import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseLinkShow, parseMapShow, parseNet, parsePerf, parseProgShow } from '../../src/core/bpftool/parse';
import type { RemoteCommand } from '../../src/core/remote/command';
import { CancelledError, SshError, ToolError } from '../../src/core/base/errors';
import type { RawListing } from '../../src/core/nodes/listing';
import { listNode, listingJson, mergeListing } from '../../src/core/nodes/listing';
import { fixture } from './paths';

function raw(v: string): RawListing {
  const read = (f: string): string => fs.readFileSync(fixture('bpftool', v, f), 'utf8');
  return {
    programs: parseProgShow(read('prog_show.json')).value,
    maps: parseMapShow(read('map_show.json')).value,
    links: parseLinkShow(read('link_show.json')).value,
    net: parseNet(read('net.json')).value,
    perf: parsePerf(read('perf.json')).value,
  };
}

describe('listing merge', () => {
  it('attach points come from links, net and perf; owners from perf', () => {
    const l = mergeListing(raw('7.5'));
    const xdp = l.programs.find((p) => p.program.id === 120);
    assert.ok(xdp);
    assert.deepEqual(xdp.attach.map((a) => a.via).sort(), ['link', 'net']);
    assert.ok(xdp.attach.some((a) => a.via === 'net' && a.target === 'eth0 driver'));
    const counter = l.programs.find((p) => p.program.id === 114);
    assert.deepEqual(counter?.attach, [{ via: 'link', kind: 'perf_event', linkId: 91, target: 'sys_enter_write' }]);
    assert.deepEqual(counter?.mapNames, ['write_counts']);
    const traced = l.programs.find((p) => p.program.id === 127);
    assert.deepEqual(traced?.owners, [{ pid: 17877 }]);
    assert.equal(traced?.attach[0]?.target, 'sys_enter_openat');
  });

  it('an XDP link attached in another network namespace is shown by its ifindex, not by the name bpftool gave it here', () => {
    // recorded from the machine's own namespace while edge1 and trixie1 had XDP on their eth0:
    // bpftool 7.5 named ifindex 2 after the machine's ifb0; `bpftool net` here lists no XDP
    const read = (v: string, f: string): string => fs.readFileSync(fixture('bpftool', v, f), 'utf8');
    const here = (v: string, unavailable = false): RawListing => ({
      programs: [],
      maps: [],
      links: parseLinkShow(read(v, 'link_show_other_netns.json')).value,
      net: parseNet(read(v, 'net_other_netns.json')).value,
      perf: [],
      ...(unavailable ? { netUnavailable: true } : {}),
    });
    const l = mergeListing(here('7.5'));
    assert.deepEqual(
      l.links.filter((k) => k.type === 'xdp').map((k) => [k.id, k.target]),
      [
        [92, 'ifindex 2 (in another network namespace)'],
        [94, 'ifindex 2 (in another network namespace)'],
      ],
    );
    assert.ok(!JSON.stringify(listingJson(l)).includes('ifb0'), 'the wrong name is nowhere');
    // without `bpftool net` the name cannot be checked: the caveat is a question
    assert.equal(mergeListing(here('7.5', true)).links.find((k) => k.id === 92)?.target, 'ifindex 2 (another network namespace?)');
    // bpftool 7.1 prints no device for an XDP link at all: nothing to correct
    assert.equal(mergeListing(here('7.1')).links.find((k) => k.id === 92)?.target, undefined);
    // in the node's own namespace (7.5 listing of trixie1): its own program is on its eth0, edge1's is elsewhere
    const own = mergeListing(raw('7.5'));
    assert.deepEqual(
      own.programs.find((p) => p.program.id === 120)?.attach.find((a) => a.via === 'link'),
      { via: 'link', kind: 'xdp', linkId: 92, target: 'eth0' },
    );
    assert.equal(
      own.programs.find((p) => p.program.id === 106)?.attach.find((a) => a.via === 'link')?.target,
      'ifindex 2 (in another network namespace)',
    );
  });

  it('a scope by pin prefix keeps only what this node pinned, and the maps those programs use', () => {
    const l = mergeListing(raw('7.1'), { pinPrefixes: ['/sys/fs/bpf/edge'] });
    assert.deepEqual(l.programs.map((p) => p.program.id).sort(), [100, 106]);
    assert.deepEqual(l.maps.map((m) => m.id).sort(), [25, 26]);
    assert.deepEqual(l.links.map((k) => k.id).sort(), [89, 90]);
  });

  it('a prefix matches whole path components only', () => {
    assert.equal(mergeListing(raw('7.1'), { pinPrefixes: ['/sys/fs/bpf/ed'] }).programs.length, 0);
    assert.equal(mergeListing(raw('7.1'), { pinPrefixes: ['/sys/fs/bpf/edge/'] }).programs.length, 2);
  });

  it('a scope by name pattern', () => {
    const l = mergeListing(raw('7.1'), { namePatterns: ['count_*'] });
    assert.deepEqual(l.programs.map((p) => p.program.id).sort(), [100, 114]);
    assert.deepEqual(l.maps.map((m) => m.id).sort(), [25, 28]);
  });

  it('JSON view is plain data with ISO load times', () => {
    const j = listingJson(mergeListing(raw('7.1'), { pinPrefixes: ['/sys/fs/bpf/edge'] }));
    const progs = j['programs'] as { id: number; loadedAt: string; tag: string }[];
    assert.match(progs[0]?.loadedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(JSON.parse(JSON.stringify(j)).programs.length, 2);
  });
});

describe('listNode', () => {
  const outputs = (v: string): Record<string, string> => ({
    'prog show': fs.readFileSync(fixture('bpftool', v, 'prog_show.json'), 'utf8'),
    'map show': fs.readFileSync(fixture('bpftool', v, 'map_show.json'), 'utf8'),
    'link show': fs.readFileSync(fixture('bpftool', v, 'link_show.json'), 'utf8'),
    'net show': fs.readFileSync(fixture('bpftool', v, 'net.json'), 'utf8'),
    'perf show': fs.readFileSync(fixture('bpftool', v, 'perf.json'), 'utf8'),
  });
  // a runner that answers each descriptor with captured output (the descriptors' own interpret)
  const runner =
    (out: Record<string, string>, fail: string[] = []) =>
    async <T>(cmd: RemoteCommand<T>): Promise<T> => {
      const key = cmd.argv.slice(-2).join(' ');
      if (cmd.argv[0] === 'ps') return cmd.interpret({ stdout: '17877 bpftrace\n17878 bpftrace\n', stderr: '', code: 0 });
      if (fail.includes(key)) return cmd.interpret({ stdout: '{"error":"can\'t get next link: Invalid argument"}', stderr: '', code: 255 });
      return cmd.interpret({ stdout: out[key] ?? '', stderr: '', code: 0 });
    };

  it('names owners through ps', async () => {
    const l = await listNode(runner(outputs('7.1')));
    assert.deepEqual(l.programs.find((p) => p.program.id === 127)?.owners, [{ pid: 17877, comm: 'bpftrace' }]);
  });

  it('links, net and perf failing is a warning; prog show failing fails the node', async () => {
    const l = await listNode(runner(outputs('7.1'), ['link show', 'perf show']));
    assert.equal(l.programs.length, 8);
    assert.equal(l.warnings.length, 2);
    await assert.rejects(listNode(runner({ ...outputs('7.1'), 'prog show': '[{"id": 1,' })), (e) => ToolError.is(e, 'badOutput'));
  });

  it("`bpftool net` failing: a link's device cannot be checked, and the listing says so", async () => {
    const l = await listNode(runner(outputs('7.5'), ['net show']));
    assert.equal(l.links.find((k) => k.id === 92)?.target, 'ifindex 2 (another network namespace?)');
    assert.ok(l.warnings.some((w) => /Invalid argument/.test(w)));
    const ok = await listNode(runner(outputs('7.5')));
    assert.equal(ok.links.find((k) => k.id === 92)?.target, 'eth0');
  });

  it('only a failure of bpftool itself falls back from the batch to separate calls; a lost link or a cancel fails at once', async () => {
    for (const [error, check] of [
      [new SshError('disconnected', 'the connection to edge1 was lost'), (e: unknown) => SshError.is(e, 'disconnected')],
      [new CancelledError(), (e: unknown) => CancelledError.is(e)],
    ] as const) {
      const asked: string[] = [];
      const run = async <T>(cmd: RemoteCommand<T>): Promise<T> => {
        asked.push(cmd.argv.join(' '));
        throw error;
      };
      await assert.rejects(listNode(run), check);
      assert.deepEqual(asked, ['bpftool -j -f batch file -'], 'the batch only: no doomed separate calls');
    }
    // bpftool failing the batch (here: an answer it cannot parse): the five views one by one
    const asked: string[] = [];
    const out = outputs('7.1');
    const base = runner(out);
    const l = await listNode(async <T>(cmd: RemoteCommand<T>): Promise<T> => {
      asked.push(cmd.argv.slice(-2).join(' '));
      return base(cmd);
    });
    assert.equal(l.programs.length, 8);
    assert.deepEqual(asked.slice(0, 6).sort(), ['file -', 'link show', 'map show', 'net show', 'perf show', 'prog show']);
  });
});
