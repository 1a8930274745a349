import type { LanguageController } from '../languageController';

/** `ebpfLens.restartLanguageServer`: start it (never started), or restart it with its probe lists forgotten. */
export async function restartLanguageServer(c: LanguageController): Promise<void> {
  const { client } = c;
  if (!client) return c.start();
  c.requests.clear();
  await client.restart();
  c.resendTarget();
}
