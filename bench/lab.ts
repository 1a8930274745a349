// The lab for a benchmark: the one that is up, or one of its own (brought up and taken down).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/unit/paths';

export const LAB_SH = path.join(repoRoot, 'test', 'lab', 'lab.sh');

/** Run fn with a lab up; `fleet` nodes at least when the bench starts its own. */
export async function withLab<T>(fn: () => Promise<T>, o: { fleet?: number } = {}): Promise<T> {
  const labDir = process.env['LAB_DIR'] ?? '/run/ebpf-lens-lab';
  const own = !fs.existsSync(path.join(labDir, 'lab.json'));
  if (own)
    execFileSync('bash', [LAB_SH, 'up'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...(o.fleet ? { FLEET: String(o.fleet) } : {}) },
    });
  // a lab that is up but smaller than asked grows for the run, and shrinks back after
  const had = own ? 0 : edgeCount(labDir);
  const grow = o.fleet !== undefined && !own && had < o.fleet;
  try {
    if (grow) execFileSync('bash', [LAB_SH, 'grow', String(o.fleet)], { stdio: ['ignore', 'ignore', 'inherit'] });
    return await fn();
  } finally {
    if (own) execFileSync('bash', [LAB_SH, 'down'], { stdio: ['ignore', 'ignore', 'inherit'] });
    else if (grow) execFileSync('bash', [LAB_SH, 'shrink', String(had)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

function edgeCount(labDir: string): number {
  const tsv = fs.readFileSync(path.join(labDir, 'nodes.tsv'), 'utf8');
  return tsv.split('\n').filter((l) => /^edge\d+ netns /.test(l)).length;
}

/** Run a script on a lab node (nsenter, no ssh; sh, or bash with `shell`) and answer its stdout. */
export function onNodeSh(node: string, script: string, ...args: string[]): string {
  return execFileSync('bash', [LAB_SH, 'nodeexec', node, 'sh', '-c', script, 'bench', ...args], { encoding: 'utf8' });
}

export function onNodeBash(node: string, script: string): string {
  return execFileSync('bash', [LAB_SH, 'nodeexec', node, 'bash', '-c', script], { encoding: 'utf8' });
}
