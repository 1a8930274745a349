import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { linkShow, netShow, progShow } from '../../src/core/bpftool/commands';
import { parseBpftoolVersion, parseLinkShow, parseMapShow, parseNet, parsePerf, parseProgShow } from '../../src/core/bpftool/parse';
import { ToolError } from '../../src/core/base/errors';
import { fixture } from './paths';

const read = (v: string, f: string): string => fs.readFileSync(fixture('bpftool', v, f), 'utf8');

// Captured on the lab: v7.1 = Debian bookworm bpftool 7.1.0 (the machine's), v7.5 = trixie 7.5.0.
// Each node had counter_v1 (tracepoint) and xdp_count deployed and a bpftrace running
// (tracepoint:syscalls:sys_enter_openat + uprobe:/bin/bash:readline).
// Captured on forky1 (bpftool 7.8.0) with its bpffs mounted twice at /sys/fs/bpf (as where systemd
// and a container runtime both mount it): bpftool walks each mount and prints every pin twice.
describe('bpftool on a node whose bpffs is mounted twice', () => {
  it('each pinned path once, for programs, maps and links', () => {
    const raw = JSON.parse(read('7.8', 'prog-double-bpffs.json')) as { pinned?: string[] }[];
    assert.ok(
      raw.some((p) => (p.pinned ?? []).length === 2 && p.pinned?.[0] === p.pinned?.[1]),
      'the capture has the doubled pin',
    );
    const progs = parseProgShow(read('7.8', 'prog-double-bpffs.json'));
    assert.deepEqual(progs.errors, []);
    assert.deepEqual(
      progs.value.map((p) => p.pinned),
      [['/sys/fs/bpf/edge/counter/prog_count_writes'], []],
    );
    assert.deepEqual(
      parseMapShow(read('7.8', 'map-double-bpffs.json')).value.flatMap((m) => m.pinned),
      ['/sys/fs/bpf/edge/counter/map_write_counts'],
    );
    assert.deepEqual(
      parseLinkShow(read('7.8', 'link-double-bpffs.json')).value.flatMap((l) => l.pinned),
      ['/sys/fs/bpf/edge/counter/link_count_writes'],
    );
  });
});

for (const v of ['7.1', '7.5']) {
  describe(`bpftool ${v} output`, () => {
    it('prog show: every program, with pins where this node pinned them', () => {
      const r = parseProgShow(read(v, 'prog_show.json'));
      assert.deepEqual(r.errors, []);
      const counters = r.value.filter((p) => p.name === 'count_writes');
      assert.equal(counters.length, 2);
      for (const p of counters) {
        assert.equal(p.type, 'tracepoint');
        assert.equal(p.tag, '88d5a222547c06a0');
        assert.equal(p.mapIds.length, 1);
        assert.ok(p.loadedAt && p.loadedAt > 1.7e9);
      }
      assert.equal(counters.filter((p) => p.pinned.includes('/sys/fs/bpf/edge/counter/prog_count_writes')).length, 1);
      assert.ok(r.value.some((p) => p.type === 'xdp' && p.name === 'xdp_count'));
    });

    it('map show: sizes and pins', () => {
      const r = parseMapShow(read(v, 'map_show.json'));
      assert.deepEqual(r.errors, []);
      const wc = r.value.find((m) => m.name === 'write_counts' && m.pinned.length > 0);
      assert.ok(wc);
      assert.equal(wc.type, 'hash');
      assert.equal(wc.bytesKey, 4);
      assert.equal(wc.bytesValue, 8);
      assert.equal(wc.maxEntries, 10240);
    });

    it('link show: perf_event and xdp links', () => {
      const r = parseLinkShow(read(v, 'link_show.json'));
      assert.deepEqual(r.errors, []);
      assert.deepEqual([...new Set(r.value.map((l) => l.type))].sort(), ['perf_event', 'xdp']);
      const pinned = r.value.filter((l) => l.pinned.length > 0);
      assert.equal(pinned.length, 2);
      if (v === '7.5') {
        // 7.5 names the tracepoint and the device; 7.1 prints neither
        assert.ok(r.value.some((l) => l.target === 'sys_enter_write'));
        assert.ok(r.value.some((l) => l.target === 'eth0'));
      } else {
        assert.ok(r.value.every((l) => l.target === undefined));
      }
    });

    it('net: the xdp program on eth0 in driver mode', () => {
      const r = parseNet(read(v, 'net.json'));
      assert.deepEqual(r.errors, []);
      assert.equal(r.value.length, 1);
      assert.equal(r.value[0]?.kind, 'xdp');
      assert.equal(r.value[0]?.devname, 'eth0');
      assert.equal(r.value[0]?.mode, 'driver');
    });

    it('perf: tracepoint and uprobe attachments with their pids', () => {
      const r = parsePerf(read(v, 'perf.json'));
      assert.deepEqual(r.errors, []);
      assert.ok(r.value.some((p) => p.fdType === 'tracepoint' && p.target === 'sys_enter_openat'));
      assert.ok(r.value.some((p) => p.fdType === 'uprobe' && p.target?.startsWith('/bin/bash:0x')));
      assert.ok(r.value.every((p) => p.pid > 0 && p.progId > 0));
    });

    it('version', () => {
      assert.equal(parseBpftoolVersion(read(v, 'version.json')), v === '7.1' ? '7.1.0' : '7.5.0');
    });
  });
}

