/** Fuzz: node lists from settings.json and config files (src/core/inventory/inventory). */
import * as assert from 'node:assert/strict';
import { parseConfigFile, parseNodes } from '../../../src/core/inventory/inventory';
import type { Seed } from '../../support/mutate';
import { NASTY_KEYS, jsonCase, keysOf } from '../../support/mutate';
import { Family, RUN_SEED, isRecord } from './family';
import { nodeProblem } from './ssh';

describe('fuzz: node list validation (settings.json, config files)', function () {
  this.timeout(60_000);
  const seeds: Seed[] = [
    {
      name: 'settings.json',
      text: JSON.stringify({
        'ebpfLens.nodes': [
          {
            name: 'edge1',
            host: '10.0.0.1',
            user: 'root',
            identityFile: '~/.ssh/k',
            tags: ['paris', 'xdp'],
            scope: { pinPrefixes: ['/sys/fs/bpf/edge'], namePatterns: ['count_*'] },
          },
          { name: 'edge2', host: 'edge2.example', port: 2222, sudo: true, proxyJump: 'edge1' },
          { name: 'v6', host: 'fe80::1', identityFiles: ['/k1', '/k2'], sudo: 'never', proxyJump: 'ops@[2001:db8::1]:2200' },
        ],
        'ebpfLens.knownHostsFiles': ['/etc/ssh/ssh_known_hosts'],
      }),
    },
    {
      name: 'nodes.json',
      text: '[{"name":"lab1","host":"10.2.0.1","port":2201,"tags":"lab"},{"name":"lab2","host":"10.2.0.2","sudo":"always"}]',
    },
  ];

  it('3,000 mutated node lists: no exception, only valid nodes accepted', () => {
    assert.deepEqual(parseConfigFile(seeds[0]?.text ?? '').errors, []);
    assert.deepEqual(
      parseConfigFile(seeds[0]?.text ?? '').value.nodes.map((n) => n.name),
      ['edge1', 'edge2', 'v6'],
    );
    assert.deepEqual(
      parseConfigFile(seeds[1]?.text ?? '').value.nodes.map((n) => [n.name, n.port, n.sudo]),
      [
        ['lab1', 2201, 'auto'],
        ['lab2', 22, 'always'],
      ],
    );
    const fam = new Family('node lists');
    const keys = [...new Set([...seeds.flatMap((s) => keysOf(s.text)), ...NASTY_KEYS, 'identityFiles', 'nodes'])];
    for (let i = 0; i < 3000; i++) {
      const c = jsonCase(seeds, i, { runSeed: RUN_SEED + 4, keys });
      fam.inputs++;
      const r = fam.call(c, 'parseConfigFile', () => parseConfigFile(c.text));
      if (r) {
        fam.issues(c, r.errors, 'config file');
        for (const n of r.value.nodes) {
          const problem = nodeProblem({ ...n, source: 'sshConfig' });
          fam.check(c, problem === undefined && n.source === 'configFile', problem ?? n.source);
        }
      }
      let doc: unknown;
      try {
        doc = JSON.parse(c.text);
      } catch {
        continue;
      }
      const list = isRecord(doc) ? (doc['ebpfLens.nodes'] ?? doc['nodes']) : doc;
      const p = fam.call(c, 'parseNodes', () => parseNodes(list, 'settings'));
      if (p) {
        fam.issues(c, p.errors, 'nodes', Array.isArray(list) ? list.length : Infinity);
        fam.check(
          c,
          p.value.every((n) => nodeProblem({ ...n, source: 'sshConfig' }) === undefined),
          'an invalid node accepted',
        );
        if (Array.isArray(list))
          fam.check(
            c,
            p.value.length + p.errors.length === list.length,
            `${list.length} entries but ${p.value.length} nodes + ${p.errors.length} errors`,
          );
      }
    }
    fam.done();
  });
});
