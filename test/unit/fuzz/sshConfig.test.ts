/** Fuzz: the ssh config parser, with Include (src/core/inventory/sshConfig). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { NodeConfig } from '../../../src/core/inventory/inventory';
import type { ParseIssue } from '../../../src/core/base/result';
import { inlineIncludes, nodesFromSshConfig } from '../../../src/core/inventory/sshConfig';
import type { Mutated, Seed } from '../../support/mutate';
import { lineCase } from '../../support/mutate';
import { Family, RUN_SEED } from './family';
import { HOME, nodeProblem, virtualFs } from './ssh';

/** a Match exec that would leave this file behind if it ever ran (a fixed path: the seeds, and so every case, are the same on every machine) */
const CANARY = '/tmp/ebpf-lens-fuzz-canary';
interface SshScenario {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
}
const sshScenarios: SshScenario[] = [
  {
    name: 'include',
    files: {
      [`${HOME}/.ssh/config`]: [
        '# ~/.ssh/config',
        'Include conf.d/*.conf',
        'Host edge-*',
        '  User ops',
        '  IdentityFile ~/.ssh/edge_ed25519',
        '  IdentitiesOnly yes',
        'Host bastion',
        '  HostName 203.0.113.10',
        '  Port 2200',
        '  User admin',
        'Host paris-1 paris-2',
        '  HostName %h.edge.example',
        '  ProxyJump bastion',
        `Match host *.lab exec "touch ${CANARY}"`,
        '  User hacked',
        'Host *',
        '  ServerAliveInterval 30',
        '  Port 22',
        '',
      ].join('\n'),
      [`${HOME}/.ssh/conf.d/10-edge.conf`]:
        'Host edge-paris-1\n  HostName 10.1.0.1\n  ProxyJump bastion\nInclude ~/.ssh/conf.d/nested.inc\n',
      [`${HOME}/.ssh/conf.d/20-lab.conf`]: 'Host lab1 lab2\n\tHostName=10.2.0.1\n\tUser "root"\n\tPort=2222\n',
      [`${HOME}/.ssh/conf.d/nested.inc`]:
        'Host edge-paris-2\n  HostName 10.1.0.2\n  IdentityFile ~/.ssh/paris\n  IdentityFile ~/.ssh/fallback\n',
      [`${HOME}/.ssh/conf.d/notes.txt`]: 'Host nope\n',
    },
  },
  {
    name: 'quoting',
    files: {
      [`${HOME}/.ssh/config`]: [
        'Host "edge one" edge-1 # trailing comment',
        '    HostName = 198.51.100.1',
        '    User=deploy',
        '    IdentityFile "~/.ssh/key with space"',
        '    ProxyJump none',
        'Host v6',
        '    HostName fe80::1',
        '    Port 22',
        'Host jump-*',
        '    ProxyJump admin@bastion.example:2200,ops@10.9.9.9',
        'Host jump-1',
        '    HostName 10.3.0.1',
        'Match originalhost jump-*',
        '    Port 2022',
        'Include /etc/ssh/ssh_config.d/*.conf',
        '',
      ].join('\n'),
      '/etc/ssh/ssh_config.d/50-system.conf': 'Host system-node\n  HostName 10.4.0.1\n',
    },
  },
  {
    name: 'loop',
    files: {
      [`${HOME}/.ssh/config`]: 'Include config\nHost a\n  HostName h\n',
    },
  },
];
/** the files the fuzzer mutates: all but the loop (Include tokens make loops of their own) and a file no Include reads */
const sshSeeds: Seed[] = sshScenarios
  .filter((s) => s.name !== 'loop')
  .flatMap((s) => Object.entries(s.files).map(([file, text]) => ({ name: `${s.name}:${file}`, text })))
  .filter((s) => !s.name.endsWith('.txt'));
// no CanonicalizeHostName / CanonicalDomains: ssh-config would run nslookup for them
const sshTokens = [
  'Host',
  'HostName',
  'User',
  'Port',
  'IdentityFile',
  'ProxyJump',
  'Include',
  'Match',
  'host',
  'exec',
  'all',
  'final',
  'originalhost',
  '*',
  '!',
  '!*',
  '"',
  '""',
  '"a b"',
  '=',
  '#',
  '\\',
  'none',
  '%h',
  '%%',
  '~',
  '~/',
  'conf.d/*.conf',
  'config',
  '[z-a]',
  '[!a]*',
  '**',
  '/etc/*',
  '0',
  '65536',
  '-1',
  '22abc',
  '10.0.0.1',
  '[::1]',
  'edge-9',
  'a@b',
  '-oProxyCommand=x',
  'Host\t*',
  'Match all',
  'Include conf.d/*.conf',
  'Include config',
];

