import Mocha from 'mocha';

/**
 * The permanent sentinel: a one-test suite that must FAIL. The harness runs it on every e2e run
 * and checks that VS Code reports the failure, so a runner that passes silently is caught.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec' });
  mocha.suite.addTest(
    new Mocha.Test('sentinel: this test must fail', () => {
      throw new Error('sentinel failure (expected)');
    }),
  );
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      console.log(`sentinel: ${runner.stats?.passes ?? 0} passed, ${failures} failed (it must fail)`);
      if (failures > 0) reject(new Error('sentinel failed as it must'));
      else resolve();
    });
  });
}
