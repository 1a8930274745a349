// A snapshot of a node with many programs (issue 19, defect 7: 302 programs took 68–70 s a
// snapshot, the time of 302 separate `bpftool prog dump xlated` on the node).
//  (a) baseline, on the node: one `bpftool batch file F` of the same xlated dumps (no SSH, no eBPF
//      Lens), timed with the node's own clock.
//  (b) eBPF Lens: a whole snapshot (listing, dumps, normalising, saving) into an empty store,
//      through the persistent worker. Goal: ≤ 1.2 × (a).
//  (c) a second snapshot into the same store (a reconnect to an unchanged node). Goal: no dump runs
//      on the node — counted on the node: a bpftool wrapper (lab.sh fault NODE count) logs every
//      bpftool run and every command of its batches.
// (a) and (b) alternate, BENCH_RUNS times each (median). The programs: BENCH_PROGRAMS (300)
// distinct tracepoint programs (another constant each: another tag) sharing one map, loaded and
// pinned with `bpftool prog loadall` under /sys/fs/bpf/edge/bench-many (not attached).
// env: BENCH_NODE (edge1), BENCH_PROGRAMS (300), BENCH_RUNS (3)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { knownFromStore } from '../src/core/snapshot/known';
import { SnapshotStore } from '../src/core/snapshot/store';
import { takeSnapshot } from '../src/core/snapshot/take';
import type { NodeClient } from '../src/ssh/nodeClient';
import { lab, labNode, openNode } from '../test/lab/labEnv';
import { LAB_SH, onNodeSh, withLab } from './lab';
import { median, now, report } from './util';

const NODE = process.env['BENCH_NODE'] ?? 'edge1';
const PROGRAMS = Number(process.env['BENCH_PROGRAMS'] ?? 300);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const PIN_DIR = '/sys/fs/bpf/edge/bench-many';
const COUNT_LOG = `/run/ebpf-lens-bpftool-count-${NODE}.log`;

/** N programs that differ in a constant (so in their tags), each a map lookup and an add, like a small deployment. */
function source(n: number): string {
  const progs = Array.from(
    { length: n },
    (_, i) => `SEC("tracepoint/syscalls/sys_enter_getppid")
int many_${i}(void *ctx)
{
	__u32 key = ${i % 64};
	__u64 *v = bpf_map_lookup_elem(&bench_counts, &key);

	if (v)
		__sync_fetch_and_add(v, ${i + 1});
	return bpf_get_smp_processor_id() == ${i} ? 1 : 0;
}
`,
  );
  return `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} bench_counts SEC(".maps");

${progs.join('\n')}
char LICENSE[] SEC("license") = "GPL";
`;
}

