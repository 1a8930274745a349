import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EbpfLensApi } from '../../../src/extension/extension';
import { repoRoot } from '../../unit/paths';

/** Crash check, part 2: a new extension host connects to a node of that kernel and the value found before is back. */
export async function run(): Promise<void> {
  const sysctl = (): string =>
    execFileSync('bash', [path.join(repoRoot, 'test', 'lab', 'lab.sh'), 'nodeexec', 'edge2', 'cat', '/proc/sys/kernel/bpf_stats_enabled'], {
      encoding: 'utf8',
    }).trim();
  const before = sysctl();
  const api = await vscode.extensions.getExtension<EbpfLensApi>('ebpf-lens.ebpf-lens')?.activate();
  if (!api) throw new Error('eBPF Lens did not activate');
  await vscode.commands.executeCommand('ebpfLens.connect', 'edge2');
  for (let i = 0; i < 50 && sysctl() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
  const after = sysctl();
  await vscode.commands.executeCommand('ebpfLens.disconnect', 'edge2');
  console.log(`STATS before=${before} after=${after}`);
  if (after !== '0') throw new Error(`kernel.bpf_stats_enabled is ${after} after the next connect`);
}
