import * as fs from 'node:fs';
import * as path from 'node:path';
import { PUBLIC_API_KEYS } from '../../../../src/extension/publicApi';
import { lab, onNode } from '../../../lab/labEnv';
import { openBrowser } from '../browser';
import type { CodeServer } from '../codeServer';
import type { Check } from '../steps';
import { Steps } from '../steps';
import { openWorkbench, runFromPalette } from './workbench';
import { waitFor } from '../../../unit/wait';
import { loginBudgetMs } from '../../../../src/core/remote/bounds';
import { DEFAULT_CONNECT_MS, attachedWithin, connectedWithin } from '../../../lab/bounds';

/**
 * Another extension installed beside eBPF Lens (test/e2e/probe, packaged as a .vsix), in
 * production mode: it walks eBPF Lens's exports and calls `ebpfLens.runTrace` with a script and a
 * node. The exports must be the documented allow-list and lead to nothing that runs anything;
 * the trace must not run — nothing reaches the node, not even a login — until a person accepts
 * the modal that names the node and the script. The control: accepted, the same call runs.
 */
interface Walk {
  top: string[];
  keys: { path: string; own: boolean; type: string; ctor: string }[];
  calledKeys: { path: string; type: string; ctor: string }[];
  called: { nodes?: unknown; activeNode?: unknown };
}

/** names that must not be reachable from the exports: connections, sessions, runners */
const FORBIDDEN = /(^|\.)(fleet|session|sessions|client|connection|connections|tracing|nodes\.fleet|run|start|exec|stop|connect|log)$/i;

const CANARY = 'ebpf-lens-probe-canary';
export const PROBE_SCRIPT = `BEGIN { printf("${CANARY}\\n"); }\ninterval:s:1 { exit(); }`;

function probeSteps(node: string) {
  return {
    walked: 'an extension installed beside eBPF Lens reaches only the documented exports (own and prototype keys, 6 levels deep)',
    modal: `its ebpfLens.runTrace({ node: ${node}, script }) shows a modal naming ${node} and the script, and nothing has reached the node`,
    cancelled: 'Cancel: the command returns nothing, and the node saw no login and no bpftrace',
    control: 'the control: the same call, accepted, logs in and runs the script on the node',
  } as const;
}

function logins(node: string): number {
  const log = path.join(lab().labDir, 'nodes', node, 'sshd.log');
  return (fs.readFileSync(log, 'utf8').match(/Accepted /g) ?? []).length;
}

/** a bpftrace running in the node's own mount namespace (the lab's nodes share one process table) */
function bpftraceOn(node: string): boolean {
  return (
    onNode(node, [
      'sh',
      '-c',
      'me=$(readlink /proc/self/ns/mnt); for p in $(pgrep -x bpftrace); do [ "$(readlink /proc/$p/ns/mnt 2>/dev/null)" = "$me" ] && echo $p; done; true',
    ]).trim() !== ''
  );
}

export async function probeChecks(
  server: CodeServer,
  folder: string,
  shots: string,
  work: string,
  o: { node: string; out: string },
): Promise<Check[]> {
  const T = probeSteps(o.node);
  const b = await openBrowser(work);
  const s = new Steps(b.page, shots, Object.values(T));
  const page = b.page;
  const read = <X>(name: string): X | undefined =>
    fs.existsSync(path.join(o.out, name)) ? (JSON.parse(fs.readFileSync(path.join(o.out, name), 'utf8')) as X) : undefined;
  const dialog = page.locator('.monaco-dialog-box', { hasText: `as root on ${o.node}` });
  const before = logins(o.node);
  /** the probe's command, from the palette once the server's extensions are scanned (seconds after the window opens) */
  const runProbe = async (): Promise<void> => {
    await waitFor(
      async () => {
        try {
          await runFromPalette(page, 'eBPF Lens Probe: Walk the Exports');
          return true;
        } catch {
          await page.keyboard.press('Escape');
          return false;
        }
      },
      60_000,
      "the probe extension's command in the palette",
      1000,
    );
    await page.keyboard.press('Enter');
  };
  try {
    await s.step(T.walked, undefined, async () => {
      await openWorkbench(page, server, folder);
      await runProbe();
      const w = (await waitFor(() => read<Walk>('walk.json'), 60_000, 'the probe extension to write what it reached')) as Walk;
      if (JSON.stringify(w.top) !== JSON.stringify([...PUBLIC_API_KEYS]))
        throw new Error(`exports are not the allow-list: ${JSON.stringify(w.top)}`);
      const bad = [...w.keys, ...w.calledKeys].filter(
        (k) => FORBIDDEN.test(k.path) || /Fleet|Session|Connection|Client|TraceRun|Worker/.test(k.ctor),
      );
      if (bad.length) throw new Error(`reachable: ${bad.map((k) => `${k.path} (${k.ctor || k.type})`).join(', ')}`);
      const fns = w.keys.filter((k) => k.type === 'function').map((k) => k.path);
      if (JSON.stringify(fns.sort()) !== JSON.stringify(['exports.activeNode', 'exports.nodes']))
        throw new Error(`functions reachable: ${fns.join(', ')}`);
      if (!Array.isArray(w.called.nodes) || w.called.nodes.length === 0) throw new Error(`nodes() gave ${JSON.stringify(w.called.nodes)}`);
    });
    await s.step(T.modal, '56-probe-consent-modal.png', async () => {
      await dialog.waitFor({ timeout: 30_000 });
      await dialog.getByText(CANARY).first().waitFor({ timeout: 5000 });
      if (logins(o.node) !== before) throw new Error('the node saw a login before the modal was answered');
    });
    await s.step(T.cancelled, undefined, async () => {
      await dialog
        .locator('a.monaco-button, button', { hasText: /^Cancel$/ })
        .first()
        .click();
      const r = (await waitFor(
        () => read<{ ok: boolean; result: unknown }>('command-1.json'),
        30_000,
        'the command to return after Cancel',
      )) as { ok: boolean; result: unknown };
      if (!r.ok || r.result !== null) throw new Error(`the command returned ${JSON.stringify(r)}`);
      if (logins(o.node) !== before) throw new Error(`the node saw ${logins(o.node) - before} login(s)`);
      if (bpftraceOn(o.node)) throw new Error('a bpftrace runs on the node');
    });
    await s.step(T.control, '57-probe-consent-accepted.png', async () => {
      await runProbe();
      await dialog.waitFor({ timeout: 30_000 });
      await dialog.locator('a.monaco-button, button', { hasText: /^Run$/ }).first().click();
      const r = (await waitFor(
        () => read<{ ok: boolean; result: { id?: string } | null }>('command-2.json'),
        connectedWithin(DEFAULT_CONNECT_MS) + loginBudgetMs(DEFAULT_CONNECT_MS),
        'the accepted command to return',
      )) as { ok: boolean; result: { id?: string } | null };
      if (!r.ok || !r.result?.id) throw new Error(`the accepted command returned ${JSON.stringify(r)}`);
      if (logins(o.node) <= before) throw new Error('the node saw no login');
      await waitFor(
        async () => {
          for (const f of page.frames())
            if (
              (await f
                .getByText(CANARY)
                .count()
                .catch(() => 0)) > 0
            )
              return f;
          return undefined;
        },
        attachedWithin(DEFAULT_CONNECT_MS, 10),
        `the results view to show the script's ${CANARY} line`,
      );
    });
  } catch (e) {
    s.outside('the probe steps run without an error between them', e);
  } finally {
    await b.close();
  }
  return s.finish();
}