describe('bpftool output that cannot be read', () => {
  const good = read('7.1', 'prog_show.json');

  it('truncated JSON: an error that says truncated, no value, no throw', () => {
    for (const cut of [1, 10, 150, good.length - 2]) {
      const r = parseProgShow(good.slice(0, cut));
      assert.equal(r.value.length, 0);
      assert.match(r.errors[0]?.message ?? '', /truncated|not valid JSON/);
    }
  });

  it('empty output and bpftool error documents', () => {
    assert.match(parseProgShow('').errors[0]?.message ?? '', /empty/);
    assert.match(parseProgShow('   \n').errors[0]?.message ?? '', /empty/);
    assert.match(
      parseProgShow('{"error":"can\'t get next program: Operation not permitted"}').errors[0]?.message ?? '',
      /Operation not permitted/,
    );
    assert.match(parseProgShow('{"id": 1}').errors[0]?.message ?? '', /expected a JSON array/);
  });

  it('a bad entry is skipped and named; the others are kept', () => {
    const r = parseProgShow('[{"id": 3, "type": "xdp", "name": "a", "tag": "t"}, {"name": "no id"}, 7]');
    assert.equal(r.value.length, 1);
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [2, 3],
    );
  });

  it('strange field types do not throw', () => {
    const r = parseProgShow('[{"id": "12", "type": 5, "name": null, "map_ids": [1, "x", 2], "pinned": "nope", "pids": [{"pid": 9}, "x"]}]');
    assert.equal(r.value[0]?.id, 12);
    assert.deepEqual(r.value[0]?.mapIds, [1, 2]);
    assert.deepEqual(r.value[0]?.pinned, []);
    assert.deepEqual(r.value[0]?.pids, [{ pid: 9 }]);
  });

  it('command descriptors turn bad output into ToolError badOutput and failures into ToolError failed/needsRoot', () => {
    const cmd = progShow();
    assert.throws(
      () => cmd.interpret({ stdout: good.slice(0, 100), stderr: '', code: 0 }),
      (e) => ToolError.is(e, 'badOutput'),
    );
    assert.throws(
      () => cmd.interpret({ stdout: '', stderr: '', code: 0 }),
      (e) => ToolError.is(e, 'badOutput'),
    );
    assert.throws(
      () => cmd.interpret({ stdout: '{"error":"can\'t get next program: Operation not permitted"}', stderr: '', code: 255 }),
      (e) => ToolError.is(e, 'needsRoot'),
    );
    assert.throws(
      () => cmd.interpret({ stdout: '', stderr: 'Segmentation fault', code: 139 }),
      (e) => ToolError.is(e, 'failed') && /signal 11/.test(e.message),
    );
    assert.throws(
      () => cmd.interpret({ stdout: '', stderr: 'sh: 1: /usr/sbin/bpftool: not found', code: 127 }),
      (e) => ToolError.is(e, 'missing'),
    );
    assert.equal(cmd.interpret({ stdout: good, stderr: '', code: 0 }).items.length, (JSON.parse(good) as unknown[]).length);
    assert.deepEqual(linkShow().argv, ['bpftool', '-j', '-f', 'link', 'show']);
    assert.deepEqual(netShow().argv, ['bpftool', '-j', 'net', 'show']);
  });
});
