import * as assert from 'node:assert/strict';
import { normalizeXlated } from '../../src/core/bpftool/xlated';
import type { BpfProgram } from '../../src/core/bpftool/types';
import { compact, duration, rates, sample } from '../../src/core/nodes/stats';

const prog = (id: number, runCnt: number | undefined, runTimeNs: number | undefined, tag = 't'): BpfProgram => ({
  id,
  type: 'xdp',
  name: `p${id}`,
  tag,
  mapIds: [],
  pinned: [],
  pids: [],
  metadata: {},
  raw: {},
  ...(runCnt !== undefined ? { runCnt } : {}),
  ...(runTimeNs !== undefined ? { runTimeNs } : {}),
});

describe('stats maths', () => {
  it('events/s, avg ns and CPU% from two samples', () => {
    const a = sample(1000, [prog(1, 1000, 1_000_000), prog(2, undefined, undefined)]);
    const b = sample(3000, [prog(1, 21000, 5_000_000), prog(2, 10, 5000), prog(3, 5, 5)]);
    const r = rates(a, b);
    assert.deepEqual(r.get(1), { eventsPerSec: 10000, avgNs: 200, cpuPercent: 0.2, runCnt: 21000, runTimeNs: 5_000_000, windowSec: 2 });
    assert.equal(r.get(2)?.eventsPerSec, 5, 'bpftool omits zero counters: absent means 0');
    assert.equal(r.has(3), false, 'new program: no rate yet');
  });

  it('no rate for a reused id with another tag, counters going backwards, or no time', () => {
    const a = sample(0, [prog(1, 100, 100, 'x'), prog(2, 100, 100)]);
    const b = sample(1000, [prog(1, 200, 200, 'y'), prog(2, 50, 50)]);
    assert.equal(rates(a, b).size, 0);
    assert.equal(rates(a, a).size, 0);
  });

  it('an idle program has 0 ev/s and no average', () => {
    const a = sample(0, [prog(1, 5, 500)]);
    const r = rates(a, sample(1000, [prog(1, 5, 500)])).get(1);
    assert.equal(r?.eventsPerSec, 0);
    assert.equal(r?.avgNs, undefined);
  });

  it('compact numbers and durations', () => {
    assert.deepEqual([0, 7, 950, 12400, 3_100_000, 2.5e9].map(compact), ['0', '7', '950', '12.4k', '3.1M', '2.5G']);
    assert.deepEqual([230, 1234, 3.4e6, 2e9].map(duration), ['230 ns', '1.23 µs', '3.4 ms', '2 s']);
  });
});

describe('xlated normalisation', () => {
  it('map ids → names, helper addresses gone, instructions and source lines kept', () => {
    const a =
      '; u32 pid = x;\n   0: (85) call bpf_get_current_pid_tgid#269056\n   7: (18) r1 = map[id:76]\n   9: (85) call __htab_map_lookup_elem#330864  \n';
    const b =
      '; u32 pid = x;\n   0: (85) call bpf_get_current_pid_tgid#271000\n   7: (18) r1 = map[id:91]\n   9: (85) call __htab_map_lookup_elem#331000\n';
    const names = new Map([
      [76, 'write_counts'],
      [91, 'write_counts'],
    ]);
    const na = normalizeXlated(a, (id) => names.get(id));
    assert.equal(
      na,
      normalizeXlated(b, (id) => names.get(id)),
    );
    assert.match(na, /r1 = map\[write_counts\]/);
    assert.match(na, /call bpf_get_current_pid_tgid\n/);
    assert.match(
      normalizeXlated('r1 = map[id:5]', () => undefined),
      /map\[id:5\]/,
    );
  });
});
