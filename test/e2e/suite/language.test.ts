/** The bpftrace language: completion, hover, diagnostics, Check on Node. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { lab, progIds, waitFor } from '../../lab/labEnv';
import { activateExtension, workspaceFolder } from './host';

describe('eBPF Lens in the real extension host', () => {
  let api: EbpfLensApi;

  before(async () => {
    api = await activateExtension();
  });

  describe('the bpftrace language', () => {
    const open = async (name: string, text: string): Promise<vscode.TextDocument> => {
      const file = path.join(workspaceFolder(), name);
      fs.writeFileSync(file, text);
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      return doc;
    };
    /** the position just after the first `marker` in the document */
    const after = (doc: vscode.TextDocument, marker: string, nth = 0): vscode.Position => {
      let at = -1;
      for (let i = 0; i <= nth; i++) at = doc.getText().indexOf(marker, at + 1);
      assert.ok(at >= 0, `${marker} not in the document`);
      return doc.positionAt(at + marker.length);
    };
    const complete = async (doc: vscode.TextDocument, pos: vscode.Position, trigger?: string): Promise<string[]> => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos, trigger);
      // VS Code adds words of the document (kind Text): only the language server's items count
      return l.items
        .filter((i) => i.kind !== vscode.CompletionItemKind.Text)
        .map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    };
    const SCRIPT = [
      '#!/usr/bin/env bpftrace',
      'BEGIN { @start[tid] = nsecs; $seen = 1; }',
      'kprobe:do_nanosleep { $lat = nsecs; @h = hist($lat); print(@); printf("%d\\n", $); }',
      'tracepoint:',
      'tracepoint:sched:',
      `uprobe:${path.join(lab().labDir, 'bin', 'edgeapp')}:`,
      '',
    ].join('\n');

    before(async () => {
      await vscode.commands.executeCommand('ebpfLens.connect', 'edge1');
      api.nodes.fleet.setActive('edge1');
    });

    it('a .bt file gets the bpftrace language and the server answers: completion after @, $, tracepoint:, uprobe:/path:', async () => {
      const doc = await open('lang.bt', SCRIPT);
      assert.equal(doc.languageId, 'bpftrace');
      // the server starts with the first bpftrace document
      const maps =
        (await waitFor(
          async () => {
            const l = await complete(doc, after(doc, 'print(@'), '@');
            return l.length > 0 ? l : undefined;
          },
          30_000,
          'the language server to complete maps',
        )) ?? [];
      assert.deepEqual([...maps].sort(), ['@h', '@start']);
      const vars = await complete(doc, after(doc, '"%d\\n", $'), '$');
      assert.ok(vars.includes('$lat') && !vars.includes('$seen'), `variables of the kprobe only: ${vars.join(' ')}`);
      const categories = await complete(doc, after(doc, 'tracepoint:', 1), ':');
      assert.ok(categories.includes('sched') && categories.includes('syscalls'), categories.slice(0, 20).join(' '));
      const events = await complete(doc, after(doc, 'tracepoint:sched:'), ':');
      assert.ok(events.includes('sched_switch'), events.slice(0, 20).join(' '));
      const fns = await complete(doc, after(doc, 'edgeapp:'), ':');
      assert.ok(fns.includes('hot') && fns.includes('cold'), fns.join(' '));
      const builtins = await complete(doc, after(doc, '$lat = '));
      assert.ok(builtins.includes('nsecs') && builtins.includes('hist') && builtins.includes('printf'));
    });

    it('hover on hist shows its docs; a syntax error and an old-node feature show as diagnostics', async () => {
      const doc = await open('lang2.bt', 'config = { max_strlen = 64 }\nkprobe:do_nanosleep { @h = hist(arg0); @x = count( }\n');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, after(doc, '@h = hi'));
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.match(text, /hist\(int n\[, int k\]\)/);
      assert.match(text, /Power-of-2 histogram/);
      const diags =
        (await waitFor(
          () => {
            const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'bpftrace');
            return d.length >= 2 ? d : undefined;
          },
          20_000,
          'diagnostics',
        )) ?? [];
      const syntax = diags.find((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(syntax, diags.map((d) => d.message).join('; '));
      assert.equal(syntax.range.start.line, 1);
      // edge1 runs bpftrace 0.17: config blocks came in 0.20 (a warning, not an error)
      const version = diags.find((d) => d.code === 'version');
      assert.equal(version?.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(version?.message ?? '', /0\.20.*checking against 0\.17/);
    });

    it('Check on Node compiles on edge1 without attaching and puts the bad probe’s error on its line', async () => {
      const doc = await open('lang3.bt', 'BEGIN { printf("start\\n"); }\n\ntracepoint:sched:no_such_event_here { @x = count(); }\n');
      const before = progIds('edge1');
      const r = await vscode.commands.executeCommand<{ ok: boolean; node: string; diagnostics: { line?: number }[] }>(
        'ebpfLens.checkOnNode',
        { uri: doc.uri.toString() },
      );
      assert.equal(r?.ok, false);
      assert.equal(r?.node, 'edge1');
      const fromNode = vscode.languages.getDiagnostics(doc.uri).filter((d) => /on edge1$/.test(d.source ?? ''));
      assert.equal(fromNode.length, 1, JSON.stringify(fromNode));
      assert.equal(fromNode[0]?.range.start.line, 2);
      assert.match(fromNode[0]?.message ?? '', /no_such_event_here/);
      assert.deepEqual(
        [...progIds('edge1')].filter((id) => !before.has(id)),
        [],
      );
      // editing the text drops the node's (now stale) findings
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, new vscode.Position(0, 0), '// edited\n');
      await vscode.workspace.applyEdit(edit);
      assert.equal(vscode.languages.getDiagnostics(doc.uri).filter((d) => /on edge1$/.test(d.source ?? '')).length, 0);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });

    it('Check on Node on forky1 (bpftrace 0.27): its compile-only mode from its help, the error on its line; what bpftrace says about the node is a row under the node, not a diagnostic', async () => {
      const doc = await open('lang4.bt', 'BEGIN { printf("start\\n"); }\n\ntracepoint:sched:no_such_event_here { @x = count(); }\n');
      const r = await vscode.commands.executeCommand<{
        ok: boolean;
        node: string;
        version: string;
        mode: string;
        diagnostics: { line?: number }[];
      }>('ebpfLens.checkOnNode', { uri: doc.uri.toString(), node: 'forky1' });
      assert.equal(r?.ok, false);
      assert.equal(r?.mode, '--mode codegen');
      assert.match(r?.version ?? '', /^0\.27\./);
      const fromNode = vscode.languages.getDiagnostics(doc.uri).filter((d) => /on forky1$/.test(d.source ?? ''));
      assert.deepEqual(
        fromNode.map((d) => d.range.start.line),
        [2],
        JSON.stringify(fromNode),
      );
      assert.ok(!fromNode.some((d) => /Could not read functions/.test(d.message)), 'the node’s own warning is no diagnostic');
      api.nodes.tree.rebuildNow();
      const rows = (
        rs: readonly { label: string; children: readonly unknown[] }[],
      ): { label: string; description?: string; children: readonly unknown[] }[] =>
        rs.flatMap((x) => [x, ...rows(x.children as typeof rs)]);
      const forky = api.nodes.tree.rows().find((x) => x.label === 'forky1');
      assert.ok(forky);
      const notes = rows(forky.children).filter((x) => x.description === 'node fact');
      assert.deepEqual(
        notes.map((x) => x.label),
        ['bpftrace cannot read the list of traceable functions'],
      );
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });
  });
});
