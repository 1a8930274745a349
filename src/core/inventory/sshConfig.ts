import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as SshConfigLib from 'ssh-config';
import { lazy } from '../base/lazy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sshConfigLib = lazy(() => require('ssh-config') as typeof SshConfigLib);
import { globToRegExp } from '../base/glob';
import type { NodeConfig } from './inventory';
import { parseNode } from './inventory';
import type { ParseIssue, Parsed } from '../base/result';

/**
 * Nodes from an OpenSSH client config (`~/.ssh/config`). The `ssh-config` package parses and
 * computes; it does not follow `Include`, so Include lines are expanded here first (globs,
 * `~`, paths relative to ~/.ssh, depth limit 16 as in OpenSSH). `Match exec` is never run.
 */

const MAX_INCLUDE_DEPTH = 16;
/** files one config may include in all: a file that includes itself twice would be read 2^16 times */
const MAX_INCLUDED_FILES = 1024;

export interface SshConfigOptions {
  readonly file?: string;
  readonly home?: string;
  /** read a file; tests inject this */
  readonly readFile?: (p: string) => string;
  readonly listDir?: (p: string) => string[];
}

function expandTilde(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Expand a path that may hold * ? [..] in any segment, sorted like glob(3). */
function expandGlob(pattern: string, listDir: (p: string) => string[]): string[] {
  const parts = pattern.split('/');
  let bases = [parts[0] === '' ? '/' : (parts[0] ?? '')];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const b of bases) {
      if (!/[*?[]/.test(part)) {
        next.push(path.join(b, part));
        continue;
      }
      const re = globToRegExp(part);
      let names: string[];
      try {
        names = listDir(b);
      } catch {
        names = [];
      }
      for (const n of names.sort()) if (re.test(n) && !(n.startsWith('.') && !part.startsWith('.'))) next.push(path.join(b, n));
    }
    bases = next;
  }
  return bases;
}

/** The text of a config with every Include replaced by the files it names. */
export function inlineIncludes(
  text: string,
  baseDir: string,
  home: string,
  readFile: (p: string) => string,
  listDir: (p: string) => string[],
  errors: ParseIssue[],
  depth = 0,
  budget = { files: MAX_INCLUDED_FILES },
): string {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      errors.push({ message: `Include nested deeper than ${MAX_INCLUDE_DEPTH} levels: ${line.trim()}` });
      continue;
    }
    const specs = (m[1] ?? '').match(/"[^"]*"|\S+/g) ?? [];
    for (const raw of specs) {
      const spec = expandTilde(raw.replace(/^"|"$/g, ''), home);
      const abs = path.isAbsolute(spec) ? spec : path.join(baseDir, spec);
      for (const file of expandGlob(abs, listDir)) {
        if (budget.files-- <= 0) {
          if (budget.files === -1)
            errors.push({ message: `Include: more than ${MAX_INCLUDED_FILES} files included, the rest are skipped: ${line.trim()}` });
          continue;
        }
        try {
          out.push(inlineIncludes(readFile(file), baseDir, home, readFile, listDir, errors, depth + 1, budget));
        } catch (e) {
          if (!/[*?[]/.test(abs)) errors.push({ message: `Include ${file}: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
    }
  }
  return out.join('\n');
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Nodes for every concrete `Host` alias (no wildcard, no negation) of the user's ssh config. */
export function nodesFromSshConfig(opts: SshConfigOptions = {}): Parsed<NodeConfig[]> {
  const home = opts.home ?? os.homedir();
  const file = opts.file ?? path.join(home, '.ssh', 'config');
  const readFile = opts.readFile ?? ((p: string) => fs.readFileSync(p, 'utf8'));
  const listDir = opts.listDir ?? ((p: string) => fs.readdirSync(p));
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: [], errors: [] };
    return { value: [], errors: [{ message: `${file}: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const errors: ParseIssue[] = [];
  // ssh-config reads the line after a directive without a value as its value (`User` then
  // `Port 22` is user "Port 22"; `Host` then `HostName h` makes hosts "HostName" and "h"). ssh
  // takes `Host` alone as a block for no host, and refuses any other directive without a value.
  const lines = inlineIncludes(text, path.join(home, '.ssh'), home, readFile, listDir, errors).split(/\r\n?|\n/);
  for (const [k, l] of lines.entries()) {
    const bare = /^\s*([^\s#=]*)\s*=?\s*$/.exec(l)?.[1];
    if (bare === undefined || (bare === '' && !l.includes('='))) continue;
    if (/^host$/i.test(bare)) lines[k] = 'Host !*';
    else return { value: [], errors: [...errors, { message: `${file}: not a valid ssh config: ${bare || '='} without a value` }] };
  }
  let config: ReturnType<typeof SshConfigLib.parse>;
  try {
    config = sshConfigLib().parse(lines.join('\n'));
  } catch (e) {
    // ssh-config throws on what ssh itself refuses (an unclosed quote, `Match user` without a
    // value): ssh would not use such a config either
    return {
      value: [],
      errors: [...errors, { message: `${file}: not a valid ssh config: ${e instanceof Error ? e.message : String(e)}` }],
    };
  }
  const aliases: string[] = [];
  for (const line of config) {
    if (!('param' in line) || !/^host$/i.test(line.param)) continue;
    const values = Array.isArray(line.value) ? line.value.map((v) => v.val) : String(line.value).split(/\s+/);
    for (const a of values) if (a && !/[*?!]/.test(a) && !aliases.includes(a)) aliases.push(a);
  }
  const nodes: NodeConfig[] = [];
  for (const alias of aliases) {
    const c = config.compute(alias, { matchExec: false, ignoreCase: true }) as Record<string, string | string[]>;
    const get = (k: string): string | undefined => first(c[k.toLowerCase()] ?? c[k]);
    const identity = c['identityfile'] ?? c['IdentityFile'];
    const portRaw = get('port');
    const proxyJump = get('proxyjump');
    const { node, problems } = parseNode(
      {
        name: alias,
        host: get('hostname')?.replace(/%h/g, alias) ?? alias,
        port: portRaw === undefined ? 22 : Number(portRaw),
        user: get('user'),
        identityFile: (Array.isArray(identity) ? identity : identity ? [identity] : []).map((f) => expandTilde(f, home)),
        proxyJump: proxyJump && proxyJump.toLowerCase() !== 'none' ? proxyJump : undefined,
      },
      'sshConfig',
    );
    if (node) nodes.push(node);
    else errors.push({ message: `ssh config host ${alias}: ${problems.join('; ')}` });
  }
  return { value: nodes, errors };
}
