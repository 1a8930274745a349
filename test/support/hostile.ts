/** Strings an attacker (or an unlucky user) may put where a name, user, path or pattern goes. */
export const HOSTILE = [
  `'`,
  `"`,
  `it's`,
  `"; touch /tmp/pwned; "`,
  `$(touch /tmp/pwned)`,
  '`touch /tmp/pwned`',
  `a;b|c&d`,
  `$HOME`,
  `\${IFS}`,
  `line1\nline2`,
  `-rf`,
  `--help`,
  ` leading space`,
  `trailing space `,
  `tab\there`,
  `*`,
  `?`,
  `[a-z]`,
  `~`,
  `\\`,
  `'\\''`,
  `!`,
  `{a,b}`,
  `#comment`,
  `ünïcödé ✓ 日本`,
  '',
  'x'.repeat(5000),
];

/**
 * At least `n` hostile strings, generated deterministically: shell metacharacters and quoting
 * in every position around a payload that would leave a trace if it ran, option-looking
 * prefixes, control characters, unicode tricks (right-to-left override, zero-width, combining,
 * emoji, full-width), path tricks and very long values. Every string that names a payload
 * names `canary` (a file whose existence on the node proves a command ran).
 */
export function hostileStrings(n: number, canary: string): string[] {
  const payloads = [`touch ${canary}`, `id>${canary}`, `sh -c 'touch ${canary}'`, `echo x >> ${canary}`];
  const wraps: ((p: string) => string)[] = [
    (p) => `; ${p}`,
    (p) => `;${p};`,
    (p) => `$(${p})`,
    (p) => `\`${p}\``,
    (p) => `| ${p}`,
    (p) => `|| ${p}`,
    (p) => `&& ${p}`,
    (p) => `& ${p} &`,
    (p) => `\n${p}\n`,
    (p) => `\r\n${p}`,
    (p) => `'; ${p}; '`,
    (p) => `"; ${p}; "`,
    (p) => `'$(${p})'`,
    (p) => `"$(${p})"`,
    (p) => `\\'; ${p}; \\'`,
    (p) => `> /dev/null; ${p}`,
    (p) => `< /dev/null; ${p}`,
    (p) => `\${IFS}${p.replace(/ /g, '${IFS}')}`,
    (p) => `-o ProxyCommand=${p}`,
    (p) => `--exec=${p}`,
    (p) => `x' -e '${p}`,
    (p) => `${p} #`,
    (p) => `*/; ${p}; /*`,
    (p) => `"); system("${p}"); printf("`,
    (p) => `}; BEGIN { system("${p}") } //`,
    (p) => `\u202e${p}`,
    (p) => `${p}\u0000`,
    (p) => `\t${p}\t`,
    (p) => `$'\\x3b' ${p}`,
    (p) => `{${p},x}`,
  ];
  const prefixes = ['', 'edge1', '/usr/bin/x', '-', '--', 'a b', '../..', '~root/'];
  const out = new Set<string>();
  for (const p of payloads) for (const w of wraps) for (const pre of prefixes) out.add(`${pre}${w(p)}`);
  const plain = [
    '-rf',
    '--help',
    '-oProxyCommand=x',
    '-l root',
    '--',
    '-',
    '.',
    '..',
    '/',
    '//',
    '/../../etc/passwd',
    '~',
    '~root',
    '*',
    '?',
    '[a-z]*',
    '{a,b}',
    '$HOME',
    '${HOME}',
    '$((1+1))',
    '%s%n%x',
    '\\',
    '\\\\',
    "'",
    '"',
    '`',
    "'\"'\"'",
    "it's",
    ' ',
    '  ',
    ' lead',
    'trail ',
    '\t',
    '\n',
    '\r',
    '\x1b[31mred\x1b[0m',
    '\x07bell',
    '\x7f',
    '\u200bzero-width',
    'e\u0301',
    '日本語',
    '🚀',
    'ｆｕｌｌ',
    'İı',
    'NUL\u0000inside',
    'x'.repeat(255),
    'x'.repeat(4096),
    'x'.repeat(70_000),
    'a/'.repeat(600),
    'café.bt',
  ];
  for (const s of [...HOSTILE, ...plain]) out.add(s);
  let i = 0;
  const list = [...out];
  // more by pairing metacharacters when the combinations above are not enough
  const metas = [';', '|', '&', '$', '(', ')', '`', '\\', '"', "'", '<', '>', '*', '?', '!', '#', '~', '{', '}', '[', ']', '\n', ' '];
  while (list.length < n) {
    const a = metas[i % metas.length] ?? ';';
    const b = metas[Math.floor(i / metas.length) % metas.length] ?? '|';
    const s = `${a}${b}touch ${canary}${b}${a}`;
    if (!out.has(s)) {
      out.add(s);
      list.push(s);
    }
    i++;
  }
  return list;
}
