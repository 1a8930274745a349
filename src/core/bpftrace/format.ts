import { Lexer } from './lexer';

export interface FormatOptions {
  readonly tabSize: number;
  readonly insertSpaces: boolean;
}

/**
 * The built-in formatter (used when the node's bpftrace has no --fmt): re-indents every line by
 * its brace depth, removes trailing white space, keeps at most one blank line in a row and ends
 * the file with one newline. Everything else — comments included — stays as written.
 */
export function formatScript(text: string, o: FormatOptions): string {
  const lex = new Lexer(text);
  // depth at the start of each line, from the braces outside strings and comments
  const opens = new Map<number, number>();
  for (;;) {
    const t = lex.next();
    if (t.kind === 'eof') break;
    if (t.kind === 'punct' && (t.text === '{' || t.text === '}')) opens.set(t.start, t.text === '{' ? 1 : -1);
  }
  const inComment = (offset: number): boolean => lex.comments.some((c) => c.block && c.start < offset && offset < c.end);
  const unit = o.insertSpaces ? ' '.repeat(o.tabSize) : '\t';
  const out: string[] = [];
  let depth = 0;
  let offset = 0;
  let blank = 0;
  for (const raw of text.split('\n')) {
    const lineStart = offset;
    offset += raw.length + 1;
    const line = raw.replace(/[ \t\r]+$/, '');
    const body = line.replace(/^[ \t]+/, '');
    let delta = 0;
    let leadingClose = 0;
    let seenOther = false;
    for (let i = lineStart; i < lineStart + raw.length; i++) {
      const b = opens.get(i);
      if (b === undefined) {
        if (!/\s/.test(text.charAt(i))) seenOther = true;
        continue;
      }
      delta += b;
      if (b < 0 && !seenOther) leadingClose++;
      seenOther = seenOther || b > 0;
    }
    if (body === '') {
      if (++blank > 1 || out.length === 0) continue;
      out.push('');
      continue;
    }
    blank = 0;
    if (inComment(lineStart + (raw.length - raw.replace(/^[ \t]+/, '').length))) {
      out.push(line); // a line inside a block comment keeps its own layout
    } else {
      const level = Math.max(0, depth - leadingClose);
      out.push(unit.repeat(level) + body);
    }
    depth = Math.max(0, depth + delta);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}
