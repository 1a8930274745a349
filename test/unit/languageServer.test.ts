import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as path from 'node:path';
import type { CompletionList, Hover, MarkupContent } from 'vscode-languageserver';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { locateProbeErrors } from '../../src/core/bpftrace/check';
import { formatScript } from '../../src/core/bpftrace/format';
import { cursorContext } from '../../src/server/context';
import { Doc } from '../../src/server/document';
import type { NodeProbes } from '../../src/server/nodeProbes';
import { completion } from '../../src/server/providers/completion';
import { documentSymbols } from '../../src/server/providers/documentSymbols';
import { parseFields } from '../../src/server/providers/fieldCompletion';
import { foldingRanges } from '../../src/server/providers/foldingRanges';
import { hover } from '../../src/server/providers/hover';
import { renameEdits, symbolAt } from '../../src/server/providers/references';
import { signatureHelp } from '../../src/server/providers/signatureHelp';
import type { Target } from '../../src/server/target';
import { DEFAULT_TARGET } from '../../src/server/target';
import { corpus } from '../support/corpus';
import { fuzzScripts } from '../support/fuzz';

/** `|` marks the cursor. */
function at(src: string, target: Target = DEFAULT_TARGET): { doc: Doc; offset: number } {
  const offset = src.indexOf('|');
  assert.ok(offset >= 0, 'no cursor in the test text');
  return { doc: new Doc(src.slice(0, offset) + src.slice(offset + 1), target), offset };
}
const labels = (l: CompletionList | null): string[] => (l?.items ?? []).map((i) => i.label);
const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');

/** What `bpftrace -l` printed on the lab's kernel (format as bpftrace prints it), asked for by pattern. */
class Listing implements NodeProbes {
  readonly asked: string[] = [];
  constructor(private readonly lines: Record<string, string[]>) {}
  list(pattern: string, verbose?: boolean): Promise<{ node: string; lines: string[]; truncated: boolean }> {
    this.asked.push(`${verbose ? '-lv ' : ''}${pattern}`);
    return Promise.resolve({ node: 'edge1', lines: this.lines[`${verbose ? '-lv ' : ''}${pattern}`] ?? [], truncated: false });
  }
}

describe('bpftrace language server: cursor context', () => {
  it('comments and strings offer nothing; headers are attach points; blocks and predicates are expressions', () => {
    const k = (s: string): string => {
      const { doc, offset } = at(s);
      const c = cursorContext(doc.text, offset);
      return c.kind === 'attach' ? `attach:${c.word}` : c.kind;
    };
    assert.equal(k('// kprobe:|'), 'none');
    assert.equal(k('BEGIN { printf("@x|'), 'none');
    assert.equal(k('/* { */ tracepoint:sch|'), 'attach:tracepoint:sch');
    assert.equal(k('BEGIN { @a = 1; }\nuprobe:/bin/bash:rea|'), 'attach:uprobe:/bin/bash:rea');
    assert.equal(k('kprobe:a, kpro|'), 'attach:kpro');
    assert.equal(k('kprobe:do_nanosleep /pi|'), 'expr');
    assert.equal(k('kprobe:do_nanosleep /pid == 1/ |'), 'attach:');
    assert.equal(k('BEGIN { if (1) { $x|'), 'expr');
    assert.equal(k('config = { max_|'), 'config');
    assert.equal(k('config = { a = 1 }\nBEGIN { |'), 'expr');
    assert.equal(k('#!/usr/bin/env bpftrace\n|'), 'attach:');
    assert.equal(k('#include <linux/sched.h>\nk|'), 'attach:k');
  });
});

