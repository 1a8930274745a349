/** What the fuzzer found, kept as regressions. */
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { findFunctions } from '../../../src/core/annotate/functions';
import { parseLinkShow, parseMapShow, parseProgShow } from '../../../src/core/bpftool/parse';
import { globMatch } from '../../../src/core/base/glob';
import { parseNodes } from '../../../src/core/inventory/inventory';
import type { NodeConfig } from '../../../src/core/inventory/inventory';
import { entryMatches } from '../../../src/core/inventory/knownHosts';
import type { KnownHostEntry } from '../../../src/core/inventory/knownHosts';
import type { Parsed } from '../../../src/core/base/result';
import { nodesFromSshConfig } from '../../../src/core/inventory/sshConfig';
import { caseRng } from '../../support/mutate';
import { RUN_SEED } from './family';
import { ED1, HOME, virtualFs } from './ssh';

describe('fuzz findings (regressions)', () => {
  it('bpftool: a field JSON cannot turn into text ({"toString": 1}, [[[…]]] 20,000 deep) is named, not thrown', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const progs = parseProgShow(`[{"id": 7, "type": {"toString": 1}}, {"id": 8, "type": ${deep}}, {"id": 9, "type": "xdp"}]`);
    assert.deepEqual(progs.errors, []);
    assert.deepEqual(
      progs.value.map((p) => p.type),
      ['type [object Object]', 'type [object Array]', 'xdp'],
    );
    assert.equal(parseProgShow('[{"id": 1, "type": 5}]').value[0]?.type, 'type 5', 'what String() could print stays as it was');
    assert.equal(parseMapShow('[{"id": 2, "type": {"valueOf": null, "toString": "x"}}]').value[0]?.type, 'type [object Object]');
    const links = parseLinkShow(
      '[{"id": 1, "type": {"toString": 1}, "pf": {"toString": 1}, "hook": [{"toString": 1}]}, {"id": 2, "type": "perf_event", "event_type": "cpu-clock", "event_config": {"toString": 1}}]',
    );
    assert.deepEqual(
      links.value.map((l) => l.target),
      ['netfilter [object Object] [object Array] prio ?', 'cpu-clock [object Object]'],
    );
    assert.deepEqual(
      parseLinkShow('[{"id": 3, "type": "netfilter", "pf": "ipv4", "hook": "prerouting", "prio": -128}]').value[0]?.target,
      'netfilter ipv4 prerouting prio -128',
    );
  });

  it('glob: a bracket range out of order matches nothing instead of throwing (Include conf.d/[z-a]*)', () => {
    assert.equal(globMatch('[z-a]', 'b'), false);
    assert.equal(globMatch('x[z-a]*', 'xa'), false);
    assert.equal(globMatch('[a-z]*', 'bpf'), true);
    assert.equal(globMatch('[!a-c]', 'd'), true);
    const r = nodesFromSshConfig({
      home: HOME,
      ...virtualFs({
        [`${HOME}/.ssh/config`]: 'Include conf.d/[z-a]*\nHost a\n  HostName h\n',
        [`${HOME}/.ssh/conf.d/b.conf`]: 'Host b\n',
      }),
    });
    assert.deepEqual([r.value.map((n) => n.name), r.errors], [['a'], []]);
  });

  it('ssh config: what ssh-config throws on (an unclosed quote, Match without a value) is a reported error', () => {
    for (const [text, why] of [
      ['Host "edge one\n  HostName h\n', /not a valid ssh config: Unexpected line break/],
      ['Host a\n  HostName "h\n', /not a valid ssh config: Unexpected line break/],
      ['Match user\n  Port 2\nHost a\n', /not a valid ssh config: Missing value for match criteria user/],
      ['Host ""\n', /not a valid ssh config/],
    ] as const) {
      const r = nodesFromSshConfig({ home: HOME, ...virtualFs({ [`${HOME}/.ssh/config`]: text }) });
      assert.deepEqual(r.value, [], text);
      assert.equal(r.errors.length, 1, text);
      assert.match(r.errors[0]?.message ?? '', why);
      assert.match(r.errors[0]?.message ?? '', /^\/home\/ops\/\.ssh\/config: /);
    }
  });

  it('ssh config: a directive without a value does not take the next line as its value', () => {
    const nodes = (text: string): Parsed<NodeConfig[]> =>
      nodesFromSshConfig({ home: HOME, ...virtualFs({ [`${HOME}/.ssh/config`]: text }) });
    // ssh: `Host` alone is a block for no host; before, its next line made hosts "HostName" and "10.4.0.1"
    const host = nodes('Host a\n  HostName 10.0.0.1\nHost \n  HostName 10.4.0.1\n  Port 2\n');
    assert.deepEqual([host.value.map((n) => [n.name, n.host, n.port]), host.errors], [[['a', '10.0.0.1', 22]], []]);
    assert.deepEqual(
      nodes('Host=\r  HostName x\rHost b\n').value.map((n) => n.name),
      ['b'],
    );
    // ssh refuses any other directive without a value; before, `User` took "Port 2222" as the user name
    for (const text of [
      'Host a\n  User\n  Port 2222\n',
      'Host a\n  IdentityFile \n  Port 2\n',
      'Host a\n  ProxyJump =\n  User x\n',
      'Host a\n =\n  User x\n',
    ]) {
      const r = nodes(text);
      assert.deepEqual(r.value, [], text);
      assert.match(r.errors[0]?.message ?? '', /not a valid ssh config: (User|IdentityFile|ProxyJump|=) without a value/, text);
    }
    assert.equal(nodes('Host a\n  User ops # the deploy user\n').value[0]?.user, 'ops', 'a value is still a value');
  });

  it('ssh config: an Include that multiplies (a file including itself three times) stops after 1,024 files, at once', () => {
    const t0 = performance.now();
    const r = nodesFromSshConfig({
      home: HOME,
      ...virtualFs({ [`${HOME}/.ssh/config`]: 'Include config\nInclude config\nInclude config\nHost a\n  HostName h\n' }),
    });
    assert.ok(performance.now() - t0 < 2000, `took ${(performance.now() - t0).toFixed(0)} ms (3^16 files before)`);
    assert.deepEqual(
      r.value.map((n) => n.name),
      ['a'],
    );
    assert.equal(r.errors.filter((e) => /more than 1024 files included/.test(e.message)).length, 1);
    // a long but finite chain is read to its end
    const chain: Record<string, string> = { [`${HOME}/.ssh/config`]: 'Include c1\n' };
    for (let k = 1; k <= 15; k++) chain[`${HOME}/.ssh/c${k}`] = `${k < 15 ? `Include c${k + 1}\n` : ''}Host n${k}\n`;
    assert.deepEqual(nodesFromSshConfig({ home: HOME, ...virtualFs(chain) }).value.length, 15);
  });

  it('known_hosts: wildcard patterns match in linear time, exactly as the RegExp did', () => {
    const entry = (p: string): KnownHostEntry => ({ patterns: [p], keyType: 'ssh-ed25519', key: Buffer.from(ED1, 'base64'), line: 1 });
    const t0 = performance.now();
    assert.equal(entryMatches(entry(`${'*'.repeat(30)}x`), '[10.0.0.1]:2222'), false);
    assert.equal(entryMatches(entry(`${'*a'.repeat(12)}b`), 'a'.repeat(60)), false);
    assert.equal(entryMatches(entry(`${'*a'.repeat(12)}*`), 'a'.repeat(60)), true);
    assert.ok(performance.now() - t0 < 100, `took ${(performance.now() - t0).toFixed(0)} ms (minutes as a RegExp)`);
    // the RegExp it replaces, as the reference, on random patterns with few enough stars to run
    const regexp = (pattern: string, s: string): boolean =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ).test(s);
    const alphabet = [
      'a',
      'A',
      'b',
      'B',
      '.',
      '-',
      ':',
      '[',
      ']',
      '*',
      '*',
      '?',
      'ß',
      'ẞ',
      'ı',
      'I',
      'i',
      'İ',
      'k',
      'K',
      '\u212a',
      'é',
      'É',
      'ſ',
      's',
      'S',
      '\n',
      '\r',
      '\u2028',
      '\ud800',
      '\u00b5',
      '\u039c',
      '\u03bc',
    ];
    const rng = caseRng(RUN_SEED, 0);
    const word = (n: number): string => Array.from({ length: rng.int(n) }, () => rng.pick(alphabet)).join('');
    for (let k = 0; k < 10_000; k++) {
      const p = word(8).replace(/^!+/, '');
      const s = rng.chance(0.3) ? p.replace(/[*?]/g, () => word(3)) : word(8);
      assert.equal(entryMatches(entry(p), s), regexp(p, s), `pattern ${JSON.stringify(p)} name ${JSON.stringify(s)}`);
    }
  });

  it('Go sources: a function whose body is not closed yet (a file being typed) ends at the end of the text, instead of looping until out of memory', () => {
    const text = 'package main\n\nfunc hot(x int) int { return x*3 + 1 }\n\nfunc (s *Server) Serve() error {\n\tf()\n';
    const f = findFunctions(text, 'go');
    assert.deepEqual(
      f.map((x) => [x.qualified, x.end]),
      [
        ['hot', text.indexOf('}') + 1],
        ['(*Server).Serve', text.trimEnd().length],
      ],
    );
    for (const lang of ['c', 'cpp', 'rust'] as const)
      assert.equal(
        findFunctions('int f(void) {\n fn g() {\n', lang).every((x) => x.end <= 26),
        true,
      );
  });

  it('node lists: a port nested too deep to print is a problem, not a RangeError', () => {
    const deep = JSON.parse(`${'['.repeat(20_000)}1${']'.repeat(20_000)}`) as unknown;
    const r = parseNodes(
      [
        { name: 'a', host: 'h', port: deep },
        { name: 'b', host: 'h', port: 22 },
      ],
      'settings',
    );
    assert.deepEqual(
      r.value.map((n) => n.name),
      ['b'],
    );
    assert.match(r.errors[0]?.message ?? '', /port \[…\] must be an integer/);
    assert.match(parseNodes([{ name: 'a', host: 'h', port: '22' }], 'settings').errors[0]?.message ?? '', /port "22" must be an integer/);
  });
});
