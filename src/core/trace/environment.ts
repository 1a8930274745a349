/**
 * Warnings bpftrace prints about the node it runs on, not about the script: the same on every run
 * there. They are a fact of the node (shown once, with what they mean), never a diagnostic on the
 * user's document. Each is recognised by the words bpftrace's source writes it with.
 */
export interface EnvironmentNote {
  /** stable id: one note of a kind per node */
  readonly id: string;
  /** a few words: what the node lacks */
  readonly title: string;
  /** bpftrace's own words (its first line) */
  readonly message: string;
  /** what it means for the user of this node, and what would change it */
  readonly meaning: string;
}

interface Known {
  readonly id: string;
  readonly title: string;
  readonly match: RegExp;
  readonly meaning: (m: RegExpExecArray) => string;
}

const KNOWN: readonly Known[] = [
  {
    // bpftrace 0.26+: tracefs's list of the functions the kernel allows to trace cannot be read
    id: 'traceableFunctions',
    title: 'bpftrace cannot read the list of traceable functions',
    match: /Could not read functions from (\S+?)\.?(?:\s|$)/,
    meaning: (m) =>
      `bpftrace cannot read the kernel's list of traceable functions (${m[1] ?? 'available_filter_functions'}) on this node, ` +
      'so it cannot leave out functions that are unsafe to trace when it expands kprobe or fentry wildcards. ' +
      'Scripts run as before. It goes away where that file is readable (tracefs mounted, no lockdown), or with ' +
      "bpftrace's --traceable-functions FILE.",
  },
  {
    id: 'rlimitNofile',
    title: 'bpftrace cannot raise its open-file limit',
    match: /couldn't set RLIMIT_NOFILE/,
    meaning: () =>
      'bpftrace could not raise its open-file limit on this node: a script with many probes may fail to load. ' +
      "Raise the limit for the login user (ulimit -n, or systemd's LimitNOFILE).",
  },
  {
    id: 'bootTimeSkew',
    title: 'boot time skew: strftime() times may be off',
    match: /skew detected when calculating boot time/,
    meaning: () =>
      "the node's clocks disagree on when it booted: times printed with strftime() may be off by that skew. " +
      'It is a fact of the node (its clock was stepped), not of the script.',
  },
  {
    id: 'btfParse',
    title: 'bpftrace cannot read the kernel BTF',
    match: /BTF: failed to parse BTF from (\S+)/,
    meaning: (m) =>
      `bpftrace could not read the kernel's type information from ${m[1] ?? 'a BTF file'} on this node: ` +
      'struct fields and typed arguments (fentry, args) may be unknown there.',
  },
];

/** The environment note a stderr line is, if it is one. */
export function environmentNote(line: string): EnvironmentNote | undefined {
  for (const k of KNOWN) {
    const m = k.match.exec(line);
    if (m) return { id: k.id, title: k.title, message: line.replace(/^WARNING:\s*/, '').trim(), meaning: k.meaning(m) };
  }
  return undefined;
}

/** Notes of a node, one per kind (the latest words kept), in the order they were first seen. */
export function mergeNotes(known: readonly EnvironmentNote[], seen: readonly EnvironmentNote[]): EnvironmentNote[] {
  const out = new Map(known.map((n) => [n.id, n]));
  for (const n of seen) out.set(n.id, n);
  return [...out.values()];
}
