import type { CommandOutput, RemoteCommand } from '../remote/command';
import type { Version } from './catalog';
import { parseVersion, versionAtLeast, versionText } from './catalog';

/**
 * How "Check on Node" compiles a script without loading it, chosen from what the node's own
 * bpftrace offers in its `--help` (both streams: 0.17–0.22 print it on stderr, 0.23+ on stdout).
 * What each flag does was read in bpftrace's main.cpp at every release tag:
 * - `--mode codegen` (0.25+, listed in help): returns after code generation, before loading.
 * - `--test-mode codegen` (0.24 only; hidden, so help does not list it): the same stop.
 * - `--emit-elf FILE` (listed from 0.17 on, "(dry run)"): up to 0.23 it returns right after writing
 *   the object; from 0.24 it is a pass of the pipeline and bpftrace goes on to load and attach, so
 *   it is never used there whatever the help says.
 * - `--dry-run` (0.22+) loads and attaches every probe, and `--test codegen` means "run the test:
 *   probes" from 0.25 on: neither is ever used.
 * Anything else is refused with the reason: an unknown help means "don't run", not "try".
 */
export type CompileOnly = { readonly args: readonly string[]; readonly because: string } | { readonly refused: string };

/** `bpftrace --help`: no root needed, nothing runs, exit 0 in every version. */
export function helpCommand(): RemoteCommand<string> {
  return {
    title: 'bpftrace --help',
    argv: ['bpftrace', '--help'],
    root: false,
    timeoutMs: 15_000,
    interpret: (out: CommandOutput) => `${out.stdout}\n${out.stderr}`,
  };
}

/** the modes `--mode MODE` lists in help ("('codegen', 'compiler-bench', …)" on the next line), if any */
export function helpModes(help: string, flag: '--mode' | '--test-mode'): readonly string[] | undefined {
  const at = new RegExp(`^\\s*${flag}[ =]MODE\\b`, 'm').exec(help);
  if (!at) return undefined;
  // the list follows on the same line or the next two (a long option wraps)
  const rest = help
    .slice(at.index + at[0].length)
    .split('\n')
    .slice(0, 3)
    .join('\n');
  const list = /\(([^)]*)\)/.exec(rest);
  return [...(list?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '');
}

const offers = (help: string, option: string): boolean => new RegExp(`^\\s*(?:-\\w,\\s*)?${option}\\b`, 'm').test(help);

/** The compile-only invocation for this node's bpftrace, or why there is none. */
export function compileOnlyFor(version: string, help: string): CompileOnly {
  const v = parseVersion(version);
  if (!v) return { refused: `bpftrace did not say its version ("${version}"): the check is not run (it could attach probes)` };
  if (!versionAtLeast(v, [0, 17])) return { refused: `bpftrace ${versionText(v)} is older than 0.17: not supported` };
  if (!/USAGE:/i.test(help))
    return { refused: `bpftrace ${versionText(v)} printed no usable --help: its compile-only mode is unknown, so the check is not run` };
  if (helpModes(help, '--mode')?.includes('codegen'))
    return { args: ['--mode', 'codegen'], because: 'its --help offers --mode codegen (stops before loading)' };
  if (helpModes(help, '--test-mode')?.includes('codegen'))
    return { args: ['--test-mode', 'codegen'], because: 'its --help offers --test-mode codegen (stops before loading)' };
  if (isMinor(v, 24) && !offers(help, '--mode'))
    return { args: ['--test-mode', 'codegen'], because: "0.24's hidden --test-mode codegen (stops before loading)" };
  if (!versionAtLeast(v, [0, 24]) && offers(help, '--emit-elf'))
    return { args: ['--emit-elf', '/dev/null'], because: 'its --help offers --emit-elf, which stops before loading up to 0.23' };
  return {
    refused:
      `bpftrace ${versionText(v)}'s --help offers no compile-only mode eBPF Lens knows (--mode codegen, or --emit-elf up to 0.23; ` +
      'from 0.24 --emit-elf goes on to load and attach), so the check is not run: it could attach probes. ' +
      'Run the script with a short time limit instead, or update eBPF Lens.',
  };
}

function isMinor(v: Version, minor: number): boolean {
  return v[0] === 0 && v[1] === minor;
}
