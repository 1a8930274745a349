import type { CommandOutput, RemoteCommand } from '../remote/command';
import { failure } from '../remote/command';
import { ToolError } from '../base/errors';

/** At most this many attach points are kept from one listing (a full kprobe list is ~100k). */
export const MAX_LISTED = 200_000;

export interface ProbeListing {
  readonly lines: readonly string[];
  readonly truncated: boolean;
}

/**
 * `bpftrace -l PATTERN` (or `-lv`): attach points (and with -lv their fields). The pattern is one
 * argv element (quoted by shJoin), so a user's `*` never reaches a shell. Root: tracefs and
 * BTF are root-only on most nodes.
 */
export function listProbesCommand(pattern: string, verbose = false): RemoteCommand<ProbeListing> {
  if (pattern === '' || pattern.length > 4096 || /[\0\n\r]/.test(pattern))
    throw new ToolError('failed', `not a probe pattern: ${JSON.stringify(pattern.slice(0, 80))}`);
  if (pattern.startsWith('-')) throw new ToolError('failed', `a probe pattern cannot start with '-': ${pattern.slice(0, 80)}`);
  return {
    title: `bpftrace ${verbose ? '-lv' : '-l'} ${pattern}`,
    argv: ['bpftrace', verbose ? '-lv' : '-l', pattern],
    root: true,
    timeoutMs: 60_000,
    interpret(out: CommandOutput): ProbeListing {
      // "no probes match" is exit 0 (or 1 on some versions with a message): an empty list either way
      if (out.code !== 0 && out.stdout.trim() === '' && !/No probes? (?:found|match)/i.test(out.stderr))
        throw failure(`bpftrace -l ${pattern}`, out);
      const all = out.stdout.split('\n').filter((l) => l.trim() !== '');
      return { lines: all.slice(0, MAX_LISTED), truncated: all.length > MAX_LISTED };
    },
  };
}

/** `bpftrace --fmt -` (0.25+): the node's own formatter; the script travels on stdin. */
export function formatCommand(script: string): RemoteCommand<{ text: string } | { error: string }> {
  return {
    title: 'bpftrace --fmt',
    argv: ['bpftrace', '--fmt', '-'],
    root: false,
    stdin: script,
    timeoutMs: 30_000,
    interpret(out: CommandOutput) {
      if (out.code === 0 && out.stdout.trim() !== '') return { text: out.stdout };
      return { error: failure('bpftrace --fmt', out).message };
    },
  };
}

/** What `bpftrace --info` says the node's kernel and bpftrace can do (the parts eBPF Lens uses). */
export interface BpftraceFeatures {
  /** one BPF program for a wildcard of uprobes (uprobe_multi links: bpftrace 0.20+, kernel 6.6+) */
  readonly uprobeMulti: boolean;
  readonly kprobeMulti: boolean;
}

export function parseFeatures(text: string): BpftraceFeatures {
  const yes = (k: string): boolean => new RegExp(`\\b${k}:\\s*yes\\b`, 'i').test(text);
  return { uprobeMulti: yes('uprobe_multi'), kprobeMulti: yes('kprobe_multi') };
}

/** `bpftrace --info` (root: it probes the kernel). Versions print it on stdout or stderr. */
export function featuresCommand(): RemoteCommand<BpftraceFeatures> {
  return {
    title: 'bpftrace --info',
    argv: ['bpftrace', '--info'],
    root: true,
    timeoutMs: 30_000,
    interpret(out: CommandOutput): BpftraceFeatures {
      if (out.code !== 0 && !/version/i.test(out.stdout + out.stderr)) throw failure('bpftrace --info', out);
      return parseFeatures(`${out.stdout}\n${out.stderr}`);
    },
  };
}
