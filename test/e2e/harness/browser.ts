import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/**
 * Debian's chromium, headless, offline, with a fresh profile that is removed afterwards (kept when
 * `keepProfile`: the secrets check greps it, then removes it).
 */
export async function openBrowser(
  work: string,
  o: { keepProfile?: boolean } = {},
): Promise<{ ctx: BrowserContext; page: Page; profile: string; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(work || os.tmpdir(), 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return {
    ctx,
    page,
    profile,
    close: async () => {
      await ctx.close().catch(() => undefined);
      if (!o.keepProfile) fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
