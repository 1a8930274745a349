/**
 * Where the cursor is, for completion: in a comment or string (nothing to offer), in a probe
 * header (attach points), in a predicate or a block (expressions), in a config block (keys).
 * A single forward scan to the cursor, so it works on half-typed text the parser rejects.
 */
export type CursorContext =
  | { readonly kind: 'none' }
  /** `word` is the attach point text typed so far (from its start to the cursor) */
  | { readonly kind: 'attach'; readonly word: string; readonly wordStart: number }
  | { readonly kind: 'expr'; readonly depth: number }
  | { readonly kind: 'config' };

const ATTACH_STOP = /[\s,{}]/;

export function cursorContext(text: string, offset: number): CursorContext {
  const end = Math.max(0, Math.min(offset, text.length));
  let depth = 0;
  /** start of the current top-level header (after the last top-level '}' or ';') */
  let headerStart = 0;
  let configDepth = -1;
  let i = 0;
  if (text.startsWith('#!')) {
    const nl = text.indexOf('\n');
    if (nl < 0 || nl >= end) return { kind: 'none' };
    i = nl;
  }
  while (i < end) {
    const c = text.charCodeAt(i);
    // line comment
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= end) return { kind: 'none' };
      i = nl + 1;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > end) return { kind: 'none' };
      i = close + 2;
      continue;
    }
    if (c === 34 /* " */) {
      let j = i + 1;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 92 /* \ */) j++;
        else if (d === 34 || d === 10) break;
      }
      if (j >= end) return { kind: 'none' };
      i = j + 1;
      continue;
    }
    // a preprocessor line at top level
    if (c === 35 /* # */ && depth === 0 && (i === 0 || text.charCodeAt(i - 1) === 10)) {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= end) return { kind: 'none' };
      i = nl + 1;
      headerStart = i;
      continue;
    }
    if (c === 123 /* { */) {
      if (depth === 0 && /^\s*config\s*=\s*$/.test(text.slice(headerStart, i))) configDepth = 1;
      depth++;
    } else if (c === 125 /* } */) {
      depth = Math.max(0, depth - 1);
      if (depth < configDepth) configDepth = -1;
      if (depth === 0) headerStart = i + 1;
    } else if (c === 59 /* ; */ && depth === 0) headerStart = i + 1;
    i++;
  }
  if (depth > 0) return configDepth === 1 && depth === 1 ? { kind: 'config' } : { kind: 'expr', depth };
  // top level: a predicate (a '/' after white space in the header, not closed yet) holds an expression
  const header = text.slice(headerStart, end);
  const pred = /(^|\s)\/(?!\*)/g;
  let m: RegExpExecArray | null;
  let open = -1;
  while ((m = pred.exec(header)) !== null) open = m.index + m[1]!.length;
  if (open >= 0 && !header.slice(open + 1).includes('/')) {
    // a path like "uprobe: /bin" is not valid anyway; an attach point never starts with '/'
    return { kind: 'expr', depth: 0 };
  }
  let s = end;
  while (s > headerStart && !ATTACH_STOP.test(text.charAt(s - 1))) s--;
  return { kind: 'attach', word: text.slice(s, end), wordStart: s };
}

/** The identifier-like word ending at the cursor, with its sigil (`@`, `$`) if any. */
export function wordBefore(text: string, offset: number): { word: string; start: number; sigil: '' | '@' | '$' } {
  let s = offset;
  while (s > 0 && /[A-Za-z0-9_]/.test(text.charAt(s - 1))) s--;
  const prev = text.charAt(s - 1);
  if (prev === '@' || prev === '$') return { word: text.slice(s, offset), start: s - 1, sigil: prev };
  return { word: text.slice(s, offset), start: s, sigil: '' };
}

/** The member access before the word: `args.` / `args->` (tracepoint fields) or another object. */
export function memberBefore(text: string, wordStart: number): string | undefined {
  const before = text.slice(Math.max(0, wordStart - 64), wordStart);
  const m = /([A-Za-z_$@][A-Za-z0-9_]*)\s*(?:\.|->)\s*$/.exec(before);
  return m ? m[1] : undefined;
}
