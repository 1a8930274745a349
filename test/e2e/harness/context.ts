/** What the e2e harness's phases share: where it works, what it has recorded, the run's resources. */
import * as path from 'node:path';
import { repoRoot } from '../../unit/paths';
import type { CodeServer, Toolchain } from './codeServer';
import type { Check } from './steps';

// env: EBPF_LENS_CACHE, E2E_WORK, E2E_SHOTS, E2E_PORT (E2E_ONLY: main.ts)
export const cache = path.join(process.env['EBPF_LENS_CACHE'] ?? '/var/cache/ebpf-lens', 'vscode');
export const work = process.env['E2E_WORK'] ?? '/tmp/ebpf-lens-e2e';
export const shots = process.env['E2E_SHOTS'] ?? path.join(repoRoot, 'test-results', 'e2e');
export const basePort = Number(process.env['E2E_PORT'] ?? 8310);

export const results: Check[] = [];

/** `detail` explains a failure; it is not shown for a pass */
export function record(name: string, ok: boolean, detail?: string): void {
  const error = ok ? undefined : detail;
  results.push({ name, ok, ms: 0, ...(error ? { error } : {}) });
  process.stdout.write(`  ${ok ? '✔' : '✘'} ${name}${error ? `: ${error}` : ''}\n`);
}

/** One run of the harness: what its phases use. */
export interface Run {
  readonly t: Toolchain;
  /** the workspace folder the code-servers open (the incident's has its own) */
  readonly folder: string;
  /** the packaged extension ('' when no selected phase installs it) */
  readonly vsix: string;
  /** every code-server started, stopped at the end whatever happened */
  readonly servers: CodeServer[];
}
