/** Call-frequency annotations: uprobes on a C file, live mode, latency, a BPF C file, a bpftrace script. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { labSh, nothingLeft, onNode, progIds, sleep, waitFor } from '../../lab/labEnv';
import type { FileAnnotations } from '../../../src/core/annotate/model';
import { helperCalls } from '../../../src/core/annotate/helpers';
import { repoRoot } from '../../unit/paths';
import { activateExtension, workspaceFolder } from './host';

describe('eBPF Lens in the real extension host', () => {
  let api: EbpfLensApi;

  before(async () => {
    api = await activateExtension();
  });

  describe('call-frequency annotations', () => {
    const copy = async (name: string): Promise<vscode.TextDocument> => {
      const file = path.join(workspaceFolder(), name);
      fs.copyFileSync(path.join(repoRoot, 'test', 'lab', 'src', name), file);
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      return doc;
    };
    const lineOf = (doc: vscode.TextDocument, re: RegExp): number =>
      doc
        .getText()
        .split('\n')
        .findIndex((l) => re.test(l));
    const hoverAt = async (doc: vscode.TextDocument, line: number): Promise<string> => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 4));
      return hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };

    before(async () => {
      await vscode.commands.executeCommand('ebpfLens.connect', 'edge1');
      api.nodes.fleet.setActive('edge1');
    });

    it('a C file: hot() and cold() counted with uprobes, heat, end-of-line rates and a hover; edits move them; nothing left attached', async function () {
      this.timeout(90_000);
      labSh('app', 'edge1', 'start', '800');
      try {
        const doc = await copy('edgeapp.c');
        const before = progIds('edge1');
        const file = await vscode.commands.executeCommand<FileAnnotations>('ebpfLens.annotate', {
          uri: doc.uri.toString(),
          binary: labSh('app', 'edge1', 'path').trim(),
          windowSec: 3,
        });
        assert.equal(file?.kind, 'uprobe');
        const hot = file?.items.find((i) => i.key === 'hot');
        const cold = file?.items.find((i) => i.key === 'cold');
        assert.ok(hot?.rate && cold?.rate, JSON.stringify(file?.items));
        // hot() runs 10 times as often as cold() (the program's own construction)
        assert.ok(Math.abs(hot.rate / cold.rate - 10) < 1, `hot ${hot.rate}/s, cold ${cold.rate}/s`);
        assert.equal(hot.line, lineOf(doc, /^__attribute__\(\(noinline\)\) int hot\(/));
        assert.equal(file?.windowSec, 3, 'calls count within 3 s of the first tick, on the kernel clock');
        const plan = api.annotations.decorations(doc.uri.toString());
        assert.ok(plan?.buckets[6]?.includes(hot.line), JSON.stringify(plan?.buckets));
        assert.match(plan?.texts.find((t) => t.line === hot.line)?.text ?? '', /^\d[\d.]*k?\/s · \d+%$/);
        const md = await hoverAt(doc, hot.line);
        assert.match(md, /\*\*hot\*\* — function on `edge1`/);
        assert.match(md, /\| calls \| [\d,]+ \|/);
        assert.match(md, /Measure again/);
        await nothingLeft('edge1', undefined, before, 20_000);
        // an edit above the functions: the annotations follow their functions
        const edit = new vscode.WorkspaceEdit();
        edit.insert(doc.uri, new vscode.Position(0, 0), '// one\n// two\n');
        await vscode.workspace.applyEdit(edit);
        await waitFor(
          () => api.annotations.state(doc.uri.toString())?.items.find((i) => i.key === 'hot')?.line === hot.line + 2,
          5000,
          'hot() two lines down',
        );
        assert.ok(api.annotations.decorations(doc.uri.toString())?.buckets[6]?.includes(hot.line + 2));
        // toggled off: no hover, and back
        assert.equal(await vscode.commands.executeCommand('ebpfLens.toggleAnnotations'), false);
        assert.doesNotMatch(await hoverAt(doc, hot.line + 2), /function on `edge1`/);
        assert.equal(await vscode.commands.executeCommand('ebpfLens.toggleAnnotations'), true);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      } finally {
        labSh('app', 'edge1', 'stop');
      }
    });

    it('live mode measures again by itself until it is toggled off; nothing is left attached', async function () {
      this.timeout(90_000);
      labSh('app', 'edge1', 'start', '300');
      try {
        const doc = await copy('edgeapp.c');
        const uri = doc.uri.toString();
        const before = progIds('edge1');
        assert.equal(
          await vscode.commands.executeCommand('ebpfLens.toggleLiveAnnotations', {
            uri,
            binary: labSh('app', 'edge1', 'path').trim(),
            windowSec: 1,
            intervalSec: 3,
          }),
          true,
        );
        assert.deepEqual(api.annotations.live(), [uri]);
        const first = api.annotations.state(uri)?.at ?? 0;
        const second = await waitFor(
          () => {
            const at = api.annotations.state(uri)?.at ?? 0;
            return at > first ? at : undefined;
          },
          20_000,
          'a second measurement',
        );
        assert.ok((second ?? 0) > first);
        // turned off while the timer's next measurement is being prepared (not counting yet): that
        // one is called off too, and once the toggle returns nothing measures and nothing is attached
        await waitFor(() => api.annotations.measuring(uri) === 'preparing', 20_000, 'the next live measurement', 5);
        assert.equal(await vscode.commands.executeCommand('ebpfLens.toggleLiveAnnotations', { uri }), false);
        assert.deepEqual(api.annotations.live(), []);
        assert.equal(api.annotations.measuring(uri), undefined);
        await nothingLeft('edge1', undefined, before, 0);
        const at = api.annotations.state(uri)?.at;
        await sleep(2500);
        assert.equal(api.annotations.state(uri)?.at, at, 'no measurement after live mode was turned off');
        // cleared: nothing drawn, no hover
        assert.equal(await vscode.commands.executeCommand('ebpfLens.clearAnnotations', { uri }), true);
        assert.equal(api.annotations.decorations(uri), undefined);
      } finally {
        labSh('app', 'edge1', 'stop');
      }
    });

    it('latency of one function: a histogram in its hover', async function () {
      this.timeout(90_000);
      labSh('app', 'edge1', 'start', '500');
      try {
        const doc = await copy('edgeapp.c');
        const file = await vscode.commands.executeCommand<FileAnnotations>('ebpfLens.measureLatency', {
          uri: doc.uri.toString(),
          function: 'hot',
          windowSec: 2,
        });
        const hot = file?.items.find((i) => i.key === 'hot');
        assert.ok(hot?.latency && hot.latency.count > 50, `hot: ${JSON.stringify(hot)}; the file: ${JSON.stringify(file)?.slice(0, 1500)}`);
        const md = await hoverAt(doc, hot.line);
        assert.match(md, /latency \| avg [\d.]+ [nµm]?s over/);
        assert.match(md, /```text\n\[/);
      } finally {
        labSh('app', 'edge1', 'stop');
      }
    });

    it('a BPF C file: the deployed program’s runs/s from live stats, and its helper calls as its xlated dump has them', async function () {
      this.timeout(60_000);
      labSh('deploy', 'edge1', 'counter_v1');
      try {
        const doc = await copy('counter_v1.bpf.c');
        await vscode.commands.executeCommand('ebpfLens.refresh', 'edge1');
        assert.equal(await vscode.commands.executeCommand('ebpfLens.enableStats', 'edge1'), true);
        const writes = (): void => void onNode('edge1', ['sh', '-c', 'for i in $(seq 1 2000); do echo x; done > /dev/null']);
        writes();
        await vscode.commands.executeCommand('ebpfLens.annotate', { uri: doc.uri.toString() });
        const cw = await waitFor(
          () => {
            writes();
            const a = api.annotations.state(doc.uri.toString())?.items.find((i) => i.key === 'count_writes');
            return a?.rate && a.rate > 0 ? a : undefined;
          },
          20_000,
          'count_writes to show runs per second',
          700,
        );
        assert.ok(cw);
        assert.equal(cw.line, lineOf(doc, /^int count_writes\(/));
        const prog = cw.programs?.[0];
        assert.ok(prog && prog.stats, JSON.stringify(cw.programs));
        const truth = helperCalls(onNode('edge1', ['bpftool', 'prog', 'dump', 'xlated', 'id', String(prog.id), 'linum']));
        assert.deepEqual(
          cw.helpers?.map((h) => [h.name, h.placement, h.line]),
          truth.map((h) => [h.name, h.placement, h.line]),
        );
        assert.deepEqual(
          truth.map((h) => h.name),
          ['bpf_get_current_pid_tgid', '__htab_map_lookup_elem', 'htab_map_update_elem'],
        );
        const md = await hoverAt(doc, cw.line);
        assert.match(md, /\*\*Helper calls\*\*/);
        assert.match(md, /`bpf_get_current_pid_tgid` \(line 15\): on the straight path: about once per run — ≈ /);
        assert.match(md, /`htab_map_update_elem` \(line 21\): inside a branch: at most once per run — ≤ /);
        // the helper's own line carries its estimate
        const plan = api.annotations.decorations(doc.uri.toString());
        assert.match(plan?.texts.find((t) => t.line === 14)?.text ?? '', /^bpf_get_current_pid_tgid ≈ /);
      } finally {
        await vscode.commands.executeCommand('ebpfLens.disableStats', 'edge1');
        labSh('undeploy', 'edge1');
      }
    });

    it('a bpftrace script run from the editor: each probe block shows how often it fired, the script’s own results unchanged', async function () {
      this.timeout(60_000);
      const file = path.join(workspaceFolder(), 'hits.bt');
      fs.writeFileSync(
        file,
        'BEGIN { printf("go\\n"); @t0 = nsecs; }\n\ninterval:ms:100 { @ticks = count(); }\n\ntracepoint:syscalls:sys_enter_nanosleep /pid == 1 && pid != 1/ { @never = count(); }\n\nEND { @w = nsecs - @t0; }\n',
      );
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const t0 = Date.now();
      const r = await vscode.commands.executeCommand<{ id?: string; session: string }>('ebpfLens.runFile', { uri: doc.uri.toString() });
      await waitFor(() => (api.tracing.get(r.id ?? '')?.results.attachedProbes ?? 0) > 0, 15_000, 'attached');
      await sleep(2200);
      await vscode.commands.executeCommand('ebpfLens.stopTrace', r.session);
      const st = await waitFor(
        () => {
          const s = api.annotations.state(doc.uri.toString());
          const run = api.tracing.session(r.session);
          // the annotations of the ended run (not the last ones drawn while it ran)
          return s && run && !run.running && run.endedAt !== undefined && s.at === run.endedAt && s.items.length === 4 ? s : undefined;
        },
        10_000,
        'the probe annotations',
      );
      assert.ok(st);
      const wall = (Date.now() - t0) / 1000;
      const maps = api.tracing.get(r.id ?? '')?.results.maps ?? [];
      const ticks = maps.find((m) => m.name === '@ticks')?.entries[0]?.value;
      const own = Number(maps.find((m) => m.name === '@w')?.entries[0]?.value) / 1e9;
      const byLine = new Map(st.items.map((i) => [i.line, i]));
      assert.equal(byLine.get(0)?.count, 1, 'BEGIN fired once');
      assert.equal(byLine.get(2)?.count, ticks, 'the interval block fired as often as its own @ticks says');
      assert.equal(byLine.get(4)?.count, 0);
      assert.equal(byLine.get(4)?.filtered, true);
      assert.equal(byLine.get(6)?.count, 1, 'END fired once');
      // the rate is the block's fires over the time its probes were attached, on the node's clock:
      // at least the 2.2 s the test waited after the attach, at most the whole run as seen here
      // (this host's view of the run is late by the stop and bpftrace's exit: on it, this read 7.9/s once)
      assert.ok(st.windowSec >= 2.15 && st.windowSec <= wall, `window ${st.windowSec} s; the run took ${wall} s here`);
      assert.ok(Math.abs(st.windowSec - own) < 0.01, `window ${st.windowSec} s; the script's own BEGIN → END ${own} s`);
      const rate = byLine.get(2)?.rate ?? 0;
      assert.ok(
        Math.abs(rate * st.windowSec - (byLine.get(2)?.count ?? -1)) < 1e-6,
        `${rate}/s × ${st.windowSec} s = ${byLine.get(2)?.count}`,
      );
      // a 100 ms timer never fires early; on a loaded node it fires late (17 in 2.4 s under two CPU hogs)
      assert.ok(rate <= 10.5 && rate > 5, `interval:ms:100 at ${rate}/s over ${st.windowSec} s`);
      // the script's results do not show eBPF Lens's counting
      const names = api.tracing.get(r.id ?? '')?.results.maps.map((m) => m.name) ?? [];
      assert.deepEqual(
        names.filter((n) => n.includes('ebpf_lens')),
        [],
      );
      // the run is saved after it ends (a moment after the annotations)
      const saved = await waitFor(() => api.tracing.store.find(r.session), 10_000, 'the saved run');
      assert.equal(saved?.script.includes('ebpf_lens'), false, 'the saved run keeps the user’s script');
      assert.match(await hoverAt(doc, 2), /\*\*interval:ms:100\*\* — probe on `edge1`/);
    });
  });
});