describe('bpftrace language server: completion', () => {
  it('at the top level: probe types and aliases, with docs; BEGIN/END as snippets', async () => {
    const { doc, offset } = at('tra|');
    const l = await completion(doc, offset);
    assert.ok(labels(l).includes('tracepoint') && labels(l).includes('t') && labels(l).includes('kprobe') && labels(l).includes('BEGIN'));
    const tp = l.items.find((i) => i.label === 'tracepoint');
    assert.match((tp?.documentation as MarkupContent).value, /tracepoint:category:event/);
    assert.equal((tp?.textEdit as { newText: string }).newText, 'tracepoint:');
  });

  it('after @: the maps of the script (not the one being typed)', async () => {
    const { doc, offset } = at('BEGIN { @start[tid] = nsecs; @count = 0; }\nEND { print(@|) }');
    const l = await completion(doc, offset);
    assert.deepEqual(labels(l).sort(), ['@count', '@start']);
  });

  it('after $: the variables of the enclosing probe only', async () => {
    const { doc, offset } = at('BEGIN { $other = 1; }\nkprobe:f { $lat = nsecs; $pid2 = pid; printf("%d", $|) }');
    const l = await completion(doc, offset);
    assert.deepEqual(labels(l).sort(), ['$lat', '$pid2']);
  });

  it('in a block: builtins, functions (with signatures), keywords, macros; newer ones say so for an older node', async () => {
    const t: Target = { node: 'edge1', version: [0, 17], fromNode: true };
    const { doc, offset } = at('macro twice($x) { $x * 2 }\nBEGIN { @h = hi| }', t);
    const l = await completion(doc, offset);
    const names = labels(l);
    for (const n of ['hist', 'lhist', 'count', 'printf', 'pid', 'comm', 'if', 'twice', 'arg0'])
      assert.ok(names.includes(n), `missing ${n}`);
    const hist = l.items.find((i) => i.label === 'hist');
    assert.match(String(hist?.detail), /hist\(int n/);
    const strlen = l.items.find((i) => i.label === 'strlen');
    assert.match(String(strlen?.detail), /needs bpftrace 0\.25 \(edge1 runs 0\.17\)/);
  });

  it('tracepoint: categories then events, from the node listing, keeping the alias typed', async () => {
    const p = new Listing({
      'tracepoint:*': ['tracepoint:sched:sched_switch', 'tracepoint:sched:sched_wakeup', 'tracepoint:syscalls:sys_enter_openat'],
    });
    let { doc, offset } = at('t:|');
    let l = await completion(doc, offset, p);
    assert.deepEqual(labels(l).sort(), ['sched', 'syscalls']);
    assert.equal((l.items[0]?.textEdit as { newText: string }).newText.endsWith(':'), true);
    ({ doc, offset } = at('tracepoint:sched:sch|'));
    l = await completion(doc, offset, p);
    assert.deepEqual(labels(l).sort(), ['sched_switch', 'sched_wakeup']);
    assert.deepEqual(p.asked, ['tracepoint:*', 'tracepoint:*']);
  });

  it('uprobe:/path: lists that binary’s functions; nothing is asked before the path is typed', async () => {
    const p = new Listing({
      'uprobe:/usr/bin/edgeapp:*': ['uprobe:/usr/bin/edgeapp:hot', 'uprobe:/usr/bin/edgeapp:cold', 'uprobe:/usr/bin/edgeapp:main'],
    });
    let { doc, offset } = at('uprobe:/usr/bin/ed|');
    assert.deepEqual(labels(await completion(doc, offset, p)), []);
    ({ doc, offset } = at('ur:/usr/bin/edgeapp:|'));
    assert.deepEqual(labels(await completion(doc, offset, p)).sort(), ['cold', 'hot', 'main']);
    assert.deepEqual(p.asked, ['uprobe:/usr/bin/edgeapp:*']);
  });

  it('args. in a tracepoint probe: its fields from bpftrace -lv', async () => {
    const p = new Listing({
      '-lv tracepoint:sched:sched_switch': [
        'tracepoint:sched:sched_switch',
        '    char prev_comm[16]',
        '    pid_t prev_pid',
        '    long prev_state',
      ],
    });
    const { doc, offset } = at('tracepoint:sched:sched_switch { printf("%d", args.|) }');
    const l = await completion(doc, offset, p);
    assert.deepEqual(labels(l), ['prev_comm', 'prev_pid', 'prev_state']);
    assert.equal(l.items[0]?.detail, 'char[16]');
    assert.deepEqual(parseFields(['tracepoint:x:y', '    unsigned int flags;', '    const char * filename']), [
      { name: 'flags', type: 'unsigned int' },
      { name: 'filename', type: 'const char *' },
    ]);
  });

  it('profile/interval units, software and hardware events are known without a node', async () => {
    let { doc, offset } = at('interval:|');
    assert.deepEqual(labels(await completion(doc, offset)), ['hz', 's', 'ms', 'us']);
    ({ doc, offset } = at('software:|'));
    assert.ok(labels(await completion(doc, offset)).includes('page-faults'));
  });
});

describe('bpftrace language server: hover, signatures, symbols, folding, navigation, formatting', () => {
  it('hover: hist shows its signature and docs; a builtin its type; a wildcard probe its match count on the node', async () => {
    let { doc, offset } = at('kprobe:f { @h = hi|st(arg0); }');
    let h = await hover(doc, offset);
    assert.match(hoverText(h), /hist\(int n\[, int k\]\)/);
    assert.match(hoverText(h), /Power-of-2 histogram/);
    ({ doc, offset } = at('BEGIN { printf("%s", co|mm); }'));
    assert.match(hoverText(await hover(doc, offset)), /comm: string\[16\]/);
    const p = new Listing({
      'tracepoint:sched:sched_w*': ['tracepoint:sched:sched_wakeup', 'tracepoint:sched:sched_wakeup_new', 'tracepoint:sched:sched_waking'],
    });
    ({ doc, offset } = at('t:sched:sched_w|* { @ = count(); }', { node: 'edge1', version: [0, 17], fromNode: true }));
    h = await hover(doc, offset, p);
    assert.match(hoverText(h), /\*\*3 attach points\*\* match `t:sched:sched_w\*` on edge1/);
  });

  it('hover: lowercase begin is 0.24 (BEGIN 0.17), and says so against a 0.17 node', async () => {
    const node: Target = { node: 'edge1', version: [0, 17], fromNode: true };
    let { doc, offset } = at('beg|in { }', node);
    const text = hoverText(await hover(doc, offset));
    assert.match(text, /`begin` since bpftrace 0\.24 \(`BEGIN` since 0\.17\)/);
    assert.match(text, /needs bpftrace 0\.24/);
    ({ doc, offset } = at('BEG|IN { }', node));
    assert.doesNotMatch(hoverText(await hover(doc, offset)), /needs bpftrace/);
  });

  it('signature help: the active parameter of the call around the cursor', () => {
    const { doc, offset } = at('BEGIN { @l = lhist(arg0, 0, |) }');
    const s = signatureHelp(doc, offset);
    assert.equal(s?.signatures[0]?.label, 'lhist(int n, int min, int max, int step)');
    assert.equal(s?.activeParameter, 2);
  });

  it('document symbols: probes, macros, config, maps; folding of blocks and comments', () => {
    const text =
      'config = {\n  max_strlen = 64\n}\n/* a\n   b */\nmacro inc(@m) {\n  @m = @m + 1\n}\nkprobe:a, kprobe:b /pid == 1/\n{\n  @calls[func] = count();\n  if (1) {\n    @x = 1;\n  }\n}\n';
    const doc = new Doc(text, DEFAULT_TARGET);
    const syms = documentSymbols(doc);
    assert.deepEqual(
      syms.map((s) => s.name),
      ['config', 'inc', 'kprobe:a, kprobe:b', '@calls', '@x'],
    );
    assert.equal(syms.find((s) => s.name.startsWith('kprobe'))?.detail, 'pid == 1');
    const folds = foldingRanges(doc).map((f) => `${f.startLine}-${f.endLine}${f.kind ? `:${f.kind}` : ''}`);
    assert.ok(folds.includes('0-1') && folds.includes('3-4:comment') && folds.includes('9-13') && folds.includes('11-12'), folds.join(' '));
  });

  it('definition, references and rename of maps, variables and macros', () => {
    const text = 'BEGIN { @n = 0; }\nkprobe:f { $t = nsecs; @n = @n + 1; @lat = hist(nsecs - $t); }\nEND { print(@n); }';
    const doc = new Doc(text, DEFAULT_TARGET);
    const s = symbolAt(doc, text.lastIndexOf('@n') + 1);
    assert.equal(s?.kind, 'map');
    assert.equal(s?.refs.length, 4);
    assert.equal(s?.defs.length, 2);
    const edits = renameEdits(doc, text.indexOf('$t') + 1, '$start');
    assert.ok(Array.isArray(edits) && edits.length === 2);
    assert.match(String(renameEdits(doc, text.indexOf('@n') + 1, 'n')), /not a valid map name/);
  });

  it('the built-in formatter re-indents by braces, keeps comments and strings', () => {
    const src = 'BEGIN{\nprintf("{ not a brace\\n"); // keep }\n   if (1) {\n@x=1;\n}\n\n\n\n}\n';
    assert.equal(
      formatScript(src, { tabSize: 4, insertSpaces: true }),
      'BEGIN{\n    printf("{ not a brace\\n"); // keep }\n    if (1) {\n        @x=1;\n    }\n\n}\n',
    );
  });

  it('Check on Node: a probe error bpftrace puts on the whole script moves onto the attach point it names', () => {
    const script = 'BEGIN { printf("hi\\n"); }\ntracepoint:sched:nonexistent_ev { @x = count(); }\n';
    // what bpftrace 0.17 and 0.23 print on the lab (stdin:1-2 for a probe on line 2)
    const d = locateProbeErrors(
      [{ severity: 'error', message: 'tracepoint not found: sched:nonexistent_ev', line: 1, endLine: 2 }],
      script,
    );
    assert.deepEqual(d[0], {
      severity: 'error',
      message: 'tracepoint not found: sched:nonexistent_ev',
      line: 2,
      col: 1,
      endLine: 2,
      endCol: 32,
    });
    // a message that names nothing in the script stays where bpftrace put it
    const other = locateProbeErrors([{ severity: 'error', message: 'Unknown function: foo', line: 1, col: 9 }], script);
    assert.deepEqual(other[0], { severity: 'error', message: 'Unknown function: foo', line: 1, col: 9 });
  });
});

describe('bpftrace language server: fuzz', () => {
  it('10,000 random and mutated scripts: every feature at a random place, no exception', async function () {
    this.timeout(300_000);
    const seeds = [...corpus('good'), ...corpus('bad')].map((s) => s.text);
    const probes = new Listing({});
    for (const { i, text, rnd } of fuzzScripts(seeds, 10_000, 777)) {
      const doc = new Doc(text, i % 2 ? DEFAULT_TARGET : { node: 'n', version: [0, 17], fromNode: true });
      const offset = rnd(text.length + 1);
      try {
        await completion(doc, offset, probes);
        await hover(doc, offset, probes);
        signatureHelp(doc, offset);
        documentSymbols(doc);
        for (const f of foldingRanges(doc)) assert.ok(f.endLine >= f.startLine);
        symbolAt(doc, offset);
        renameEdits(doc, offset, '@renamed');
      } catch (e) {
        assert.fail(`case ${i} at offset ${offset}: ${e instanceof Error ? e.stack : String(e)}\n---\n${text}`);
      }
    }
  });
});

describe('bpftrace language server: the server process (LSP over stdio)', () => {
  it('publishes diagnostics, completes, hovers and formats; target version from the client', async function () {
    this.timeout(30_000);
    const server = path.join(__dirname, '..', '..', 'src', 'server', 'server.js');
    const child = cp.spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const diags: { uri: string; diagnostics: { message: string; severity: number; range: { start: { line: number } } }[] }[] = [];
    conn.onNotification('textDocument/publishDiagnostics', (p: (typeof diags)[number]) => {
      diags.push(p);
    });
    conn.onRequest('ebpfLens/listProbes', (p: { pattern: string }) => ({
      node: 'edge1',
      lines: p.pattern === 'tracepoint:*' ? ['tracepoint:sched:sched_switch'] : [],
      truncated: false,
    }));
    conn.listen();
    try {
      const init = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: {},
      });
      assert.ok(
        init.capabilities['completionProvider'] && init.capabilities['hoverProvider'] && init.capabilities['documentFormattingProvider'],
      );
      await conn.sendNotification('initialized', {});
      await conn.sendNotification('ebpfLens/target', { node: 'edge1', bpftraceVersion: '0.17.0' });
      const uri = 'file:///tmp/x.bt';
      const text = 'config = { max_strlen = 64 }\nBEGIN { @x = count() \n  let $y = 1;\n}\ntracepoint:sched: { }\n';
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'bpftrace', version: 1, text } });
      const deadline = Date.now() + 10_000;
      while (!diags.some((d) => d.uri === uri) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const mine = diags.filter((d) => d.uri === uri).pop();
      assert.ok(mine, 'no diagnostics published');
      const messages = mine.diagnostics.map((d) => `${d.range.start.line + 1}:${d.severity}:${d.message}`);
      assert.ok(
        messages.some((m) => /^3:1:expected ';'/.test(m)),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((m) => /^1:2:.*config.*0\.20.*checking against 0\.17/.test(m)),
        messages.join('\n'),
      );
      const c = await conn.sendRequest<CompletionList>('textDocument/completion', {
        textDocument: { uri },
        position: { line: 4, character: 17 },
      });
      assert.deepEqual(labels(c), ['sched_switch']);
      const h = await conn.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 15 } });
      assert.match(hoverText(h), /Count the times this runs/);
      const f = await conn.sendRequest<{ newText: string }[]>('textDocument/formatting', {
        textDocument: { uri },
        options: { tabSize: 2, insertSpaces: true },
      });
      assert.match(f[0]?.newText ?? '', /^BEGIN \{ @x = count\(\)\n {2}let \$y = 1;\n\}$/m);
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } finally {
      conn.dispose();
      child.kill();
    }
  });
});
