import { analyze } from '../core/bpftrace/analysis';
import type { Version } from '../core/bpftrace/catalog';
import { LineIndex } from '../core/bpftrace/lexer';
import type { ScriptDiagnostic } from '../core/trace/diagnostics';

/**
 * `ebpf-lens check`: one diagnostic as a line. Positions are 1-based, columns in UTF-16 code
 * units (as VS Code counts); `endLine`/`endCol` is the position just after the range.
 */
export interface CheckLine {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
}

export function checkText(file: string, text: string, target: Version | undefined): CheckLine[] {
  const a = analyze(text, target ? { target } : {});
  const idx = new LineIndex(text);
  return a.diagnostics.map((d) => {
    const s = idx.position(d.start);
    const e = idx.position(Math.max(d.start, d.end));
    return {
      file,
      line: s.line + 1,
      col: s.character + 1,
      endLine: e.line + 1,
      endCol: e.character + 1,
      severity: d.severity,
      code: d.code,
      message: d.message,
    };
  });
}

/** What the node's bpftrace said (Check on Node), in the same shape. */
export function nodeCheckLines(file: string, diags: readonly ScriptDiagnostic[], node: string): CheckLine[] {
  return diags.map((d) => ({
    file,
    line: d.line ?? 1,
    col: d.col ?? 1,
    endLine: d.endLine ?? d.line ?? 1,
    endCol: d.endCol ?? d.col ?? 1,
    severity: d.severity,
    code: `node:${node}`,
    message: d.message,
  }));
}

/** `file:line:col: severity: message [code]`, the form compilers print and editors and CI read. */
export function checkLineText(l: CheckLine): string {
  return `${l.file}:${l.line}:${l.col}: ${l.severity}: ${l.message} [${l.code}]`;
}
