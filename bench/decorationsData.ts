// The file bench/decorations.ts decorates (shared with its extension-host part): 10,000 lines of
// C with 2,000 functions, every one counted, rates spread over five decades.
import { findFunctions } from '../src/core/annotate/functions';
import type { CountResult } from '../src/core/annotate/measure';
import { countAnnotations, planCounts } from '../src/core/annotate/measure';
import type { FileAnnotations } from '../src/core/annotate/model';

export const LINES = 10_000;
export const FUNCTIONS = 2_000;

export function source(): string {
  const out: string[] = ['#include <stdio.h>', ''];
  for (let i = 0; out.length < LINES; i++) {
    if (i < FUNCTIONS) out.push(`static int fn_${i}(int x)`, '{', `\treturn x * ${i} + 1; /* { not a body } */`, '}', '');
    else out.push(`/* padding ${i} */`);
  }
  return out.slice(0, LINES).join('\n');
}

/** the annotations of that file: every function counted, rates over five decades */
export function annotations(text: string): FileAnnotations {
  const fns = findFunctions(text, 'c');
  const plan = planCounts(
    fns,
    fns.map((f) => f.name),
    'c',
    { multi: false, maxProbes: 100_000 },
  );
  const calls = new Map(fns.map((f, i) => [f.name, Math.round(10 ** (((i * 7919) % 50) / 10))]));
  const r: CountResult = { calls, windowNs: 10e9, t0Ns: 0, t1Ns: 10e9, latency: new Map() };
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineAt = (off: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    kind: 'uprobe',
    node: 'bench',
    windowSec: 10,
    at: Date.now(),
    binary: '/opt/bench',
    items: countAnnotations(plan, r, (f) => lineAt(f.nameStart), 10),
  };
}
