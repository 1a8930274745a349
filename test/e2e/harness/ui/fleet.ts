/** UI scenario: a workbench with lab nodes (tree, palette, error row, host-key prompt, deployments, bpftrace, tracing, annotations). */
import { openBrowser } from '../browser';
import type { CodeServer } from '../codeServer';
import type { Check } from '../steps';
import { Steps } from '../steps';
import { openEbpfView, openWorkbench, quickOpen, row, runFromPalette, waitForValue } from './workbench';

/** The steps of `fleetChecks`, by name: each runs once, and one that never runs fails. */
function fleetSteps(o: { good: string; lost: string; unknownKey: string; newest: string }) {
  return {
    nodes: 'the Nodes view lists the configured nodes',
    programs: `expanding ${o.good} connects and shows its programs by type`,
    programHover: 'a program’s hover shows its fields',
    palette: 'the command palette finds eBPF commands (F1)',
    refresh: 'running "eBPF: Refresh All Nodes" from the palette keeps the tree',
    errorRow: `an unreachable node (${o.lost}) shows an error row, not a stack trace`,
    hostKeyPrompt: `a node with an unknown host key (${o.unknownKey}) asks in a modal with its fingerprint`,
    trustOnce: 'Trust Once connects it',
    deployments: `a new deployment on ${o.good} appears under Deployments after a refresh`,
    deploymentDiff: 'clicking the latest deployment opens the diff editor: the changed program, instruction by instruction',
    btHighlight: 'a .bt file opens highlighted as bpftrace (probes, maps, variables, builtins, strings, comments)',
    btHover: 'hovering hist shows its signature and docs from the language server',
    btCompletion: `typing tracepoint:sched:sw completes events from ${o.good}'s kernel (bpftrace -l)`,
    traceRunning: `the CodeLens "▶ Run script on ${o.good}" starts a trace; the results view streams maps, a histogram and printf lines`,
    traceStopped: 'Stop ends it: END runs, the final maps stay, the state says done',
    annotate: `"eBPF: Annotate Call Frequency" on edgeapp.c asks for the binary on ${o.good}, counts for a window, and heats the lines with rates at their ends`,
    annotationHover: 'hovering hot() shows its calls, rate, share, node, window and actions',
    checkNewest: `with ${o.newest} active (bpftrace 0.27), the "Check on Node" CodeLens compiles without loading and puts the bad probe’s error on its line`,
  } as const;
}

