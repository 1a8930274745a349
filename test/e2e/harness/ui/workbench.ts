/** What a person does in the workbench, shared by the UI scenarios: open it, the eBPF view, a file, the palette. */
import type { Page } from 'playwright-core';
import type { CodeServer } from '../codeServer';

export async function openWorkbench(page: Page, server: CodeServer, folder: string): Promise<void> {
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  // the status bar appears once the window has restored
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });
}

export async function openEbpfView(page: Page): Promise<void> {
  const item = page.locator('.activitybar [aria-label^="eBPF"]').first();
  await item.waitFor({ timeout: 60_000 });
  await item.click();
  // a container with one view shows the view without a pane header: wait for the side bar title
  await page.locator('.sidebar .composite.title', { hasText: /ebpf/i }).first().waitFor({ timeout: 30_000 });
}

/**
 * After a reload: the eBPF view, whether the window restored it or not. A click on its icon
 * toggles, and races the restored layout (it closed the view once under load), so the view is
 * focused from the palette, which only ever opens it.
 */
export async function reopenEbpfView(page: Page): Promise<void> {
  await page.locator('.activitybar [aria-label^="eBPF"]').first().waitFor({ timeout: 60_000 });
  const title = page.locator('.sidebar .composite.title', { hasText: /ebpf/i }).first();
  // the activity bar shows the icon from the window's cached layout before the extension's
  // contributions are scanned, and the view's focus command exists only after that scan (slow
  // under load); a palette can also lose focus to a restored webview: each try is bounded by the
  // palette's own 10 s wait, and the view restored by the window ends the tries
  const errors: string[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    if (await title.isVisible()) return;
    try {
      await runFromPalette(page, 'Focus on Nodes View');
      await page.keyboard.press('Enter');
      await title.waitFor({ timeout: 30_000 });
      return;
    } catch (e) {
      errors.push(`try ${attempt}: ${String(e).split('\n')[0]}`);
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`the eBPF view did not open after a reload, neither restored nor from the palette (${errors.join('; ')})`);
}

export function row(page: Page, name: RegExp): ReturnType<Page['locator']> {
  return page.getByRole('treeitem', { name }).first();
}

/** Ctrl+P, the file's name, Enter: as a person opens a file of the workspace. */
export async function quickOpen(page: Page, file: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input[type="text"]').first();
  await input.waitFor({ timeout: 10_000 });
  await input.fill(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 800, y: 300 } });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input[type="text"]').first();
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
}

export /** Poll `f` every 250 ms until it answers a value, for at most `ms`. */
/** Poll `f` every 250 ms until it answers a value, for at most `ms`. */
async function waitForValue<T>(f: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
