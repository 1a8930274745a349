import type { ParseIssue, Parsed } from '../base/result';
import { validateHost, validateNodeName, validatePort, validateRemotePath, validateUser } from '../remote/quote';

/** How a node's root-only commands run. */
export type SudoMode = 'auto' | 'always' | 'never';

/**
 * Which of the kernel's BPF objects belong to this node's view. All programs are global to a
 * kernel; on a node that runs several teams' programs (or lab nodes sharing one kernel) a scope
 * keeps only those pinned under given bpffs prefixes or named by given patterns.
 */
export interface NodeScope {
  readonly pinPrefixes?: readonly string[];
  readonly namePatterns?: readonly string[];
}

export type NodeSource = 'settings' | 'sshConfig' | 'configFile';

export interface NodeConfig {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** login user; unset → the local user name, as OpenSSH does */
  readonly user?: string;
  readonly identityFiles: readonly string[];
  /** a node name or `[user@]host[:port]`; a comma-separated list is a chain of jumps */
  readonly proxyJump?: string;
  readonly sudo: SudoMode;
  readonly tags: readonly string[];
  readonly scope?: NodeScope;
  readonly source: NodeSource;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown, field: string, problems: string[]): string[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x): x is string => typeof x === 'string')) {
    problems.push(`${field} must be a string or a list of strings`);
    return [];
  }
  return list;
}

