/** Fixtures of the ssh fuzz families: host keys, a home folder and a file system in memory, a node's validity. */
import type { NodeConfig } from '../../../src/core/inventory/inventory';
import { validateHost, validateNodeName, validateUser } from '../../../src/core/remote/quote';

// real public keys (ssh-keygen)
export const ED1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMm/F15uGTSDUv/jMfPdJXC+tvrA5h8caZRfGTmQT04j';
export const ED2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIMdF3NUpH5CZkFrpjpUIR+u4BRD0ElSNK6u1FAqrSXHy';
export const ED3 = 'AAAAC3NzaC1lZDI1NTE5AAAAICcyv3KP8AkSdnkqCc6UI+w74VWYBlnd6lVZkzEs1IRb';
export const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBF6oLXcZ4cdK8Pq5nSqrenTUD2V3aWqfIRNs5zmXLK/lWxSrKyZd4XH1GGHS6BRCusCeHiPM21WR17b0DcvpLto=';
export const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC53EtVQz+b8TeuVdL8ybwYrwT/Jt/v6LqqPBACghJFOhA4WipiZKwqE0NaZFupeY9g/XkNZ8HIcWKoUBO/Xrtw2y53eXY3cJTlgv2Jm15V6po7DDjCSuFA5lrnoxhpNz3XifuPhxx0/IDFJHRgada/tYV2Fd91BbnVTgIGMrz5DQ==';

export const HOME = '/home/ops';

export function virtualFs(files: Readonly<Record<string, string>>): { readFile: (p: string) => string; listDir: (p: string) => string[] } {
  const enoent = (p: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  return {
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw enoent(p);
      return t;
    },
    listDir: (p) => {
      const dir = p.endsWith('/') ? p : `${p}/`;
      const names = new Set(
        Object.keys(files)
          .filter((f) => f.startsWith(dir))
          .map((f) => f.slice(dir.length).split('/')[0] ?? ''),
      );
      if (names.size === 0) throw enoent(p);
      return [...names];
    },
  };
}

export function nodeProblem(n: NodeConfig): string | undefined {
  if (n.source !== 'sshConfig') return `source ${n.source}`;
  if (validateNodeName(n.name) !== undefined) return `node name ${JSON.stringify(n.name)} accepted`;
  if (validateHost(n.host) !== undefined) return `host ${JSON.stringify(n.host)} accepted`;
  if (n.user !== undefined && validateUser(n.user) !== undefined) return `user ${JSON.stringify(n.user)} accepted`;
  if (!Number.isInteger(n.port) || n.port < 1 || n.port > 65535) return `port ${n.port} accepted`;
  if (!Array.isArray(n.identityFiles) || !n.identityFiles.every((f) => typeof f === 'string' && f !== '')) return 'identity files';
  return undefined;
}
