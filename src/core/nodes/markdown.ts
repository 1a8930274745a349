/** Markdown for the Nodes tree's tooltips. */

export const esc = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

export function mdTable(rows: readonly (readonly [string, string | undefined])[]): string {
  const present = rows.filter((r): r is readonly [string, string] => r[1] !== undefined && r[1] !== '');
  return ['| | |', '|---|---|', ...present.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|').replace(/\n/g, '<br>')} |`)].join('\n');
}