/** One node from a settings / config-file object; problems are collected, not thrown. */
export function parseNode(o: unknown, source: NodeSource): { node?: NodeConfig; problems: string[] } {
  const problems: string[] = [];
  if (!isObj(o)) return { problems: ['a node must be an object with at least "name" and "host"'] };
  const name = typeof o['name'] === 'string' ? o['name'] : '';
  const nameProblem = validateNodeName(name);
  if (nameProblem) problems.push(nameProblem);
  const host = typeof o['host'] === 'string' ? o['host'] : '';
  if (host === '') problems.push('"host" is required');
  else {
    const p = validateHost(host);
    if (p) problems.push(p);
  }
  const port = o['port'] === undefined ? 22 : o['port'];
  const portProblem = validatePort(port);
  if (portProblem) problems.push(portProblem);
  let user: string | undefined;
  if (o['user'] !== undefined) {
    if (typeof o['user'] !== 'string') problems.push('"user" must be a string');
    else {
      const p = validateUser(o['user']);
      if (p) problems.push(p);
      user = o['user'];
    }
  }
  const identityFiles = stringList(o['identityFile'] ?? o['identityFiles'], '"identityFile"', problems);
  for (const f of identityFiles) {
    // eslint-disable-next-line no-control-regex
    if (f === '' || /[\u0000-\u001f]/.test(f)) problems.push(`identity file ${JSON.stringify(f)} is not a usable path`);
  }
  let proxyJump: string | undefined;
  if (o['proxyJump'] !== undefined && o['proxyJump'] !== null && o['proxyJump'] !== '') {
    if (typeof o['proxyJump'] !== 'string') problems.push('"proxyJump" must be a string');
    else if (o['proxyJump'].toLowerCase() !== 'none') {
      for (const hop of o['proxyJump'].split(',')) {
        const p = parseHop(hop.trim());
        if (typeof p === 'string' && validateNodeName(hop.trim()) !== undefined) problems.push(p);
      }
      proxyJump = o['proxyJump'];
    }
  }
  const sudoRaw = o['sudo'];
  let sudo: SudoMode = 'auto';
  if (sudoRaw === true) sudo = 'always';
  else if (sudoRaw === false) sudo = 'never';
  else if (sudoRaw === 'auto' || sudoRaw === 'always' || sudoRaw === 'never') sudo = sudoRaw;
  else if (sudoRaw !== undefined) problems.push('"sudo" must be "auto", "always" or "never"');
  const tags = stringList(o['tags'], '"tags"', problems)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  let scope: NodeScope | undefined;
  if (o['scope'] !== undefined) {
    if (!isObj(o['scope'])) problems.push('"scope" must be an object with "pinPrefixes" and/or "namePatterns"');
    else {
      const pinPrefixes = stringList(o['scope']['pinPrefixes'], 'scope.pinPrefixes', problems);
      for (const p of pinPrefixes) {
        const bad = validateRemotePath(p);
        if (bad) problems.push(`scope.pinPrefixes: ${bad}`);
      }
      const namePatterns = stringList(o['scope']['namePatterns'], 'scope.namePatterns', problems);
      scope = { pinPrefixes, namePatterns };
    }
  }
  if (problems.length > 0) return { problems };
  const node: NodeConfig = {
    name,
    host,
    port: port as number,
    identityFiles,
    sudo,
    tags,
    source,
    ...(user !== undefined ? { user } : {}),
    ...(proxyJump !== undefined ? { proxyJump } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
  return { node, problems };
}

/** A list of nodes (the `ebpfLens.nodes` setting, or a config file); bad entries are skipped. */
export function parseNodes(input: unknown, source: NodeSource): Parsed<NodeConfig[]> {
  const list = Array.isArray(input) ? input : undefined;
  if (!list) return { value: [], errors: [{ message: 'nodes must be a JSON array of node objects' }] };
  const value: NodeConfig[] = [];
  const errors: ParseIssue[] = [];
  const seen = new Set<string>();
  list.forEach((o: unknown, i: number) => {
    const { node, problems } = parseNode(o, source);
    const name = isObj(o) && typeof o['name'] === 'string' && o['name'] !== '' ? o['name'] : `#${i + 1}`;
    const label = name.startsWith('#') ? name : JSON.stringify(name);
    if (!node) {
      errors.push({ line: i + 1, node: name, message: `node ${label}: ${problems.join('; ')}` });
      return;
    }
    if (seen.has(node.name)) {
      errors.push({ line: i + 1, message: `node ${label} is defined twice: the first one is used` });
      return;
    }
    seen.add(node.name);
    value.push(node);
  });
  return { value, errors };
}

/**
 * A config file for the CLI: `{"ebpfLens.nodes": [...]}` (a VS Code settings.json works as is),
 * `{"nodes": [...]}` or a bare array; `ebpfLens.knownHostsFiles` may sit beside the nodes.
 */
export function parseConfigFile(text: string): Parsed<{ nodes: NodeConfig[]; knownHostsFiles?: string[] }> {
  let doc: unknown;
  try {
    doc = JSON.parse(stripJsonComments(text));
  } catch (e) {
    return { value: { nodes: [] }, errors: [{ message: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const nodesRaw = Array.isArray(doc) ? doc : isObj(doc) ? (doc['ebpfLens.nodes'] ?? doc['nodes']) : undefined;
  if (nodesRaw === undefined) {
    return { value: { nodes: [] }, errors: [{ message: 'no "ebpfLens.nodes" (or "nodes") list in the file' }] };
  }
  const r = parseNodes(nodesRaw, 'configFile');
  const khRaw = isObj(doc) ? doc['ebpfLens.knownHostsFiles'] : undefined;
  const errors = [...r.errors];
  let knownHostsFiles: string[] | undefined;
  if (khRaw !== undefined) {
    const problems: string[] = [];
    knownHostsFiles = stringList(khRaw, 'ebpfLens.knownHostsFiles', problems);
    errors.push(...problems.map((message) => ({ message })));
  }
  return { value: { nodes: r.value, ...(knownHostsFiles ? { knownHostsFiles } : {}) }, errors };
}

/** settings.json allows // and /* comments and trailing commas. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text.charAt(i);
    const n = text.charAt(i + 1);
    if (inString) {
      out += c;
      if (c === '\\') {
        out += n;
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
    } else if (c === '"') {
      inString = true;
      out += c;
      i++;
    } else if (c === '/' && n === '/') {
      while (i < text.length && text.charAt(i) !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

export interface Hop {
  readonly user?: string;
  readonly host: string;
  readonly port: number;
}

/** `[user@]host[:port]` or `[user@][v6]:port`; a string result is the problem. */
export function parseHop(spec: string): Hop | string {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(spec);
  if (!m) return `proxy jump ${JSON.stringify(spec)} is not [user@]host[:port]`;
  const [, user, hostRaw = '', portRaw] = m;
  const host = hostRaw.startsWith('[') ? hostRaw.slice(1, -1) : hostRaw;
  const hostProblem = validateHost(host);
  if (hostProblem) return hostProblem;
  if (user !== undefined) {
    const up = validateUser(user);
    if (up) return up;
  }
  const port = portRaw === undefined ? 22 : Number(portRaw);
  const pp = validatePort(port);
  if (pp) return pp;
  return { host, port, ...(user !== undefined ? { user } : {}) };
}

/**
 * The chain of hops in front of a node, first hop first. A hop that names a node of the
 * inventory uses that node's settings (and its own jumps); cycles are an error.
 */
export function resolveJumps(node: NodeConfig, inventory: readonly NodeConfig[], seen: string[] = []): (NodeConfig | Hop)[] | string {
  if (!node.proxyJump) return [];
  if (seen.includes(node.name)) return `proxy jump loop: ${[...seen, node.name].join(' → ')}`;
  const chain: (NodeConfig | Hop)[] = [];
  for (const spec of node.proxyJump.split(',').map((s) => s.trim())) {
    const named = inventory.find((n) => n.name === spec);
    if (named) {
      const before = resolveJumps(named, inventory, [...seen, node.name]);
      if (typeof before === 'string') return before;
      chain.push(...before, named);
      continue;
    }
    const hop = parseHop(spec);
    if (typeof hop === 'string') return hop;
    chain.push(hop);
  }
  return chain;
}
