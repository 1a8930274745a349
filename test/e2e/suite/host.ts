/**
 * What the extension-host suite's files share (one file per capability, run in the order
 * index.ts gives): the extension under test, the programs some files need deployed on the lab,
 * the Nodes tree flattened, the workspace folder.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TreeRow } from '../../../src/core/nodes/tree';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { labSh } from '../../lab/labEnv';

const EXT_ID = 'ebpf-lens.ebpf-lens';

/** The extension activated (once per extension host): its own tests run in ExtensionMode.Test and get the internal API. */
export async function activateExtension(): Promise<EbpfLensApi> {
  const ext = vscode.extensions.getExtension<EbpfLensApi>(EXT_ID);
  assert.ok(ext, `${EXT_ID} is installed`);
  return ext.activate();
}

/** For the tests of the calling describe: counter_v1 and xdp on edge1, counter_v1 on trixie1 and forky1; removed after them. */
export function withDeployedPrograms(): void {
  before(() => {
    labSh('deploy', 'edge1', 'counter_v1');
    labSh('deploy', 'edge1', 'xdp');
    labSh('deploy', 'trixie1', 'counter_v1');
    labSh('deploy', 'forky1', 'counter_v1');
  });
  after(() => {
    for (const n of ['edge1', 'trixie1', 'forky1']) labSh('undeploy', n);
  });
}

/** Every row of the tree, depth first. */
export const all = (rows: readonly TreeRow[]): TreeRow[] => rows.flatMap((r) => [r, ...all(r.children)]);

export const workspaceFolder = (): string => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '/tmp';
