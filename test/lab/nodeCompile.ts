import { execFileSync, spawnSync } from 'node:child_process';
import { compileOnlyFor } from '../../src/core/bpftrace/compileOnly';
import { LAB_SH, labNode } from './labEnv';

/**
 * bpftrace on a lab node, compile only (the mode Check on Node chooses from the node's --help:
 * --emit-elf on 0.17–0.23, --mode codegen on 0.27; --emit-elf would load on 0.27), the script on
 * stdin: nothing is written on the node. Shared by the corpus and the node-tools tests.
 */

export interface Compiled {
  readonly ok: boolean;
  /** the located errors: a line or a range of lines */
  readonly errors: readonly { readonly l1: number; readonly l2: number; readonly message: string }[];
  /** all it printed */
  readonly out: string;
}

/** The node's own tools: what its bpftrace package installs as /usr/sbin/*.bt, read at test time. */
export function nodeTools(node: string): { name: string; text: string }[] {
  const root = labNode(node).root;
  const on = (...argv: string[]): string =>
    execFileSync('bash', [LAB_SH, 'nodeexec', node, ...(root ? ['chroot', root] : []), ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const names = on('sh', '-c', 'ls /usr/sbin/ | grep "\\.bt$" || true')
    .split('\n')
    .filter((n) => n !== '');
  return names.map((name) => ({ name, text: on('cat', `/usr/sbin/${name}`) }));
}

export const FLAVOURS: Record<string, { node: string; version: [number, number] }> = {
  '0.17': { node: 'edge1', version: [0, 17] },
  '0.23': { node: 'trixie1', version: [0, 23] },
  '0.27': { node: 'forky1', version: [0, 27] },
};

const modes = new Map<string, readonly string[]>();
/** the compile-only arguments for a flavour's bpftrace, as Check on Node chooses them */
function compileOnly(node: string, root: string): readonly string[] {
  const known = modes.get(node);
  if (known) return known;
  const on = (...argv: string[]) =>
    spawnSync('bash', [LAB_SH, 'nodeexec', node, ...(root ? ['chroot', root] : []), 'bpftrace', ...argv], { encoding: 'utf8' });
  const version = /v?(\d+\.\d+(?:\.\d+)?)/.exec(on('--version').stdout)?.[1] ?? '';
  const help = on('--help');
  const m = compileOnlyFor(version, `${help.stdout}\n${help.stderr}`);
  if ('refused' in m) throw new Error(`${node}: ${m.refused}`);
  modes.set(node, m.args);
  return m.args;
}

export function compile(flavour: string, name: string, text: string): Compiled {
  const { node } = FLAVOURS[flavour] as { node: string };
  const root = labNode(node).root;
  let out: string;
  let ok = true;
  try {
    // the script on stdin (an object, if any, to /dev/null): nothing is written on the node
    const args = compileOnly(node, root);
    out = execFileSync('bash', [LAB_SH, 'nodeexec', node, ...(root ? ['chroot', root] : []), 'bpftrace', ...args, '-'], {
      input: text,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    ok = false;
    out = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
  }
  // bpftrace 0.17 aborts ("FATAL: …") on some probe types it does not know
  if (/FATAL: (.*)/.test(out) && !/:\d+(?:-\d+)?(?::\d+(?:-\d+)?)?: ERROR:/.test(out))
    out += `\n${name}:1-9999: ERROR: ${/FATAL: (.*)/.exec(out)?.[1] ?? ''}`;
  const errors = [...out.matchAll(/:(\d+)(?:-(\d+))?(?::\d+(?:-\d+)?)?: ERROR: (.*)/g)].map((m) => ({
    l1: Number(m[1]),
    l2: Number(m[2] ?? m[1]),
    message: m[3] ?? '',
  }));
  return { ok: ok && errors.length === 0, errors, out };
}
