import * as vscode from 'vscode';
import type { SettingKey, SettingValue } from './settingsSpec';
import { RECONNECT_SETTINGS, settingValue } from './settingsSpec';

/**
 * Typed access to the `ebpfLens.*` settings: the only reader of them. Defaults and bounds come
 * from settingsSpec.ts (the same as package.json's), read fresh at each access.
 */
export class Config {
  static readonly section = 'ebpfLens';

  /** A setting's value, its default when unset or of the wrong type, numbers within bounds. */
  get<K extends SettingKey>(key: K): SettingValue<K> {
    return settingValue(key, vscode.workspace.getConfiguration(Config.section).get<unknown>(key));
  }

  get nodesRaw(): unknown {
    return this.get('nodes');
  }
  get knownHostsFiles(): string[] {
    return [...this.get('knownHostsFiles')];
  }
  get importSshConfig(): boolean {
    return this.get('sshConfig.import');
  }
  get sshConfigFile(): string {
    return this.get('sshConfig.file');
  }
  get groupByTag(): boolean {
    return this.get('tree.groupByTag');
  }
  get connectTimeoutMs(): number {
    return this.get('connection.connectTimeoutSeconds') * 1000;
  }
  get commandTimeoutMs(): number {
    return this.get('connection.commandTimeoutSeconds') * 1000;
  }
  get keepaliveIntervalMs(): number {
    return this.get('connection.keepaliveIntervalSeconds') * 1000;
  }
  get maxConcurrentNodes(): number {
    return this.get('connection.maxConcurrentNodes');
  }
  get statsIntervalMs(): number {
    return this.get('stats.refreshIntervalSeconds') * 1000;
  }
  get statsConfirm(): boolean {
    return this.get('stats.confirm');
  }

  /** Settings whose change means: read the inventory again. */
  static affectsInventory(e: vscode.ConfigurationChangeEvent): boolean {
    return (['nodes', 'sshConfig.import', 'sshConfig.file'] as const).some((k) => e.affectsConfiguration(`${Config.section}.${k}`));
  }

  /** Settings that only take effect for new connections. */
  static affectsConnections(e: vscode.ConfigurationChangeEvent): boolean {
    return RECONNECT_SETTINGS.some((k) => e.affectsConfiguration(`${Config.section}.${k}`));
  }

  async update(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
    await vscode.workspace.getConfiguration(Config.section).update(key, value, target);
  }
}
