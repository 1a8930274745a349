import { parseArgs } from 'node:util';

/** `ebpf-lens <verb>`: each has a file in commands/ */
export const VERBS = ['list', 'trace', 'snapshot', 'diff', 'check', 'guard-script'] as const;
export type Verb = (typeof VERBS)[number];

const ON_NODES = ['list', 'trace', 'snapshot', 'check'] as const;

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: true;
  readonly short?: string;
  /** the value's name in the usage text */
  readonly arg?: string;
  /** the usage text's words (a line break continues under the first line) */
  readonly help: string;
  /** the verbs that take it */
  readonly verbs: readonly Verb[];
  /** a string option's default, per verb that has one */
  readonly defaults?: Partial<Record<Verb, string>>;
}

/**
 * Every option of every verb, declared once: the parser of each verb and the usage text are made
 * from this table.
 */
export const OPTIONS = {
  node: {
    type: 'string',
    multiple: true,
    arg: 'NAME[,NAME...]',
    help: 'the nodes of these names (repeatable)',
    verbs: ON_NODES,
  },
  tag: {
    type: 'string',
    multiple: true,
    arg: 'TAG[,TAG...]',
    help: 'the nodes carrying any of these tags (repeatable)',
    verbs: ON_NODES,
  },
  all: { type: 'boolean', help: 'every node of the inventory', verbs: ['list'] },
  config: { type: 'string', arg: 'FILE', help: 'nodes (and "ebpfLens.knownHostsFiles") from a JSON file', verbs: ON_NODES },
  'known-hosts': {
    type: 'string',
    multiple: true,
    arg: 'FILE',
    help:
      'a known_hosts file to trust (repeatable; default ~/.ssh/known_hosts\n' +
      "and /etc/ssh/ssh_known_hosts), read together with eBPF Lens's own\n" +
      '$XDG_CONFIG_HOME/ebpf-lens/known_hosts',
    verbs: ON_NODES,
  },
  'accept-new': { type: 'boolean', help: 'trust an unknown host key and remember it (never a changed one)', verbs: ON_NODES },
  timeout: {
    type: 'string',
    arg: 'SECONDS',
    help: 'per connection and per command',
    verbs: ON_NODES,
    defaults: { list: '20', trace: '20', snapshot: '20', check: '60' },
  },
  concurrency: {
    type: 'string',
    arg: 'N',
    // trace: as the extension's ebpfLens.connection.maxConcurrentNodes; only the starts are bounded
    help: 'nodes worked on (trace: started) at once',
    verbs: ['list', 'trace'],
    defaults: { list: '8', trace: '16' },
  },
  duration: {
    type: 'string',
    arg: 'S',
    help: "end the trace after S seconds (default 600, as the extension's\nebpfLens.trace.maxDurationSeconds; at most 86400)",
    verbs: ['trace'],
  },
  out: { type: 'string', arg: 'DIR', help: 'where snapshots are kept', verbs: ['snapshot'], defaults: { snapshot: 'ebpf-lens-snapshots' } },
  note: { type: 'string', arg: 'TEXT', help: 'a note kept with the snapshot', verbs: ['snapshot'] },
  'target-version': { type: 'string', arg: 'X.Y', help: 'the oldest bpftrace the scripts must run on', verbs: ['check'] },
  'no-instructions': { type: 'boolean', help: 'leave out the instruction hunks', verbs: ['diff'] },
  json: { type: 'boolean', help: 'machine-readable output', verbs: ['list', 'trace', 'snapshot', 'diff', 'check'] },
  help: { type: 'boolean', short: 'h', help: 'this text', verbs: VERBS },
} as const satisfies Record<string, OptionSpec>;

type Table = typeof OPTIONS;
type Name = keyof Table;
type Takes<V extends Verb, K extends Name> = V extends Table[K]['verbs'][number] ? K : never;
type ValueOf<O, V extends Verb> = O extends { readonly type: 'boolean' }
  ? boolean
  : O extends { readonly multiple: true }
    ? string[] | undefined
    : O extends { readonly defaults: { readonly [P in V]: string } }
      ? string
      : string | undefined;

/** what a verb was given: each option it takes, typed by the table (booleans default to false) */
export type OptionValues<V extends Verb> = { readonly [K in Name as Takes<V, K>]: ValueOf<Table[K], V> };

export interface Parsed<V extends Verb> {
  readonly values: OptionValues<V>;
  readonly positionals: string[];
  /** -h, --help: the usage text instead */
  readonly help: boolean;
}

const spec = (name: Name): OptionSpec => OPTIONS[name];
const names = Object.keys(OPTIONS) as Name[];

/** the options a verb takes, in the table's order */
export function optionsOf(verb: Verb): Name[] {
  return names.filter((n) => spec(n).verbs.includes(verb));
}

/** Parse a verb's arguments by the table (Node's parseArgs: its errors are worded by argsMessage). */
export function parseVerb<V extends Verb>(verb: V, args: string[], allowPositionals: boolean): Parsed<V> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }> = {};
  for (const n of optionsOf(verb)) {
    const o = spec(n);
    const def = o.type === 'boolean' ? false : o.defaults?.[verb];
    options[n] = {
      type: o.type,
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.short ? { short: o.short } : {}),
      ...(def !== undefined ? { default: def } : {}),
    };
  }
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
  return { values: values as unknown as OptionValues<V>, positionals, help: values['help'] === true };
}

const COLUMN = 24;

/** "default 20; check 60": the most common default, then the verbs with another */
function defaultsText(o: OptionSpec): string {
  const given = Object.entries(o.defaults ?? {});
  const counts = new Map<string, number>();
  for (const [, d] of given) counts.set(d, (counts.get(d) ?? 0) + 1);
  const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (usual === undefined) return '';
  return [`default ${usual}`, ...given.filter(([, d]) => d !== usual).map(([v, d]) => `${v} ${d}`)].join('; ');
}

/** One option's lines of the usage text: its verbs named unless every command on nodes takes it. */
function optionUsage(name: Name): string {
  const o = spec(name);
  const flag = `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;
  const everyOnNodes = ON_NODES.every((v) => o.verbs.includes(v));
  const notes = [everyOnNodes ? '' : o.verbs.join(', '), defaultsText(o)].filter((s) => s !== '');
  const [first = '', ...more] = o.help.split('\n');
  const head = `${first}${notes.length > 0 && more.length === 0 ? ` (${notes.join('; ')})` : ''}`;
  const tail = more.map((l, i) => `${l}${notes.length > 0 && i === more.length - 1 ? ` (${notes.join('; ')})` : ''}`);
  const lines = flag.length < COLUMN ? [`${flag.padEnd(COLUMN)}${head}`] : [flag, `${' '.repeat(COLUMN)}${head}`];
  return [...lines, ...tail.map((l) => `${' '.repeat(COLUMN)}${l}`)].join('\n');
}

/** The usage text's option lines, made from the table. */
export function optionsUsage(): string {
  return names.map(optionUsage).join('\n');
}
