import { format } from 'node:util';
import { openBrowser } from './browser';
import type { CodeServer } from './codeServer';

export interface SuiteResult {
  /** the exit code VS Code reported, or 'timeout' */
  readonly code: number | 'timeout';
  /** what the extension host printed (console.log of the suite) */
  readonly output: string;
}

/**
 * Run an extension test entry (same run() contract as @vscode/test-electron) in the real
 * extension host of a code-server started with the smoke-test driver.
 */
export async function runSuite(
  server: CodeServer,
  o: {
    extensionPath: string;
    testsPath: string;
    folder: string;
    env: Record<string, string>;
    timeoutMs: number;
    work: string;
    screenshot?: string;
    /** stop waiting once the output matches, run `whileOpen` (the page still open), then return */
    until?: RegExp;
    whileOpen?: () => Promise<void>;
  },
): Promise<SuiteResult> {
  const host = new URL(server.url).host;
  const remote = (p: string): string => `vscode-remote://${host}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(o.extensionPath)],
    ['extensionTestsPath', remote(o.testsPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
    ['extensionEnvironment', JSON.stringify(o.env)],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(o.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const b = await openBrowser(o.work);
  const lines: string[] = [];
  try {
    let done: (c: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (done = r));
    await b.page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      const a = Array.isArray(args) ? args : [args];
      const line = format(...(a as unknown[]));
      if (type === 'info' || type === 'log') {
        lines.push(line);
        process.stdout.write(`${line}\n`);
      } else if (type === 'error') lines.push(`[${type}] ${line}`);
    });
    await b.page.exposeFunction('codeAutomationExit', (code: number) => done(code));
    await b.page.goto(url);
    const matched = new Promise<number>((resolve) => {
      if (!o.until) return;
      const timer = setInterval(() => {
        if (o.until?.test(lines.join('\n'))) {
          clearInterval(timer);
          resolve(-1);
        }
      }, 100);
    });
    const code = await Promise.race([exited, matched, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), o.timeoutMs))]);
    if (code === -1 && o.whileOpen) await o.whileOpen();
    if (o.screenshot) await b.page.screenshot({ path: o.screenshot }).catch(() => undefined);
    return { code, output: lines.join('\n') };
  } finally {
    await b.close();
  }
}
