import * as vscode from 'vscode';

/** Typed access to the `ebpfLens.*` settings. */
export class Config {
  static readonly section = 'ebpfLens';

  private get c(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(Config.section);
  }

  get nodesRaw(): unknown {
    return this.c.get<unknown>('nodes', []);
  }
  get knownHostsFiles(): string[] {
    return this.c.get<string[]>('knownHostsFiles', ['~/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts']);
  }
  get importSshConfig(): boolean {
    return this.c.get<boolean>('sshConfig.import', false);
  }
  get sshConfigFile(): string {
    return this.c.get<string>('sshConfig.file', '~/.ssh/config');
  }
  get groupByTag(): boolean {
    return this.c.get<boolean>('tree.groupByTag', false);
  }
  get connectTimeoutMs(): number {
    return Math.max(1, this.c.get<number>('connection.connectTimeoutSeconds', 15)) * 1000;
  }
  get commandTimeoutMs(): number {
    return Math.max(1, this.c.get<number>('connection.commandTimeoutSeconds', 30)) * 1000;
  }
  get keepaliveIntervalMs(): number {
    return Math.max(1, this.c.get<number>('connection.keepaliveIntervalSeconds', 10)) * 1000;
  }
  get maxConcurrentNodes(): number {
    return Math.max(1, this.c.get<number>('connection.maxConcurrentNodes', 16));
  }
  get statsIntervalMs(): number {
    return Math.max(1, this.c.get<number>('stats.refreshIntervalSeconds', 2)) * 1000;
  }
  get statsConfirm(): boolean {
    return this.c.get<boolean>('stats.confirm', true);
  }

  /** Settings whose change means: read the inventory again. */
  static affectsInventory(e: vscode.ConfigurationChangeEvent): boolean {
    return ['nodes', 'sshConfig.import', 'sshConfig.file'].some((k) => e.affectsConfiguration(`${Config.section}.${k}`));
  }

  /** Settings that only take effect for new connections. */
  static affectsConnections(e: vscode.ConfigurationChangeEvent): boolean {
    return ['knownHostsFiles', 'connection'].some((k) => e.affectsConfiguration(`${Config.section}.${k}`));
  }

  async update(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
    await this.c.update(key, value, target);
  }
}
