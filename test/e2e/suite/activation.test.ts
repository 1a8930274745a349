/** The extension in a real extension host: its API, its commands. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { PUBLIC_API_KEYS } from '../../../src/extension/publicApi';
import { repoRoot } from '../../unit/paths';
import { activateExtension } from './host';

describe('eBPF Lens in the real extension host', () => {
  let api: EbpfLensApi;

  before(async () => {
    api = await activateExtension();
  });

  it('activates in a Node extension host; its own tests (ExtensionMode.Test) get the internal API, others only the allow-list', () => {
    assert.ok(api.nodes.fleet);
    // what a production caller gets is api.public (checked from another extension by the e2e probe phase)
    assert.deepEqual(Object.keys(api.public), [...PUBLIC_API_KEYS]);
    assert.equal(api.public.apiVersion, 1);
    assert.deepEqual(
      api.public
        .nodes()
        .map((n) => n.name)
        .sort(),
      ['edge1', 'edge2', 'forky1', 'trixie1'],
    );
    assert.equal(typeof process.versions.node, 'string');
    assert.match(vscode.version, /^1\.\d+/);
  });

  it('every contributed command is registered, and every registered ebpfLens command is contributed', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    // VS Code adds ebpfLens.nodes.focus etc. for the view itself
    const registered = (await vscode.commands.getCommands(true))
      .filter((c) => c.startsWith('ebpfLens.') && !c.startsWith('ebpfLens.nodes.'))
      .sort();
    assert.deepEqual(
      contributed.filter((c) => !registered.includes(c)),
      [],
      'contributed but not registered',
    );
    assert.deepEqual(
      registered.filter((c) => !contributed.includes(c)),
      [],
      'registered but not contributed',
    );
    assert.ok(contributed.length >= 15);
  });
});
