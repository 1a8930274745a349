import type { EnvironmentNote } from './environment';
import { environmentNote } from './environment';

/**
 * bpftrace's stderr, read: located errors and warnings mapped to script lines, probe types this
 * node cannot attach, warnings about the node itself (environment.ts: a node fact, not a
 * diagnostic), and the noise (the RLIMIT_MEMLOCK message bpftrace prints on some
 * kernels) that is not failure.
 */
export interface ScriptDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** 1-based, in the user's script */
  readonly line?: number;
  readonly endLine?: number;
  readonly col?: number;
  readonly endCol?: number;
}

export interface StderrReport {
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** a probe type the node cannot attach (kprobe without CONFIG_KPROBES, kfunc without BTF …) */
  readonly unavailable?: { readonly probeType: string; readonly message: string };
  /** lines that are neither diagnostics nor noise */
  readonly other: readonly string[];
  /** what bpftrace said about the node, not the script: one per kind */
  readonly environment: readonly EnvironmentNote[];
}

const NOISE = [/RLIMIT_MEMLOCK/, /^\s*~+\s*$/, /^Attaching \d+ probes?\.\.\.$/];

/** `FILE:L:C-C: ERROR: …`, `FILE:L-L: WARNING: …`, `stdin:L:C: ERROR: …`, `ERROR: …` */
const LOCATED = /^(.*?):(\d+)(?:-(\d+))?(?::(\d+)(?:-(\d+))?)?: (ERROR|WARNING): (.*)$/;
const PLAIN = /^(ERROR|WARNING): (.*)$/;

/** bpftrace 0.24+'s "No matches for kprobe do_nanosleep." (kernel functions matched at compile time) */
const KERNEL_MATCH = /No matches for (kprobe|kretprobe|fentry|fexit|kfunc|kretfunc) /i;

export function parseStderr(text: string, scriptPath?: string): StderrReport {
  const diagnostics: ScriptDiagnostic[] = [];
  const other: string[] = [];
  const environment = new Map<string, EnvironmentNote>();
  let unavailable: StderrReport['unavailable'];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? '').replace(/\r$/, '');
    if (l.trim() === '' || NOISE.some((re) => re.test(l))) continue;
    const env = environmentNote(l);
    if (env) {
      environment.set(env.id, env);
      continue;
    }
    const m = LOCATED.exec(l);
    if (
      m &&
      (scriptPath === undefined || m[1] === scriptPath || m[1] === `${scriptPath}.run` || m[1] === 'stdin' || m[1]?.includes('ebpf-lens-'))
    ) {
      const [, , l1, l2, c1, c2, sev, msg = ''] = m;
      // a colon-less "L-L" range is lines; "L:C-C" is a line and columns
      const hasCol = c1 !== undefined;
      diagnostics.push({
        severity: sev === 'WARNING' ? 'warning' : 'error',
        message: msg,
        line: Number(l1),
        ...(hasCol ? { col: Number(c1) } : {}),
        ...(hasCol && c2 !== undefined ? { endCol: Number(c2) } : {}),
        ...(!hasCol && l2 !== undefined ? { endLine: Number(l2) } : {}),
      });
      // the source excerpt and carets that follow belong to this diagnostic
      while (i + 1 < lines.length && /^\s{2}|^\s*~/.test(lines[i + 1] ?? '')) i++;
      continue;
    }
    const p = PLAIN.exec(l);
    if (p) {
      diagnostics.push({ severity: p[1] === 'WARNING' ? 'warning' : 'error', message: p[2] ?? '' });
      continue;
    }
    other.push(l);
  }
  const all = text;
  const attach = /Error attaching probe:? '?([a-z_]+):/.exec(all);
  const kernelMatch = environment.has('traceableFunctions') ? KERNEL_MATCH.exec(all) : null;
  if (attach && /kprobe_events|uprobe_events/.test(all) && /No such file or directory/.test(all)) {
    const t = attach[1] ?? 'kprobe';
    unavailable = {
      probeType: t,
      message: `probe type not available on this node: ${t} (the kernel has no ${t.startsWith('u') ? 'uprobe' : 'kprobe'}_events: ${t.startsWith('u') ? 'CONFIG_UPROBE_EVENTS' : 'CONFIG_KPROBES'} is off?)`,
    };
  } else if (kernelMatch) {
    // 0.24+ matches kernel functions at compile time against the list it could not read: no
    // function matches, whatever the script says (seen on the lab's forky node, bpftrace 0.27)
    const t = (kernelMatch[1] ?? 'kprobe').toLowerCase();
    unavailable = {
      probeType: t,
      message: `probe type not available on this node: ${t} (bpftrace cannot read the kernel's list of traceable functions here, so no ${t} matches; bpftrace's --traceable-functions FILE, or a readable tracefs, would let it match)`,
    };
  } else {
    const k =
      /(kfunc|kretfunc|fentry|fexit|kprobe|kretprobe|uprobe|uretprobe|usdt|tracepoint|rawtracepoint|iter|watchpoint|hardware)[^\n]*(?:not available|not supported|unsupported)/i.exec(
        all,
      );
    if (k)
      unavailable = {
        probeType: (k[1] ?? '').toLowerCase(),
        message: `probe type not available on this node: ${(k[1] ?? '').toLowerCase()} (${k[0].trim()})`,
      };
  }
  return { diagnostics, other, environment: [...environment.values()], ...(unavailable ? { unavailable } : {}) };
}
