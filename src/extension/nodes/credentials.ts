import type * as vscode from 'vscode';
import type { ConnectOptions } from '../../ssh/connection';
import { askSecret } from './prompts';

/**
 * Passwords and key passphrases: asked when needed, kept in VS Code's SecretStorage only when
 * the user asked to remember them, and only once they have worked. Never in settings or logs.
 */
export class Credentials {
  /** secrets the user wants remembered, waiting for their connection to succeed */
  private readonly pending = new Map<string, { key: string; value: string }[]>();

  constructor(private readonly secrets: vscode.SecretStorage) {}

  private static passwordKey(node: string): string {
    return `ebpfLens.password:${node}`;
  }
  private static passphraseKey(file: string): string {
    return `ebpfLens.passphrase:${file}`;
  }

  passwordFor = (node: string): Promise<string | undefined> => Promise.resolve(this.secrets.get(Credentials.passwordKey(node)));

  askPassword: NonNullable<ConnectOptions['askPassword']> = async ({ nodeName, user, host, port, attempt, check, signal }) => {
    const who = `${user}@${host}:${port}`;
    // the box logs in itself: a wrong password is refused in it, and it stays open for another try
    const r = await askSecret(`eBPF Lens: ${nodeName}`, `${attempt > 1 ? 'The saved password was refused. ' : ''}Password for ${who}`, {
      check: async (v) => ((await check(v)) ? undefined : `Wrong password for ${who}: type it again, or Escape to cancel.`),
      signal,
    });
    if (!r) return undefined;
    if (r.remember) this.queue(nodeName, Credentials.passwordKey(nodeName), r.value);
    return r.value;
  };

  askPassphrase: NonNullable<ConnectOptions['askPassphrase']> = async ({ nodeName, file, attempt, check, signal }) => {
    if (attempt === 1) {
      const saved = await this.secrets.get(Credentials.passphraseKey(file));
      if (saved !== undefined) return saved;
    }
    // a wrong passphrase is refused in the box itself, which stays open for another try
    const r = await askSecret(
      `eBPF Lens: ${nodeName}`,
      `${attempt > 1 ? 'The saved passphrase did not open the key. ' : ''}Passphrase for ${file}`,
      {
        check: (v) => (check(v) ? undefined : `Wrong passphrase for ${file}: type it again, or Escape to cancel.`),
        signal,
      },
    );
    if (!r) return undefined;
    if (r.remember) this.queue(nodeName, Credentials.passphraseKey(file), r.value);
    return r.value;
  };

  private queue(node: string, key: string, value: string): void {
    this.pending.set(node, [...(this.pending.get(node) ?? []).filter((p) => p.key !== key), { key, value }]);
  }

  /** The node connected: keep what the user asked to remember. */
  async connected(node: string): Promise<void> {
    const list = this.pending.get(node);
    this.pending.delete(node);
    for (const p of list ?? []) await this.secrets.store(p.key, p.value);
  }

  /** The node failed to connect: drop what was waiting. */
  failed(node: string): void {
    this.pending.delete(node);
  }

  async forget(node: string, identityFiles: readonly string[]): Promise<void> {
    await this.secrets.delete(Credentials.passwordKey(node));
    for (const f of identityFiles) await this.secrets.delete(Credentials.passphraseKey(f));
  }
}