function checkSshConfig(fam: Family, c: Mutated, files: Readonly<Record<string, string>>): NodeConfig[] {
  const vfs = virtualFs(files);
  const r = fam.call(c, 'nodesFromSshConfig', () => nodesFromSshConfig({ home: HOME, ...vfs }));
  if (!r) return [];
  fam.check(c, Array.isArray(r.value), 'value is not an array');
  fam.issues(c, r.errors, 'ssh config');
  for (const n of r.value) {
    const problem = nodeProblem(n);
    fam.check(c, problem === undefined, problem ?? '');
  }
  fam.check(c, new Set(r.value.map((n) => n.name)).size === r.value.length, 'a node twice');
  // every node comes from a Host line of the config as Include expands it (checked on every other input)
  if (c.i % 2 === 1) return r.value;
  const errors: ParseIssue[] = [];
  const main = files[`${HOME}/.ssh/config`] ?? '';
  const expanded = fam.call(c, 'inlineIncludes', () => inlineIncludes(main, `${HOME}/.ssh`, HOME, vfs.readFile, vfs.listDir, errors));
  if (expanded !== undefined) {
    const hostLines = expanded
      .split(/\r?\n/)
      .filter((l) => /^\s*host\b/i.test(l))
      .join('\n');
    fam.check(
      c,
      r.value.every((n) => hostLines.includes(n.name)),
      'a node that no Host line names',
    );
  }
  return r.value;
}

describe('fuzz: ssh config parser (with Include)', function () {
  this.timeout(60_000);
  before(() => fs.rmSync(CANARY, { force: true }));
  after(() => fs.rmSync(CANARY, { force: true }));

  it('unmutated configs: the concrete hosts, computed, Include followed, Match exec never run', () => {
    const byName = (files: Readonly<Record<string, string>>, errors: RegExp[] = []): Map<string, NodeConfig> => {
      const r = nodesFromSshConfig({ home: HOME, ...virtualFs(files) });
      assert.equal(r.errors.length, errors.length, JSON.stringify(r.errors));
      errors.forEach((re, k) => assert.match(r.errors[k]?.message ?? '', re));
      return new Map(r.value.map((n) => [n.name, n]));
    };
    const [inc, quoting, loop] = sshScenarios;
    assert.ok(inc && quoting && loop);
    const a = byName(inc.files);
    assert.deepEqual([...a.keys()], ['edge-paris-1', 'edge-paris-2', 'lab1', 'lab2', 'bastion', 'paris-1', 'paris-2']);
    assert.deepEqual(
      [a.get('edge-paris-1')?.host, a.get('edge-paris-1')?.user, a.get('edge-paris-1')?.proxyJump, a.get('edge-paris-1')?.port],
      ['10.1.0.1', 'ops', 'bastion', 22],
    );
    assert.deepEqual(a.get('edge-paris-2')?.identityFiles, [`${HOME}/.ssh/paris`, `${HOME}/.ssh/fallback`, `${HOME}/.ssh/edge_ed25519`]);
    assert.deepEqual([a.get('lab1')?.host, a.get('lab1')?.user, a.get('lab1')?.port], ['10.2.0.1', 'root', 2222]);
    assert.deepEqual([a.get('bastion')?.port, a.get('paris-2')?.host], [2200, 'paris-2.edge.example']);
    // a quoted alias with a space is no node name: named, skipped
    const b = byName(quoting.files, [/host edge one: node name "edge one" is not allowed/]);
    assert.deepEqual([...b.keys()], ['edge-1', 'v6', 'jump-1', 'system-node']);
    assert.deepEqual([b.get('edge-1')?.host, b.get('edge-1')?.user, b.get('edge-1')?.proxyJump], ['198.51.100.1', 'deploy', undefined]);
    assert.deepEqual(
      [b.get('jump-1')?.proxyJump, b.get('jump-1')?.port, b.get('v6')?.port],
      ['admin@bastion.example:2200,ops@10.9.9.9', 2022, 22],
    );
    const l = nodesFromSshConfig({ home: HOME, ...virtualFs(loop.files) });
    assert.ok(l.errors.some((e) => /deeper than 16/.test(e.message)));
    assert.deepEqual(
      l.value.map((n) => n.name),
      ['a'],
    );
    assert.equal(fs.existsSync(CANARY), false);
  });

  it('10,000 mutated configs and included files: no exception, only valid nodes, bounded Include', () => {
    const fam = new Family('ssh config');
    let nodes = 0;
    for (let i = 0; i < 10_000; i++) {
      const c = lineCase(sshSeeds, i, { runSeed: RUN_SEED + 3, tokens: sshTokens });
      const sep = c.seed.indexOf(':');
      const scenario = sshScenarios.find((s) => s.name === c.seed.slice(0, sep));
      const files = { ...scenario?.files, [c.seed.slice(sep + 1)]: c.text };
      nodes += fam.input(c, () => checkSshConfig(fam, c, files)).length;
    }
    fam.done();
    assert.equal(fs.existsSync(CANARY), false, 'Match exec ran');
    assert.ok(nodes > 10_000, `only ${nodes} nodes over the run`);
    assert.ok(fam.truncationsReported > 0, 'no bare truncation reported');
  });
});
