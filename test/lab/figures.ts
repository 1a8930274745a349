/**
 * The adversarial suite's figures (issue: reliability and security): tests add to them, and the
 * lab tier prints them at the end of the run, after the per-test output.
 */
const figures = new Map<string, string>();

export function figure(name: string, value: string | number): void {
  figures.set(name, String(value));
}

// a root hook: runs once, after every lab test file
after(() => {
  if (figures.size === 0) return;
  const w = Math.max(...[...figures.keys()].map((k) => k.length));
  process.stdout.write(`\n  adversarial figures:\n${[...figures].map(([k, v]) => `    ${k.padEnd(w)}  ${v}`).join('\n')}\n`);
});
