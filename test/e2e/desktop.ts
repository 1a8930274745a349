// `npm run test:desktop`: the same extension-host suite in a desktop VS Code, for contributors
// whose machines can download one (@vscode/test-electron fetches VS Code at run time, which the
// CI machines of this project cannot: there the suite runs in code-server, test/e2e/harness).
// The lab must be up (bash test/lab/lab.sh up), and the nodes configured as in harness/main.ts.
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../unit/paths';

void runTests({
  extensionDevelopmentPath: repoRoot,
  extensionTestsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'suite', 'index.js'),
  extensionTestsEnv: { LAB_DIR: process.env['LAB_DIR'] ?? '/run/ebpf-lens-lab' },
  launchArgs: ['--disable-extensions'],
}).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
