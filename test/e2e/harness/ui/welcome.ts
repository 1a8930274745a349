/** UI scenario: a workbench with no nodes (the activity bar item, the welcome view). */
import { openBrowser } from '../browser';
import type { CodeServer } from '../codeServer';
import type { Check } from '../steps';
import { Steps } from '../steps';
import { openEbpfView, openWorkbench } from './workbench';

/** The steps of `welcomeChecks`, by name: each runs once, and one that never runs fails. */
function welcomeSteps() {
  return {
    activityBar: 'workbench opens with the eBPF activity bar item',
    welcome: 'with no nodes the Nodes view shows the welcome with Add Node and Import buttons',
    addNode: 'Add Node… asks for the SSH destination',
  } as const;
}

/** A workbench with no nodes: the activity bar item and the welcome view. */
export async function welcomeChecks(server: CodeServer, folder: string, shots: string, work: string): Promise<Check[]> {
  const T = welcomeSteps();
  const b = await openBrowser(work);
  const s = new Steps(b.page, shots, Object.values(T));
  try {
    await s.step(T.activityBar, '01-activity-bar.png', async () => {
      await openWorkbench(b.page, server, folder);
      await b.page.locator('.activitybar [aria-label^="eBPF"]').first().waitFor({ timeout: 60_000 });
    });
    await s.step(T.welcome, '02-welcome.png', async () => {
      await openEbpfView(b.page);
      const welcome = b.page.locator('.welcome-view-content', { hasText: 'No edge nodes yet' });
      await welcome.waitFor({ timeout: 30_000 });
      await welcome.locator('a.monaco-button', { hasText: 'Add Node…' }).waitFor({ timeout: 5000 });
      await welcome.locator('a.monaco-button', { hasText: 'Import from SSH Config' }).waitFor({ timeout: 5000 });
    });
    await s.step(T.addNode, '03-add-node.png', async () => {
      await b.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Add Node…' }).click();
      await b.page.locator('.quick-input-widget', { hasText: '[user@]host[:port]' }).waitFor({ timeout: 10_000 });
      await b.page.keyboard.press('Escape');
    });
  } catch (e) {
    s.outside('the welcome steps run without an error between them', e);
  } finally {
    await b.close().catch((e: unknown) => s.outside('the browser closes after the welcome steps', e));
  }
  return s.finish();
}
