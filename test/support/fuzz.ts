/**
 * Deterministic random and mutated bpftrace scripts for fuzzing (a fixed-seed LCG: a failure
 * names its case number and reproduces).
 */
export function* fuzzScripts(
  seeds: readonly string[],
  count: number,
  seed0 = 12345,
): Generator<{ i: number; text: string; rnd: (n: number) => number }> {
  let seed = seed0;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), n <= 0 ? 0 : seed % n);
  const alphabet = '{}()[];,./*+-=!<>@$"\\:#\n\t abcxyz0123456789_%&|^~?\'`';
  for (let i = 0; i < count; i++) {
    let text: string;
    if (i % 4 === 0) {
      const len = rnd(200);
      text = Array.from({ length: len }, () => alphabet.charAt(rnd(alphabet.length))).join('');
    } else {
      const chars = [...(seeds[rnd(seeds.length)] ?? '')];
      for (let k = 0; k < 1 + rnd(10); k++) {
        const at = rnd(chars.length + 1);
        const op = rnd(4);
        if (op === 0) chars.splice(at, 1 + rnd(5));
        else if (op === 1) chars.splice(at, 0, alphabet.charAt(rnd(alphabet.length)));
        else if (op === 2) chars.splice(at, 0, ...(seeds[rnd(seeds.length)] ?? '').slice(0, rnd(40)));
        else chars[at] = alphabet.charAt(rnd(alphabet.length));
      }
      text = chars.join('');
    }
    yield { i, text, rnd };
  }
}
