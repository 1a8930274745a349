import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../src/extension/extension';

/** Runs inside the real extension host (bench/activation.ts): what the extension measured of its own activation. */
export async function run(): Promise<void> {
  const api = await vscode.extensions.getExtension<EbpfLensApi>('ebpf-lens.ebpf-lens')?.activate();
  if (!api) throw new Error('eBPF Lens did not activate');
  console.log(`ACTIVATION ${JSON.stringify(api.activation)}`);
}
