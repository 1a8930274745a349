import type { AttachPoint, Span } from './ast';
import type { Version } from './catalog';
import { probeType } from './probeTypes';
import type { Diagnostic } from './parser';

/** Reports a diagnostic on a span. */
export type Report = (span: Span, severity: Diagnostic['severity'], code: string, message: string) => void;
/** Warns when the target bpftrace is older than `since` (or has removed the thing). */
export type VersionCheck = (span: Span, since: Version, what: string, until?: Version) => void;

/** One attach point of a probe with `count` attach points: its type, arguments and version. */
export function checkAttachPoint(ap: AttachPoint, count: number, diag: Report, checkVersion: VersionCheck): void {
  if (/^\$\d+$/.test(ap.provider)) return; // a positional parameter expands to a probe
  const t = probeType(ap.provider);
  if (!t) {
    diag(ap, 'error', 'probeType', `unknown probe type '${ap.provider}'`);
    return;
  }
  checkVersion(ap, t.since, `the ${t.name} probe`, t.until);
  const n = ap.parts.length;
  if (ap.parts.some((p) => /\$\d/.test(p.replace(/"[^"]*"/g, '')) && !/^\$\d+$/.test(p)))
    checkVersion(ap, [0, 24], 'a positional parameter inside a probe name');
  if (t.name === 'BEGIN' || t.name === 'END') {
    if (ap.provider !== t.name) checkVersion(ap, [0, 24], `${ap.provider} (lowercase; ${t.name} before 0.24)`);
    if (n !== 0) diag(ap, 'error', 'probeArgs', `${t.name} takes no arguments`);
    return;
  }
  if (n === 0 || ap.parts.every((x) => x === '')) {
    diag(ap, 'error', 'probeArgs', `${ap.provider} needs arguments: ${t.syntax}`);
    return;
  }
  const ok =
    t.parts.includes(n) ||
    ((t.name === 'uprobe' || t.name === 'uretprobe' || t.name === 'usdt') && n === 1) ||
    ((t.name === 'profile' || t.name === 'interval') && n === 1);
  if (!ok) diag(ap, 'error', 'probeArgs', `wrong number of arguments for ${t.name}: ${t.syntax}`);
  if ((t.name === 'kprobe' || t.name === 'kretprobe') && n === 2) checkVersion(ap, [0, 21], 'kprobe:module:function');
  // uprobe:BIN@file.c:LINE[:COL] (a source line, from DWARF)
  if ((t.name === 'uprobe' || t.name === 'uretprobe') && /@[^:]+$/.test(ap.parts[0] ?? '') && /^\d+$/.test(ap.parts[1] ?? ''))
    checkVersion(ap, [0, 26], 'a source-line uprobe (BINARY@file:line)');
  if ((t.name === 'profile' || t.name === 'interval') && n === 1) checkVersion(ap, [0, 24], `${t.name} with a single argument`);
  if (
    (t.name === 'profile' || t.name === 'interval') &&
    n === 2 &&
    !['hz', 's', 'ms', 'us'].includes(ap.parts[0] ?? '') &&
    !/^\$\d+$/.test(ap.parts[0] ?? '')
  ) {
    diag(ap, 'error', 'probeArgs', `${t.name} unit must be hz, s, ms or us`);
  }
  if (t.name === 'iter' && count > 1) diag(ap, 'error', 'probeArgs', 'an iter probe must be the only attach point of its probe');
}

/** Split an attach point's text into provider and parts (":" outside quotes). */
export function splitAttachPoint(text: string, start: number): AttachPoint {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === ':' && !quoted) {
      // C++ names (ns::fn) inside a part are not separators; a provider never has one, so `::`
      // right after it is an empty part (`usdt::ns:probe`: the binary left to -p)
      if (text.charAt(i + 1) === ':' && parts.length > 0) {
        cur += '::';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const [provider = '', ...rest] = parts;
  return { text, provider, parts: rest, wildcard: /[*?[]/.test(rest.join(':').replace(/"[^"]*"/g, '')), start, end: start + text.length };
}
