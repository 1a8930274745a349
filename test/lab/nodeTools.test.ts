import * as assert from 'node:assert/strict';
import { analyze } from '../../src/core/bpftrace/analysis';
import type { Diagnostic } from '../../src/core/bpftrace/parser';
import { LineIndex } from '../../src/core/bpftrace/lexer';
import type { Compiled } from './nodeCompile';
import { FLAVOURS, compile, nodeTools } from './nodeCompile';

/**
 * The linter against each node's own tools, on the node's terms: the .bt tools its bpftrace
 * package installs (Debian: /usr/sbin/*.bt), read from the node at test time (never copied into
 * the repository), compiled there and analysed at that node's version. Then bookworm's 0.17 as
 * the oracle of what an old bpftrace refuses: it compiles the tools of the newer nodes, and the
 * analyser, checking against 0.17, must warn where 0.17 refuses them for a language reason, and
 * nowhere else.
 */

const lineOf = (text: string, d: Diagnostic): number => new LineIndex(text).position(d.start).line + 1;
const onLine = (r: Compiled, line: number): boolean => r.errors.some((e) => e.l1 <= line && line <= e.l2);
const firstError = (r: Compiled): string => {
  const e = r.errors[0];
  return e ? `${e.l1}${e.l2 !== e.l1 ? `-${e.l2}` : ''}: ${e.message}` : (r.out.trim().split('\n').slice(-1)[0] ?? '');
};

/**
 * Why a node refuses a script, when the reason is the node and not the language: what its kernel,
 * headers, libraries or BTF lack (a symbol, a struct or a field, a file) — nothing an analyser
 * without the node can know.
 */
const ENVIRONMENT =
  /Unknown struct|does not contain a field|[Cc]ould(?:n't| not) (?:find|resolve|open|read)|No such file|not found|kernel headers|\.h' file not found|Failed to (?:find|resolve|load|open)|unknown type name|__aligned_u64|Could not read symbols|undefined symbol|is not a valid|no BTF|BTF/;

describe('each node’s own tools, on the node’s terms (its bpftrace package’s /usr/sbin/*.bt)', function () {
  this.timeout(900_000);

  for (const [flavour, { node, version }] of Object.entries(FLAVOURS)) {
    it(`${node} (bpftrace ${flavour}): every analyser error is one of the node's on that line; what the node refuses for itself gets none`, () => {
      const tools = nodeTools(node);
      assert.ok(tools.length >= 30, `${node} has ${tools.length} tools in /usr/sbin (Debian ships 38 or 39)`);
      const refused: string[] = [];
      const disagree: string[] = [];
      for (const t of tools) {
        const r = compile(flavour, t.name, t.text);
        if (!r.ok) refused.push(`${t.name}: ${firstError(r)}`);
        for (const d of analyze(t.text, { target: version }).diagnostics) {
          if (d.severity !== 'error') continue;
          const line = lineOf(t.text, d);
          if (!onLine(r, line)) disagree.push(`${t.name}:${line}: we say "${d.message}"; ${node}: ${r.ok ? 'compiles it' : firstError(r)}`);
        }
      }
      console.log(
        `      ${node}: ${tools.length} tools, ${refused.length} refused by its bpftrace ${flavour}${refused.map((x) => `\n        ${x}`).join('')}`,
      );
      assert.deepEqual(disagree, []);
    });
  }

  it('bpftrace 0.17 (edge1) on the tools of trixie1 and forky1: where it refuses one for a language reason, a warning or an error at 0.17 on that line; none on what it compiles', () => {
    const missed: string[] = [];
    const extra: string[] = [];
    const said: string[] = [];
    for (const node of ['trixie1', 'forky1']) {
      for (const t of nodeTools(node)) {
        const r = compile('0.17', t.name, t.text);
        const ours = analyze(t.text, { target: [0, 17] }).diagnostics;
        const languageReason = !r.ok && !ENVIRONMENT.test(firstError(r));
        if (!r.ok) said.push(`${node}/${t.name}: ${languageReason ? 'language' : 'environment'}: ${firstError(r)}`);
        if (languageReason) {
          const hit = ours.some((d) => (d.severity === 'error' || d.code === 'version') && onLine(r, lineOf(t.text, d)));
          if (!hit) missed.push(`${node}/${t.name}: 0.17 says ${firstError(r)}; we say nothing there`);
        } else if (r.ok) {
          // (one 0.17 refuses for the node says nothing of its syntax: 0.17 stops at its first error)
          for (const d of ours)
            if (d.code === 'version' || d.severity === 'error')
              extra.push(`${node}/${t.name}:${lineOf(t.text, d)}: we say "${d.message}"; 0.17 compiles it`);
        }
      }
    }
    console.log(`      0.17 refuses:${said.map((x) => `\n        ${x}`).join('')}`);
    assert.deepEqual({ missed, extra }, { missed: [], extra: [] });
  });
});
