import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigFile, parseHop, parseNodes, resolveJumps, stripJsonComments } from '../../src/core/inventory/inventory';
import { nodesFromSshConfig } from '../../src/core/inventory/sshConfig';
import { HOSTILE } from '../support/hostile';

describe('inventory: nodes from settings / config files', () => {
  it('reads a full node and fills defaults', () => {
    const r = parseNodes(
      [
        {
          name: 'edge1',
          host: '10.0.0.1',
          user: 'root',
          identityFile: '~/.ssh/k',
          tags: ['paris', ' '],
          scope: { pinPrefixes: ['/sys/fs/bpf/edge'] },
        },
        { name: 'edge2', host: 'edge2.example', port: 2222, sudo: true, proxyJump: 'edge1' },
      ],
      'settings',
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.value[0], {
      name: 'edge1',
      host: '10.0.0.1',
      port: 22,
      user: 'root',
      identityFiles: ['~/.ssh/k'],
      sudo: 'auto',
      tags: ['paris'],
      scope: { pinPrefixes: ['/sys/fs/bpf/edge'], namePatterns: [] },
      source: 'settings',
    });
    assert.equal(r.value[1]?.sudo, 'always');
    assert.equal(r.value[1]?.port, 2222);
  });

  it('a bad node is reported by name and skipped; the others are used', () => {
    const r = parseNodes(
      [
        { name: 'ok', host: 'h' },
        { name: 'bad name', host: 'h' },
        { name: 'x', host: '-oProxyCommand=evil' },
        { name: 'ok', host: 'h2' },
        'str',
      ],
      'settings',
    );
    assert.deepEqual(
      r.value.map((n) => n.name),
      ['ok'],
    );
    assert.equal(r.errors.length, 4);
    assert.match(r.errors[0]?.message ?? '', /"bad name"/);
    assert.match(r.errors[2]?.message ?? '', /defined twice/);
  });

  it('hostile strings as node names, hosts, users or prefixes are rejected, never accepted', () => {
    for (const s of HOSTILE) {
      if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) continue;
      for (const field of ['name', 'host', 'user'] as const) {
        const node: Record<string, unknown> = { name: 'n', host: 'h', [field]: s };
        const r = parseNodes([node], 'settings');
        assert.equal(r.value.length, 0, `${field}=${JSON.stringify(s).slice(0, 40)} was accepted`);
      }
    }
  });

  it('proxy jumps: hop syntax, chains through named nodes, loops', () => {
    assert.deepEqual(parseHop('admin@bastion:2200'), { user: 'admin', host: 'bastion', port: 2200 });
    assert.deepEqual(parseHop('[fe80::1]:22'), { host: 'fe80::1', port: 22 });
    assert.equal(typeof parseHop('a b'), 'string');
    const inv = parseNodes(
      [
        { name: 'j1', host: 'j1' },
        { name: 'j2', host: 'j2', proxyJump: 'j1' },
        { name: 't', host: 't', proxyJump: 'j2,ops@10.1.1.1:2222' },
        { name: 'l1', host: 'l1', proxyJump: 'l2' },
        { name: 'l2', host: 'l2', proxyJump: 'l1' },
      ],
      'settings',
    ).value;
    const t = inv.find((n) => n.name === 't');
    assert.ok(t);
    const chain = resolveJumps(t, inv);
    assert.ok(Array.isArray(chain));
    assert.deepEqual(
      chain.map((h) => ('name' in h ? h.name : `${h.user}@${h.host}:${h.port}`)),
      ['j1', 'j2', 'ops@10.1.1.1:2222'],
    );
    const l1 = inv.find((n) => n.name === 'l1');
    assert.ok(l1);
    assert.match(String(resolveJumps(l1, inv)), /loop/);
  });

  it('config files: settings.json with comments, {nodes}, bare arrays, known hosts files', () => {
    const text = `{
      // eBPF Lens nodes
      "ebpfLens.nodes": [ { "name": "a", "host": "h", /* inline */ "tags": ["x",], }, ],
      "ebpfLens.knownHostsFiles": ["/etc/kh"],
      "url": "http://not-a-comment//really"
    }`;
    const r = parseConfigFile(text);
    assert.deepEqual(r.errors, []);
    assert.equal(r.value.nodes[0]?.name, 'a');
    assert.deepEqual(r.value.knownHostsFiles, ['/etc/kh']);
    assert.equal(parseConfigFile('[{"name":"b","host":"h"}]').value.nodes[0]?.name, 'b');
    assert.match(parseConfigFile('{').errors[0]?.message ?? '', /not valid JSON/);
    assert.match(parseConfigFile('{"x": 1}').errors[0]?.message ?? '', /no "ebpfLens.nodes"/);
    assert.equal(JSON.parse(stripJsonComments('{"a": "//x", "b": "/*y*/"}')).b, '/*y*/');
  });
});

describe('inventory: ~/.ssh/config', () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-lens-sshcfg-'));
    fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('follows Include (relative, glob, nested), computes each concrete Host, never runs Match exec', () => {
    const canary = path.join(home, 'match-exec-ran');
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      [
        'Include conf.d/*.conf',
        'Host edge-*',
        '  User ops',
        '  IdentityFile ~/.ssh/edge_key',
        `Match exec "touch ${canary}"`,
        '  User hacked',
        'Host *',
        '  Port 2222',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(home, '.ssh', 'conf.d', '10-paris.conf'),
      'Host edge-paris-1 paris1\n  HostName 10.1.0.1\n  ProxyJump bastion\nInclude ~/.ssh/conf.d/nested.inc\n',
    );
    fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'nested.inc'), 'Host bastion\n  HostName 10.1.0.254\n  Port 22\n');
    fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host nope\n');
    const r = nodesFromSshConfig({ home });
    assert.deepEqual(r.errors, []);
    const byName = new Map(r.value.map((n) => [n.name, n]));
    assert.deepEqual([...byName.keys()].sort(), ['bastion', 'edge-paris-1', 'paris1']);
    const e = byName.get('edge-paris-1');
    assert.equal(e?.host, '10.1.0.1');
    assert.equal(e?.user, 'ops');
    assert.equal(e?.port, 2222);
    assert.equal(e?.proxyJump, 'bastion');
    assert.deepEqual(e?.identityFiles, [path.join(home, '.ssh', 'edge_key')]);
    assert.equal(byName.get('bastion')?.port, 22);
    assert.equal(fs.existsSync(canary), false, 'Match exec must never run');
  });

  it('a missing config is an empty inventory; an Include loop stops at depth 16 with an error', () => {
    assert.deepEqual(nodesFromSshConfig({ home }).value, []);
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Include config\nHost a\n  HostName h\n');
    const r = nodesFromSshConfig({ home });
    assert.ok(r.errors.some((e) => /deeper than 16/.test(e.message)));
    assert.equal(r.value[0]?.name, 'a');
  });
});