/** A workbench with lab nodes: tree, palette, error row, host-key prompt. */
export async function fleetChecks(
  server: CodeServer,
  folder: string,
  shots: string,
  work: string,
  o: {
    good: string;
    programs: string[];
    lost: string;
    unknownKey: string;
    newest: string;
    fingerprint: string;
    redeploy: () => void;
    appBinary: string;
  },
): Promise<Check[]> {
  const T = fleetSteps(o);
  const b = await openBrowser(work);
  const page = b.page;
  const s = new Steps(page, shots, Object.values(T));
  try {
    await s.step(T.nodes, undefined, async () => {
      await openWorkbench(page, server, folder);
      await openEbpfView(page);
      for (const n of [o.good, o.lost, o.unknownKey]) await row(page, new RegExp(`^${n}\\b`)).waitFor({ timeout: 30_000 });
    });
    await s.step(T.programs, '04-tree-programs.png', async () => {
      await row(page, new RegExp(`^${o.good}\\b`)).click();
      await page.mouse.move(900, 700); // no hover over the tree in the picture
      await row(page, /^Programs\b/).waitFor({ timeout: 30_000 });
      for (const p of o.programs) await row(page, new RegExp(`^${p}\\b`)).waitFor({ timeout: 30_000 });
      await row(page, new RegExp(`^${o.good}\\b.*bpftool 7\\.1\\.0`)).waitFor({ timeout: 10_000 });
    });
    await s.step(T.programHover, '05-program-tooltip.png', async () => {
      // a hover shows after a delay and only for a mouse that rests: move away and back if it did not come
      const tip = page.locator('.monaco-hover, .workbench-hover', { hasText: 'tag' }).first();
      for (let i = 0; ; i++) {
        await page.mouse.move(900, 700);
        await row(page, new RegExp(`^${o.programs[0] ?? ''}\\b`)).hover();
        try {
          await tip.waitFor({ timeout: 5000 });
          break;
        } catch (e) {
          if (i === 2) throw e;
        }
      }
    });
    await s.step(T.palette, '06-palette.png', async () => {
      await runFromPalette(page, 'eBPF: Refresh All Nodes');
    });
    await s.step(T.refresh, undefined, async () => {
      await page.keyboard.press('Enter');
      await row(page, new RegExp(`^${o.programs[0] ?? ''}\\b`)).waitFor({ timeout: 30_000 });
    });
    await s.step(T.errorRow, '07-error-row.png', async () => {
      await row(page, new RegExp(`^${o.lost}\\b`)).click();
      await page.mouse.move(900, 700);
      await row(page, new RegExp(`^${o.lost}\\b.*unreachable`)).waitFor({ timeout: 30_000 });
      await row(page, /cannot reach .*ECONNREFUSED/).waitFor({ timeout: 10_000 });
    });
    await s.step(T.hostKeyPrompt, '08-host-key-prompt.png', async () => {
      await row(page, new RegExp(`^${o.unknownKey}\\b`)).click();
      await page.mouse.move(900, 700);
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'is not known' });
      await dialog.waitFor({ timeout: 30_000 });
      await dialog.locator(`text=${o.fingerprint}`).waitFor({ timeout: 5000 });
    });
    await s.step(T.trustOnce, '09-trusted-once.png', async () => {
      await page.locator('.monaco-dialog-box a.monaco-button, .monaco-dialog-box button', { hasText: 'Trust Once' }).first().click();
      await row(page, new RegExp(`^${o.unknownKey}\\b.*bpftool 7\\.5\\.0`)).waitFor({ timeout: 30_000 });
    });
    await s.step(T.deployments, '10-deployments.png', async () => {
      await row(page, new RegExp(`^${o.unknownKey}\\b`)).click(); // fold it away
      o.redeploy();
      await runFromPalette(page, 'eBPF: Refresh All Nodes');
      await page.keyboard.press('Enter');
      const dep = row(page, /^Deployments\b.* 2$/);
      await dep.waitFor({ timeout: 30_000 });
      // a click that lands while the tree re-renders the row (the refresh's second update) selects
      // it without expanding it (CI, once): click again until it is expanded
      await waitForValue(
        async () => {
          if ((await dep.getAttribute('aria-expanded')) !== 'true') await dep.click();
          return (await row(page, /· latest/).isVisible()) ? true : (await page.waitForTimeout(500), undefined);
        },
        15_000,
        'the Deployments folder expanded, with the latest deployment',
      );
      await page.mouse.move(900, 700);
    });
    await s.step(T.deploymentDiff, '11-deployment-diff.png', async () => {
      await row(page, /· latest/).click();
      await page.locator('.tabs-container .tab', { hasText: '↔' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.monaco-diff-editor, .multiDiffEditor', {}).first().waitFor({ timeout: 30_000 });
      await page.getByText('count_writes.xlated').first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500);
    });
    await s.step(T.btHighlight, '12-bpftrace-editor.png', async () => {
      await quickOpen(page, 'sleeplat.bt');
      await page.locator('.tabs-container .tab', { hasText: 'sleeplat.bt' }).first().waitFor({ timeout: 10_000 });
      await page.locator('.statusbar', { hasText: 'bpftrace' }).first().waitFor({ timeout: 10_000 });
      // highlighted: many token colours in the view, not one
      const classes = await waitForValue(
        async () => {
          const n = await page
            .locator('.editor-instance .view-lines span[class^="mtk"]')
            .evaluateAll((els) => new Set(els.map((e) => e.className)).size);
          return n >= 6 ? n : undefined;
        },
        15_000,
        'token colours in the editor',
      );
      if (classes < 6) throw new Error(`only ${classes} token colours`);
      await page.mouse.move(1200, 750);
    });
    await s.step(T.btHover, '13-bpftrace-hover.png', async () => {
      await page
        .locator('.editor-instance .view-lines span', { hasText: /^hist$/ })
        .first()
        .hover();
      await page.locator('.monaco-hover', { hasText: 'Power-of-2 histogram' }).first().waitFor({ timeout: 20_000 });
    });
    await s.step(T.btCompletion, '14-bpftrace-completion.png', async () => {
      await page.locator('.editor-instance .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('\ntracepoint:sched:sw', { delay: 30 });
      await page.locator('.suggest-widget .monaco-list-row', { hasText: 'sched_switch' }).first().waitFor({ timeout: 20_000 });
    });
    await s.step(T.traceRunning, '15-results-running.png', async () => {
      await page.keyboard.press('Escape');
      await quickOpen(page, 'activity.bt');
      const lens = page.locator('.codelens-decoration a', { hasText: `Run script on ${o.good}` }).first();
      await lens.waitFor({ timeout: 20_000 });
      await lens.click();
      const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await view.locator('section.map[data-map="@read_bytes"] .bar').first().waitFor({ timeout: 30_000 });
      await view.locator('section.map[data-map="@syscalls"] table.kv tbody tr').first().waitFor({ timeout: 10_000 });
      await view.locator('#lines-window .line', { hasText: 'heartbeat' }).first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(1200);
    });
    await s.step(T.traceStopped, '16-results-final.png', async () => {
      const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await view.locator('button#stop').click();
      await view.locator('[data-testid=state]', { hasText: /^done$/ }).waitFor({ timeout: 30_000 });
      await view.locator('section.map[data-map="@read_bytes"] .bar').first().waitFor({ timeout: 10_000 });
    });
    await s.step(T.annotate, '17-annotations.png', async () => {
      // the source alone, with the room the results view had
      await runFromPalette(page, 'View: Close All Editor Groups');
      await page.keyboard.press('Enter');
      await quickOpen(page, 'edgeapp.c');
      await page.locator('.tabs-container .tab.active', { hasText: 'edgeapp.c' }).first().waitFor({ timeout: 10_000 });
      await runFromPalette(page, 'eBPF: Annotate Call Frequency');
      await page.keyboard.press('Enter');
      const picker = page.locator('.quick-input-widget', { hasText: 'The binary edgeapp.c is built into' });
      await picker.waitFor({ timeout: 30_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: o.appBinary }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.type('edgeapp');
      await page.keyboard.press('Enter');
      // the end-of-line texts are CSS content: wait for one with a rate and a share
      await waitForValue(
        // (a page-side expression: the harness has no DOM types)
        async () =>
          (await page.evaluate<boolean>(
            String.raw`[...document.styleSheets].some((sh) => [...sh.cssRules].some((r) => /content: "[\d.]+k?\/s · \d+%"/.test(r.cssText)))`,
          ))
            ? true
            : undefined,
        60_000,
        'rates at the ends of the annotated lines',
      );
      await page.mouse.move(1200, 780);
      await page.waitForTimeout(800);
    });
    await s.step(T.annotationHover, '18-annotation-hover.png', async () => {
      const name = page.locator('.editor-instance .view-lines span', { hasText: /^hot$/ }).first();
      const tip = page.locator('.monaco-hover', { hasText: 'function on' }).first();
      for (let i = 0; ; i++) {
        await page.mouse.move(900, 700);
        await name.hover();
        try {
          await tip.waitFor({ timeout: 6000 });
          break;
        } catch (e) {
          if (i === 2) throw e;
        }
      }
      await tip.locator('text=Measure again').first().waitFor({ timeout: 5000 });
      await page.waitForTimeout(500);
    });
    await s.step(T.checkNewest, '19-check-on-newest.png', async () => {
      await page.mouse.move(900, 700);
      await runFromPalette(page, 'eBPF: Select Active Node…');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: o.newest }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.type(o.newest);
      await page.keyboard.press('Enter');
      await page.locator('.statusbar', { hasText: o.newest }).first().waitFor({ timeout: 30_000 });
      await runFromPalette(page, 'View: Close All Editor Groups');
      await page.keyboard.press('Enter');
      await quickOpen(page, 'badprobe.bt');
      const lens = page.locator('.codelens-decoration a', { hasText: 'Check on Node' }).first();
      await lens.waitFor({ timeout: 20_000 });
      await lens.click();
      await page
        .locator('.notifications-toasts', { hasText: new RegExp(`bpftrace 0\\.27\\.\\d+ on ${o.newest}: 1 error`) })
        .first()
        .waitFor({ timeout: 60_000 });
      await page.locator('.editor-instance .squiggly-error').first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(800);
    });
  } catch (e) {
    s.outside('the fleet steps run without an error between them', e);
  } finally {
    await b.close().catch((e: unknown) => s.outside('the browser closes after the fleet steps', e));
  }
  return s.finish();
}