/** Compile the object into the lab's bin folder (seen by every bookworm node). */
function buildObject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-many-'));
  try {
    const src = path.join(dir, 'many.bpf.c');
    fs.writeFileSync(src, source(PROGRAMS));
    const obj = path.join(lab().labBin, `bench-many-${PROGRAMS}.bpf.o`);
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', src, '-o', obj], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return obj;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Load and pin the programs on the node; answer their ids. */
function loadPrograms(obj: string): number[] {
  onNodeSh(NODE, 'rm -rf "$1" && mkdir -p "$(dirname "$1")" && bpftool prog loadall "$2" "$1"', PIN_DIR, obj);
  const listed = JSON.parse(onNodeSh(NODE, 'bpftool -j -f prog show')) as { id: number; pinned?: string[] }[];
  const ids = listed.filter((p) => (p.pinned ?? []).some((x) => x.startsWith(`${PIN_DIR}/`))).map((p) => p.id);
  if (ids.length !== PROGRAMS) throw new Error(`${ids.length} programs pinned under ${PIN_DIR} on ${NODE}, expected ${PROGRAMS}`);
  return ids;
}

/** (a): one bpftool batch of the dumps, on the node, by the node's clock (ms). */
function nodeBatchMs(ids: readonly number[]): number {
  const script =
    'f=$(mktemp); for i in "$@"; do echo "prog dump xlated id $i"; done > "$f"; s=$(date +%s%N); bpftool batch file "$f" > /dev/null; r=$?; e=$(date +%s%N); rm -f "$f"; [ $r = 0 ] || exit $r; echo $((e - s))';
  return Number(onNodeSh(NODE, script, ...ids.map(String)).trim()) / 1e6;
}

/** (b) and (c): a whole snapshot into `store`, as `ebpf-lens snapshot` takes it. */
async function snapshotMs(
  c: NodeClient,
  store: SnapshotStore,
): Promise<{ ms: number; dumped: number; runs: number; saved: boolean; programs: number }> {
  let d = { dumped: -1, reused: -1, runs: -1 };
  const t0 = now();
  const known = await knownFromStore(store, c.node.name, c.info.kernel);
  const s = await takeSnapshot((cmd) => c.run(cmd), c.node, c.info, { known, onDumps: (x) => (d = x) });
  const { saved } = await store.save(s);
  return { ms: now() - t0, dumped: d.dumped, runs: d.runs, saved, programs: s.programs.length };
}

/** (c) on the node: the bpftool runs and the dump commands the count wrapper logged. */
function countedOnNode(): { runs: number; dumps: number; listings: number } {
  const log = onNodeSh(NODE, 'cat "$1" 2>/dev/null || true', COUNT_LOG).split('\n');
  return {
    runs: log.filter((l) => l.startsWith('argv ')).length,
    dumps: log.filter((l) => /(^|\s)prog dump xlated id \d+/.test(l)).length,
    listings: log.filter((l) => l === 'prog show').length,
  };
}

async function main(): Promise<void> {
  await withLab(async () => {
    if (labNode(NODE).root) throw new Error(`${NODE}: use a bookworm node (the bench loads with the machine's bpftool)`);
    const obj = buildObject();
    const roots: string[] = [];
    const c = await openNode(NODE, { scope: { pinPrefixes: [PIN_DIR] } });
    try {
      const ids = loadPrograms(obj);
      const a: number[] = [];
      const b: number[] = [];
      let last: Awaited<ReturnType<typeof snapshotMs>> | undefined;
      let store: SnapshotStore | undefined;
      for (let i = 0; i < RUNS; i++) {
        a.push(nodeBatchMs(ids));
        const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-many-store-'));
        roots.push(root);
        store = new SnapshotStore(root);
        last = await snapshotMs(c, store);
        if (last.programs !== PROGRAMS || last.dumped !== PROGRAMS)
          throw new Error(`snapshot (b): ${last.programs} programs, ${last.dumped} dumped; expected ${PROGRAMS}`);
        b.push(last.ms);
      }
      const ma = median(a);
      const mb = median(b);
      report({
        bench: 'snapshot-many',
        medianMs: mb,
        baselineMs: ma,
        ratio: mb / ma,
        goal: '≤ 1.2 × one node-side bpftool batch of the same dumps',
        pass: mb / ma <= 1.2,
        node: NODE,
        programs: PROGRAMS,
        bpftoolRuns: last?.runs,
        runsA: a.map((x) => Math.round(x)),
        runsB: b.map((x) => Math.round(x)),
      });
      // (c): the same node, unchanged, into the store of the last (b); bpftool counted on the node
      onNodeSh(NODE, 'rm -f "$1"', COUNT_LOG);
      execFileSync('bash', [LAB_SH, 'fault', NODE, 'count'], { stdio: ['ignore', 'ignore', 'inherit'] });
      let again: Awaited<ReturnType<typeof snapshotMs>>;
      let counted: ReturnType<typeof countedOnNode>;
      try {
        again = await snapshotMs(c, store as SnapshotStore);
        counted = countedOnNode();
      } finally {
        execFileSync('bash', [LAB_SH, 'unfault', NODE], { stdio: ['ignore', 'ignore', 'inherit'] });
      }
      // the wrapper saw the listing's batch (it did count), and no dump
      if (counted.listings < 1)
        throw new Error(`the count wrapper on ${NODE} logged no listing: it did not count (${JSON.stringify(counted)})`);
      report({
        bench: 'snapshot-many-again',
        metric: 'time',
        medianMs: again.ms,
        baselineMs: mb,
        ratio: again.ms / mb,
        goal: '0 xlated dumps run on the node',
        pass: counted.dumps === 0,
        node: NODE,
        programs: PROGRAMS,
        dumpsOnNode: counted.dumps,
        bpftoolRunsOnNode: counted.runs,
        dumpedByClient: again.dumped,
        saved: again.saved,
      });
    } finally {
      c.close();
      onNodeSh(NODE, 'rm -rf "$1" "$2"', PIN_DIR, COUNT_LOG);
      fs.rmSync(obj, { force: true });
      for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
    }
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
