import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';

/**
 * Crash check, part 1: turn live stats on for edge1 through the extension, say so, and stay.
 * The harness then kills this extension host with SIGKILL (no deactivate, no cleanup).
 */
export async function run(): Promise<void> {
  const api = await vscode.extensions.getExtension<EbpfLensApi>('ebpf-lens.ebpf-lens')?.activate();
  if (!api) throw new Error('eBPF Lens did not activate');
  await vscode.commands.executeCommand('ebpfLens.connect', 'edge1');
  const ok = await vscode.commands.executeCommand('ebpfLens.enableStats', 'edge1');
  console.log(ok === true ? 'HOLDING-STATS' : `enableStats returned ${String(ok)}`);
  await new Promise(() => undefined); // until killed
}
