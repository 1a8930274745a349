/** Tracing: runTrace and friends as commands, and from the editor (CodeLens, one-liners, a fleet, Compare Runs). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { DEFAULT_CONNECT_MS, attachedWithin } from '../../lab/bounds';
import { alive, lab, labSh, nodeConfig, nothingLeft, progIds, sleep, waitFor } from '../../lab/labEnv';
import type { TraceInfo } from '../../../src/extension/tracing/tracingController';
import type { ViewSummary } from '../../../src/extension/tracing/resultsPanel';
import { RECORDS_PROBE, RECORDS_SAID, saidMessage } from '../../support/runtimeRecords';
import { activateExtension, workspaceFolder } from './host';

describe('eBPF Lens in the real extension host', () => {
  let api: EbpfLensApi;

  before(async () => {
    api = await activateExtension();
  });

  it('runTrace / getTrace / stopTrace: a command with arguments starts a guarded trace, results arrive, stop leaves nothing', async () => {
    const before = progIds('edge1');
    const started = await vscode.commands.executeCommand<{ id: string }>('ebpfLens.runTrace', {
      node: 'edge1',
      script:
        'BEGIN { printf("hello from the extension\\n"); }\ntracepoint:syscalls:sys_enter_nanosleep { @sleeps = count(); }\nEND { printf("end ran\\n"); }',
    });
    assert.match(started?.id ?? '', /^[0-9a-f]{12}$/);
    const get = async (): Promise<TraceInfo | undefined> => vscode.commands.executeCommand<TraceInfo>('ebpfLens.getTrace', started?.id);
    let done: TraceInfo | undefined;
    let running: TraceInfo | undefined;
    try {
      await waitFor(
        async () => (await get())?.results.lines.some((l) => l.text === 'hello from the extension\n'),
        20_000,
        'the printf line',
      );
      // the guard names bpftrace's pid on stderr, which may come after bpftrace's first output
      await waitFor(async () => (await get())?.bpftracePid !== undefined, 20_000, "the guard naming bpftrace's pid");
      running = await get();
      assert.equal(running?.state, 'running');
      assert.ok(alive('edge1', running?.bpftracePid));
      assert.ok(api.tracing.list().some((t) => t.id === started?.id));
      await sleep(300);
    } finally {
      // stopped also when an assertion above failed: a trace left running would fail the tests after it
      done = await vscode.commands.executeCommand<TraceInfo>('ebpfLens.stopTrace', started?.id);
    }
    assert.equal(done?.state, 'done');
    assert.equal(done?.outcome?.reason, 'stop');
    assert.equal(done?.outcome?.verified, true);
    assert.ok(
      done?.results.lines.some((l) => l.text === 'end ran\n'),
      'END ran',
    );
    assert.ok(done?.results.maps.some((m) => m.name === '@sleeps'));
    await nothingLeft('edge1', running?.bpftracePid, before, 5000);
  });

  describe('tracing in the editor', () => {
    type Run = { id?: string; session: string; ids: Record<string, string>; errors: Record<string, string> };
    const summary = async (id: string): Promise<ViewSummary> => {
      const s = await api.tracing.viewSummary(id);
      assert.ok(s, `no results view for ${id}`);
      return s;
    };
    const writer = (n: number): void => {
      labSh(
        'nodeexec',
        'edge1',
        'sh',
        '-c',
        `ln -sf "$(command -v dd)" /tmp/ebpflens-wr && /tmp/ebpflens-wr if=/dev/zero of=/dev/null bs=1 count=${n} status=none; rm -f /tmp/ebpflens-wr`,
      );
    };
    const COUNT_WRITES = 'tracepoint:syscalls:sys_enter_write /comm == "ebpflens-wr"/ { @writes = count(); @by[comm] = count(); }';

    before(async () => {
      await vscode.commands.executeCommand('ebpfLens.connect', 'edge1');
      api.nodes.fleet.setActive('edge1');
    });

    it('CodeLens above each probe block runs that block; the results view shows printf lines, and after Stop the final maps', async () => {
      const file = path.join(workspaceFolder(), 'suite-activity.bt');
      fs.writeFileSync(
        file,
        'BEGIN { printf("started\\n"); }\n\ninterval:ms:100 { printf("tick\\n"); @ticks = count(); }\n\ntracepoint:raw_syscalls:sys_enter { @calls[comm] = count(); }\n',
      );
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const lenses = await waitFor(
        async () => {
          const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
          return l.length > 0 ? l : undefined;
        },
        10_000,
        'CodeLens',
      );
      const at = (line: number): string[] => (lenses ?? []).filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
      assert.deepEqual(at(0), ['▶ Run script on edge1', 'Run script on…', 'Check on Node', '▶ Run on edge1', 'Run on…']);
      assert.deepEqual(at(2), ['▶ Run on edge1', 'Run on…']);
      assert.deepEqual(at(4), ['▶ Run on edge1', 'Run on…']);
      // the lens above the interval probe runs that probe alone
      const lens = (lenses ?? []).find((l) => l.range.start.line === 2 && l.command?.title === '▶ Run on edge1');
      const before = progIds('edge1');
      const r = await vscode.commands.executeCommand<Run>(lens?.command?.command ?? '', ...(lens?.command?.arguments ?? []));
      assert.ok(r.id, JSON.stringify(r));
      const session = api.tracing.session(r.session);
      assert.equal(session?.script.includes('raw_syscalls'), false, 'only the interval probe runs');
      const live = await waitFor(
        async () => {
          const s = await summary(r.session);
          return s.shownLines.filter((l) => l === 'tick').length >= 3 ? s : undefined;
        },
        20_000,
        'tick lines in the results view',
      );
      assert.equal(live?.state, 'running');
      const stopped = await vscode.commands.executeCommand<{ nodes: { state: string }[] }>('ebpfLens.stopTrace', r.session);
      assert.equal(stopped?.nodes[0]?.state, 'done');
      const done = await waitFor(
        async () => {
          const s = await summary(r.session);
          return s.maps.some((m) => m.name === '@ticks') && s.state === 'done' ? s : undefined;
        },
        10_000,
        'the final map in the results view',
      );
      const ticks = done?.maps.find((m) => m.name === '@ticks');
      assert.ok(Number(ticks?.cells[0]?.[0]?.replace(/,/g, '')) >= 3, JSON.stringify(ticks));
      await nothingLeft('edge1', api.tracing.get(r.id ?? '')?.bpftracePid, before, 5000);
      // the whole script from the top lens: three probes, a keyed map as a table
      const top = (lenses ?? []).find((l) => l.range.start.line === 0 && l.command?.title === '▶ Run script on edge1');
      const r2 = await vscode.commands.executeCommand<Run>(top?.command?.command ?? '', ...(top?.command?.arguments ?? []));
      await waitFor(async () => ((await summary(r2.session)).shownLines.includes('started') ? true : undefined), 20_000, 'BEGIN output');
      await sleep(500);
      await vscode.commands.executeCommand('ebpfLens.stopTrace', r2.session);
      const s2 = await waitFor(
        async () => {
          const s = await summary(r2.session);
          return s.maps.find((m) => m.name === '@calls' && m.rows > 0) ? s : undefined;
        },
        10_000,
        'the @calls table',
      );
      const calls = s2?.maps.find((m) => m.name === '@calls');
      assert.ok((calls?.rows ?? 0) >= 1);
      // sorted by value, largest first
      const values = (calls?.cells ?? []).map((c) => Number(c[1]?.replace(/,/g, '')));
      assert.deepEqual(
        values,
        [...values].sort((a, b) => b - a),
      );
    });

    it('a probe run on forky1 (bpftrace 0.27, probe hits counted): its errorf, warnf and runtime_error are on the document where they were written', async () => {
      const text = ['BEGIN { printf("not run: only the probe below is\\n"); }', '', ...RECORDS_PROBE, ''].join('\n');
      const file = path.join(workspaceFolder(), 'suite-runtime-errors.bt');
      fs.writeFileSync(file, text);
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const at = (needle: string): vscode.Position => doc.positionAt(text.indexOf(needle));
      await vscode.commands.executeCommand('ebpfLens.connect', 'forky1');
      api.nodes.fleet.setActive('forky1');
      try {
        const r = await vscode.commands.executeCommand<Run>('ebpfLens.runProbe', { uri: doc.uri.toString(), index: 1 });
        assert.ok(r?.id, JSON.stringify(r));
        const session = api.tracing.session(r.session);
        assert.ok(session?.runScript.includes('@__ebpf_lens_hits'), 'probe hits are counted: the script that ran is not the text');
        const fromRun = (): vscode.Diagnostic[] =>
          vscode.languages.getDiagnostics(doc.uri).filter((d) => / on forky1 \(run\)$/.test(d.source ?? ''));
        const diags = await waitFor(
          () => (fromRun().length >= 3 ? fromRun() : undefined),
          // attached within the login budget and its compile; it then ends itself after 5 ticks of 100 ms (10 s is ample)
          attachedWithin(DEFAULT_CONNECT_MS, 10),
          'errorf, warnf and the runtime_error on the document',
        );
        const got = (diags ?? [])
          .map((d) => [d.severity, saidMessage(d.message), d.range.start.line, d.range.start.character])
          .sort((a, b) => Number(a[2]) - Number(b[2]) || Number(a[3]) - Number(b[3]));
        const severity = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning };
        assert.deepEqual(
          got,
          RECORDS_SAID.map((r) => [severity[r.severity], r.message, at(r.at).line, at(r.at).character]),
        );
        assert.match(diags?.[0]?.source ?? '', /^bpftrace 0\.27\.\d+ on forky1 \(run\)$/);
      } finally {
        api.nodes.fleet.setActive('edge1');
      }
    });

    it('the one-liner for packet drops runs (drop reasons from the kernel, as a map)', async () => {
      const r = await vscode.commands.executeCommand<Run>('ebpfLens.runTrace', { node: 'edge1', snippet: 'skb-drops', durationSec: 3 });
      assert.ok(r.id, JSON.stringify(r.errors));
      // UDP to a closed port: the kernel drops the datagram (NO_SOCKET)
      await waitFor(() => (api.tracing.get(r.id ?? '')?.results.attachedProbes ?? 0) > 0, 15_000, 'the probes to attach');
      labSh('nodeexec', 'edge1', 'bash', '-c', 'for i in $(seq 1 40); do echo x > /dev/udp/127.0.0.1/9 || true; done');
      const end = await waitFor(
        () => {
          const t = api.tracing.get(r.id ?? '');
          return t?.outcome ? t : undefined;
        },
        20_000,
        'the one-liner to end',
      );
      assert.equal(end?.outcome?.state, 'done', JSON.stringify(end?.outcome?.error));
      const drops = end?.results.maps.find((m) => m.name === '@drops_by_reason');
      assert.ok(drops && drops.entries.length > 0, JSON.stringify(end?.results.maps.map((m) => m.name)));
      assert.equal(api.tracing.session(r.session)?.title, 'Packet drops by reason and location');
    });

    it('a fleet run on 10 nodes with 2 unreachable: 8 results, 2 clear errors, the merged map is the sum of the 8', async function () {
      this.timeout(120_000);
      const cfg = vscode.workspace.getConfiguration('ebpfLens');
      const nodesBefore = cfg.get<unknown[]>('nodes', []);
      const fleet = ['edge3', 'edge4', 'edge5', 'edge6', 'edge7', 'edge8', 'edge9', 'edge10'];
      await cfg.update(
        'nodes',
        [
          ...nodesBefore,
          ...fleet.map((n) => ({ ...nodeConfig(n), tags: ['fleet'] })),
          { name: 'lost1', host: '127.0.0.1', port: 1, user: 'root', identityFile: lab().clientKey, tags: ['fleet'] },
          { name: 'lost2', host: '127.0.0.1', port: 2, user: 'root', identityFile: lab().clientKey, tags: ['fleet'] },
        ],
        vscode.ConfigurationTarget.Global,
      );
      try {
        await waitFor(() => api.nodes.fleet.names().includes('lost2'), 5000, 'the fleet nodes');
        // long enough that no node's trace ends by its time limit before the writes (the test stops it)
        const SEC = 60;
        const r = await vscode.commands.executeCommand<Run>('ebpfLens.runTrace', { tag: 'fleet', script: COUNT_WRITES, durationSec: SEC });
        assert.deepEqual(Object.keys(r.ids).sort(), [...fleet].sort());
        assert.deepEqual(Object.keys(r.errors).sort(), ['lost1', 'lost2']);
        for (const e of Object.values(r.errors)) assert.match(e, /cannot reach|ECONNREFUSED/);
        // 8 sessions' login shells, then 8 bpftraces compiling at once: each attaches within its
        // login budget and its own time limit, or has ended (and says why below)
        const state = (): Record<string, string> =>
          Object.fromEntries(
            Object.entries(r.ids).map(([n, id]) => [
              n,
              `${api.tracing.get(id)?.state ?? '?'}/${api.tracing.get(id)?.results.attachedProbes ?? '-'}`,
            ]),
          );
        await waitFor(
          () => Object.values(r.ids).every((id) => (api.tracing.get(id)?.results.attachedProbes ?? 0) > 0 || api.tracing.get(id)?.outcome),
          attachedWithin(DEFAULT_CONNECT_MS, SEC),
          'every node attached (or ended)',
          250,
          state,
        );
        for (const [n, id] of Object.entries(r.ids))
          assert.ok(
            (api.tracing.get(id)?.results.attachedProbes ?? 0) > 0,
            `${n} attached: ${JSON.stringify(api.tracing.get(id)?.outcome?.error ?? state()[n])}`,
          );
        writer(500);
        await vscode.commands.executeCommand('ebpfLens.stopTrace', r.session);
        const per = Object.values(r.ids).map((id) =>
          Number(api.tracing.get(id)?.results.maps.find((m) => m.name === '@writes')?.entries[0]?.value),
        );
        assert.ok(
          per.every((n) => n >= 500),
          per.join(','),
        );
        const sum = per.reduce((a, b) => a + b, 0);
        const mergedValue = (s: ViewSummary): number => Number(s.maps.find((m) => m.name === '@writes')?.cells[0]?.[0]?.replace(/,/g, ''));
        // the view follows the session: once every node has printed its final map, the merged one is their sum
        const view = await waitFor(
          async () => {
            const s = await summary(r.session);
            return s.tab === 'merged' && s.state === 'done (some nodes failed)' && mergedValue(s) === sum ? s : undefined;
          },
          10_000,
          `the merged view to show ${sum}`,
        );
        assert.deepEqual(view?.tabs, ['merged', ...fleet, 'lost1', 'lost2']);
        assert.match(view?.error ?? '', /lost1: .*lost2: /);
      } finally {
        await cfg.update('nodes', nodesBefore, vscode.ConfigurationTarget.Global);
      }
    });

    it('Compare Runs: two saved runs side by side with the right deltas', async () => {
      const one = async (n: number): Promise<string> => {
        const r = await vscode.commands.executeCommand<Run>('ebpfLens.runTrace', { node: 'edge1', script: COUNT_WRITES, durationSec: 30 });
        await waitFor(() => (api.tracing.get(r.id ?? '')?.results.attachedProbes ?? 0) > 0, 15_000, 'attached');
        writer(n);
        await vscode.commands.executeCommand('ebpfLens.stopTrace', r.session);
        await waitFor(async () => ((await api.tracing.store.find(r.session)) ? true : undefined), 10_000, 'the saved run');
        return r.session;
      };
      const a = await one(100);
      const b = await one(300);
      const c = await vscode.commands.executeCommand<{
        id: string;
        deltas: { name: string; keys: { key: string | null; before?: number; after?: number; delta: number }[] }[];
      }>('ebpfLens.compareRuns', { a, b });
      const w = c?.deltas.find((d) => d.name === '@writes');
      assert.deepEqual(
        w?.keys.map((k) => [k.before, k.after, k.delta]),
        [[100, 300, 200]],
      );
      const by = c?.deltas.find((d) => d.name === '@by');
      assert.deepEqual(
        by?.keys.map((k) => [k.key, k.delta]),
        [['ebpflens-wr', 200]],
      );
      const view = await waitFor(
        async () => {
          const s = await summary(c?.id ?? '');
          return s.mode === 'compare' && s.maps.length >= 2 ? s : undefined;
        },
        10_000,
        'the compare view',
      );
      assert.deepEqual(view?.maps.find((m) => m.name === '@writes')?.cells[0], ['', '100', '300', '+200', '+200.0 %']);
    });
  });
});
