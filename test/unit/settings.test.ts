import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SettingKey } from '../../src/extension/settingsSpec';
import { RECONNECT_SETTINGS, SETTINGS, settingValue } from '../../src/extension/settingsSpec';
import { repoRoot } from './paths';

interface Property {
  readonly type: string | string[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
}

function contributed(): Map<string, Property> {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, Property> } | { properties: Record<string, Property> }[] };
  };
  const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
  return new Map(sections.flatMap((s) => Object.entries(s.properties)).map(([k, v]) => [k.replace(/^ebpfLens\./, ''), v]));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('settings: the table Config reads through, and package.json', () => {
  const pkg = contributed();
  const keys = Object.keys(SETTINGS) as SettingKey[];

  it('the same settings, defaults and bounds as package.json declares', () => {
    assert.deepEqual([...pkg.keys()].sort(), [...keys].sort());
    for (const k of keys) {
      const p = pkg.get(k)!;
      const s = SETTINGS[k] as { default: unknown; min?: number; max?: number; integer?: boolean };
      assert.deepEqual(s.default, p.default, `${k}: default`);
      assert.equal(s.min, p.minimum, `${k}: minimum`);
      assert.equal(s.max, p.maximum, `${k}: maximum`);
      assert.equal(s.integer === true, p.type === 'integer', `${k}: integer`);
    }
  });

  it('values: the default when unset or of the wrong type; numbers clamped into bounds, integers rounded down', () => {
    assert.equal(settingValue('trace.maxDurationSeconds', undefined), 600);
    assert.equal(settingValue('trace.maxDurationSeconds', 'ten'), 600);
    assert.equal(settingValue('trace.maxDurationSeconds', Number.NaN), 600);
    assert.equal(settingValue('trace.maxDurationSeconds', 0), 1);
    assert.equal(settingValue('trace.maxDurationSeconds', 1e9), 86400);
    assert.equal(settingValue('trace.maxDurationSeconds', 12.7), 12);
    assert.equal(settingValue('connection.connectTimeoutSeconds', 0.5), 1);
    assert.equal(settingValue('connection.connectTimeoutSeconds', 2.5), 2.5, 'a non-integer setting keeps its fraction');
    assert.equal(settingValue('snapshots.maxPerNode', 1), 2);
    assert.equal(settingValue('annotations.gutterIcons', 'no'), true);
    assert.equal(settingValue('annotations.gutterIcons', false), false);
    assert.deepEqual(settingValue('annotations.pathMappings', ['x']), {});
    assert.deepEqual(settingValue('annotations.pathMappings', { '/a': '/b' }), { '/a': '/b' });
    assert.deepEqual(settingValue('knownHostsFiles', 'one'), ['~/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts']);
    assert.equal(settingValue('snapshots.location', 7), 'global');
  });

  it('a malformed node list reaches the inventory parser as it is (it says what is wrong)', () => {
    assert.deepEqual(settingValue('nodes', { name: 'x' }), { name: 'x' });
    assert.deepEqual(settingValue('nodes', undefined), []);
  });

  it('the settings that take effect on new connections: known_hosts files and the connection settings', () => {
    assert.deepEqual([...RECONNECT_SETTINGS].sort(), [
      'connection.commandTimeoutSeconds',
      'connection.connectTimeoutSeconds',
      'connection.keepaliveIntervalSeconds',
      'connection.maxConcurrentNodes',
      'knownHostsFiles',
    ]);
  });

  it('Config is the only reader of the settings (no getConfiguration elsewhere in src/)', () => {
    const readers = sourceFiles(path.join(repoRoot, 'src'))
      .filter((f) => /\bgetConfiguration\s*\(/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(repoRoot, f));
    assert.deepEqual(readers, ['src/extension/config.ts']);
  });
});
