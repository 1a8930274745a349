import type { CommandOutput, RemoteCommand } from '../remote/command';
import { ToolError } from '../base/errors';
import type { ScriptDiagnostic } from '../trace/diagnostics';
import { parseStderr } from '../trace/diagnostics';
import type { EnvironmentNote } from '../trace/environment';
import { compileOnlyFor, helpCommand } from './compileOnly';
import { LineIndex } from './lexer';
import { parse } from './parser';

export interface CheckResult {
  readonly ok: boolean;
  readonly diagnostics: readonly ScriptDiagnostic[];
  readonly mode: string;
  readonly output: string;
  /** what bpftrace said about the node, not the script (a node fact: environment.ts) */
  readonly environment: readonly EnvironmentNote[];
}

/** Runs a command on the node (a connection's `run`, bound to a cancellation where there is one). */
export type RunOnNode = <T>(cmd: RemoteCommand<T>) => Promise<T>;

/**
 * "Check on Node": compile a script with the node's own bpftrace, never loading it. The
 * compile-only mode is chosen from the node's `bpftrace --help` (compileOnly.ts); a bpftrace that
 * offers none eBPF Lens knows is refused with the reason (a ToolError), and nothing runs.
 */
export async function runCheck(run: RunOnNode, version: string, script: string): Promise<CheckResult> {
  const mode = compileOnlyFor(version, await run(helpCommand()));
  if ('refused' in mode) throw new ToolError('failed', mode.refused);
  return run(checkCommand(mode.args, script));
}

/** The script travels on stdin (`-`), so nothing is written on the node. */
export function checkCommand(args: readonly string[], script: string): RemoteCommand<CheckResult> {
  return {
    title: `bpftrace ${args.join(' ')} (compile only)`,
    argv: ['bpftrace', ...args, '-'],
    root: true,
    stdin: script,
    timeoutMs: 60_000,
    interpret(out: CommandOutput): CheckResult {
      const r = parseStderr(`${out.stderr}\n${out.stdout}`);
      const diagnostics = [...r.diagnostics];
      if (r.unavailable) diagnostics.unshift({ severity: 'error', message: r.unavailable.message });
      const ok = out.code === 0 && !diagnostics.some((d) => d.severity === 'error');
      if (!ok && diagnostics.length === 0)
        diagnostics.push({
          severity: 'error',
          message: `bpftrace exited with status ${String(out.code)}: ${r.other.slice(-2).join(' | ')}`,
        });
      return {
        ok,
        diagnostics: locateProbeErrors(diagnostics, script),
        mode: args.join(' '),
        environment: r.environment,
        output: `${out.stderr}${out.stdout}`.slice(-4000),
      };
    },
  };
}

/**
 * bpftrace often places a probe error on the statement or the whole script ("stdin:1-2:
 * ERROR: tracepoint not found: sched:nope"). When the message names an attach point of the
 * script, the diagnostic moves onto that attach point (if bpftrace's lines contain it).
 */
export function locateProbeErrors(diags: readonly ScriptDiagnostic[], script: string): ScriptDiagnostic[] {
  const aps = parse(script).program.items.flatMap((i) => (i.kind === 'probe' ? i.attachPoints : []));
  if (aps.length === 0) return [...diags];
  const lines = new LineIndex(script);
  return diags.map((d) => {
    const names = [
      ...d.message.matchAll(/(?:not found|No probes? (?:found|match(?:ed|es)?)|probe|function|target)[^:'"]*[:'"]\s*([^\s'",]+)/gi),
      ...d.message.matchAll(/['"]([^'"]+)['"]/g),
    ]
      .map((m) => (m[1] ?? '').replace(/[.]$/, ''))
      .filter((n) => n.length > 0);
    if (names.length === 0) return d;
    const hit = aps.find((ap) =>
      names.some(
        (n) =>
          ap.text === n ||
          ap.text.endsWith(`:${n}`) ||
          ap.parts.join(':') === n ||
          (ap.parts.length > 0 && ap.parts[ap.parts.length - 1] === n),
      ),
    );
    if (!hit) return d;
    const a = lines.position(hit.start);
    const b = lines.position(hit.end);
    const line = a.line + 1;
    // only when bpftrace's own location (if any) covers the attach point's line
    if (d.line !== undefined && (line < d.line || line > (d.endLine ?? d.line))) return d;
    return { severity: d.severity, message: d.message, line, col: a.character + 1, endLine: b.line + 1, endCol: b.character + 1 };
  });
}
