import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Capability, CommandHandler, CommandsOf } from '../../src/extension/commandIds';
import { COMMAND_IDS, commandTable } from '../../src/extension/commandIds';
import { repoRoot } from './paths';

interface Contributes {
  readonly commands: readonly { readonly command: string }[];
  readonly menus?: Readonly<Record<string, readonly { readonly command?: string }[]>>;
  readonly keybindings?: readonly { readonly command: string }[];
}

const readPkg = (p: string): { contributes: Contributes } =>
  JSON.parse(fs.readFileSync(path.join(repoRoot, p), 'utf8')) as { contributes: Contributes };
const declared = Object.values(COMMAND_IDS).flat() as string[];
const dupes = (ids: readonly string[]): string[] => ids.filter((id, i) => ids.indexOf(id) !== i);
/** `command:ebpfLens.x?args` links in Markdown (welcome views, walkthroughs) */
const linked = (text: string): string[] => [...text.matchAll(/command:(ebpfLens\.[A-Za-z.]+)/g)].map((m) => m[1] ?? '');

/** Every capability's table with a handler for each of its ids (what activation passes). */
function fullTables(): { [C in Capability]: CommandsOf<C> } {
  const of = <C extends Capability>(c: C): CommandsOf<C> =>
    Object.fromEntries(COMMAND_IDS[c].map((id) => [id, () => id])) as unknown as CommandsOf<C>;
  return {
    nodes: of('nodes'),
    tracing: of('tracing'),
    deployments: of('deployments'),
    language: of('language'),
    annotations: of('annotations'),
    extension: of('extension'),
  };
}

describe('the command table and package.json', () => {
  const pkg = readPkg('package.json').contributes;

  it('each command is declared once, by one capability', () => {
    assert.deepEqual(dupes(declared), []);
    assert.ok(declared.length >= 40, `${declared.length} commands`);
  });

  it('package.json contributes exactly the declared commands, each once', () => {
    const contributed = pkg.commands.map((c) => c.command);
    assert.deepEqual(dupes(contributed), []);
    assert.deepEqual(
      contributed.filter((c) => !declared.includes(c)),
      [],
      'contributed but not declared',
    );
    assert.deepEqual(
      declared.filter((c) => !contributed.includes(c)),
      [],
      'declared but not contributed',
    );
  });

  it('menus and keybindings name only declared commands', () => {
    const menu = Object.entries(pkg.menus ?? {}).flatMap(([where, items]) =>
      items.flatMap((i) => (i.command ? [`${where}: ${i.command}`] : [])),
    );
    assert.ok(menu.length > 0);
    assert.deepEqual(
      menu.filter((m) => !declared.includes(m.split(': ')[1] ?? '')),
      [],
    );
    assert.deepEqual(
      (pkg.keybindings ?? []).map((k) => k.command).filter((c) => !declared.includes(c)),
      [],
    );
  });

  it('command links in the welcome views and the demo walkthrough name only declared commands', () => {
    const links = [
      ...linked(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')),
      ...linked(fs.readFileSync(path.join(repoRoot, 'demo', 'walkthrough', 'package.json'), 'utf8')),
    ];
    assert.ok(links.length >= 5, `${links.length} links`);
    assert.deepEqual(
      links.filter((l) => !declared.includes(l)),
      [],
    );
  });

  it('commandTable: all handlers in declaration order; a duplicate, an undeclared id or a missing handler throws', () => {
    const table = commandTable(fullTables());
    assert.deepEqual([...table.keys()], declared);
    assert.equal((table.get('ebpfLens.connect') as () => string)(), 'ebpfLens.connect');

    const twice = fullTables();
    (twice.tracing as unknown as Record<string, CommandHandler>)['ebpfLens.connect'] = () => 0;
    assert.throws(() => commandTable(twice), /ebpfLens\.connect is not declared for tracing/);

    const dup = fullTables();
    // the same id under two capabilities' declarations cannot compile; at run time it throws
    const ids = COMMAND_IDS.language as unknown as string[];
    ids.push('ebpfLens.connect');
    try {
      (dup.language as unknown as Record<string, CommandHandler>)['ebpfLens.connect'] = () => 0;
      assert.throws(() => commandTable(dup), /ebpfLens\.connect is registered twice/);
    } finally {
      ids.pop();
    }

    const missing = fullTables();
    delete (missing.annotations as unknown as Record<string, CommandHandler>)['ebpfLens.selectBinary'];
    assert.throws(() => commandTable(missing), /ebpfLens\.selectBinary of annotations has no handler/);
  });
});
