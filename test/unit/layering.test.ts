import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORTS_VSCODE =
  /(?:^|\n)\s*import\s[^;]*?from\s*['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)|(?:^|\n)\s*import\s*['"]vscode['"]/;

/** what a file imports or re-exports (`import … from '…'`, `export … from '…'`) */
const importsOf = (f: string): string[] =>
  [...fs.readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
/** whether a relative import of a file lands in src/<layer> */
const within = (f: string, spec: string, layer: string): boolean =>
  path.resolve(path.dirname(f), spec).startsWith(path.join(repoRoot, 'src', layer) + path.sep);

describe('layering (DESIGN.md)', () => {
  it('only src/extension imports vscode', () => {
    const offenders = files(path.join(repoRoot, 'src'))
      .filter((f) => !f.startsWith(path.join(repoRoot, 'src', 'extension') + path.sep))
      .filter((f) => IMPORTS_VSCODE.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(repoRoot, f));
    assert.deepEqual(offenders, []);
  });

  it('the check itself catches an import (so it cannot pass vacuously)', () => {
    assert.ok(IMPORTS_VSCODE.test(`import * as vscode from 'vscode';`));
    assert.ok(IMPORTS_VSCODE.test(`import type { Uri } from "vscode";`));
    assert.ok(IMPORTS_VSCODE.test(`const v = require('vscode');`));
    assert.ok(!IMPORTS_VSCODE.test(`// talks to vscode-languageserver\nimport { x } from 'vscode-languageserver';`));
  });

  it('core imports nothing but node built-ins, its own files and pure parsing packages', () => {
    const allowed = new Set(['ssh-config', 'diff']);
    const bad: string[] = [];
    for (const f of files(path.join(repoRoot, 'src', 'core'))) {
      // imports, and lazy requires (heavy packages are required on first use)
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:from\s*|require\(\s*)['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:') || allowed.has(spec)) continue;
        bad.push(`${path.relative(repoRoot, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('the language server imports only core, its own files and the language server packages', () => {
    const bad: string[] = [];
    for (const f of files(path.join(repoRoot, 'src', 'server'))) {
      for (const spec of importsOf(f)) {
        if (
          spec.startsWith('.')
            ? within(f, spec, 'server') || within(f, spec, 'core')
            : /^vscode-languageserver(-textdocument)?(\/node)?$/.test(spec) || spec.startsWith('node:')
        )
          continue;
        bad.push(`${path.relative(repoRoot, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('the extension takes from the server only the shared protocol, which imports nothing', () => {
    const protocol = path.join(repoRoot, 'src', 'server', 'protocol.ts');
    const bad: string[] = [];
    for (const f of files(path.join(repoRoot, 'src', 'extension'))) {
      for (const spec of importsOf(f)) {
        if (spec.startsWith('.') && within(f, spec, 'server') && path.resolve(path.dirname(f), spec) + '.ts' !== protocol)
          bad.push(`${path.relative(repoRoot, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
    assert.deepEqual(importsOf(protocol), []);
  });
});
