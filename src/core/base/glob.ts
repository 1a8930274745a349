/** Shell-style name patterns (`*`, `?`, `[abc]`) as used in scopes and filters. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        // a range out of order ([z-a]) matches nothing, as in fnmatch(3), instead of throwing
        re += validClass(`[${body}]`) ? `[${body}]` : '(?!)';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function validClass(cls: string): boolean {
  try {
    new RegExp(cls);
    return true;
  } catch {
    return false;
  }
}

export function globMatch(pattern: string, s: string): boolean {
  return globToRegExp(pattern).test(s);
}
