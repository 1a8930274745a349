import type { Expr } from './ast';
import type { Report, VersionCheck } from './attachPoints';
import type { FunctionInfo } from './functions';
import { ARITY_SINCE, CALLABLE_BUILTINS, FUNCTION_BY_NAME } from './functions';

/**
 * A call to a name that is neither a macro nor an fn of the script, checked against the catalog:
 * a builtin called with arguments (pid(curr_ns)), or a function that must be known, new enough
 * for the target, given an arity it takes, assigned directly to a map when it aggregates, and
 * never unsafe. Answers the function, when the name is one.
 */
export function checkCall(
  e: Extract<Expr, { kind: 'call' }>,
  directMapValue: boolean,
  diag: Report,
  checkVersion: VersionCheck,
): FunctionInfo | undefined {
  const f = FUNCTION_BY_NAME.get(e.name);
  const cb = CALLABLE_BUILTINS.get(e.name);
  if (cb && !f) {
    checkVersion(e.nameSpan, cb.since, `${e.name}(…)`);
    if (e.args.length > cb.max)
      diag(e, 'error', 'arity', `${e.name}() takes at most ${cb.max} argument${cb.max === 1 ? '' : 's'} (${e.args.length} given)`);
    return undefined;
  }
  if (!f) {
    diag(e.nameSpan, 'error', 'unknownFunction', `unknown function '${e.name}'`);
    return undefined;
  }
  checkVersion(e.nameSpan, f.since, `${f.name}()`, f.until);
  const n = e.args.length;
  const later = ARITY_SINCE.get(f.name)?.get(n);
  if (later) checkVersion(e, later, `${f.name}() with ${n} argument${n === 1 ? '' : 's'}`);
  if (n < f.min || n > f.max) {
    const want = f.min === f.max ? `${f.min}` : f.max === Infinity || f.max >= 128 ? `at least ${f.min}` : `${f.min} to ${f.max}`;
    diag(e, 'error', 'arity', `${f.name}() takes ${want} argument${f.max === 1 && f.min === 1 ? '' : 's'} (${n} given): ${f.signature}`);
  }
  if (f.aggregate && !directMapValue)
    diag(e, 'error', 'aggregate', `${f.name}() must be assigned directly to a map, e.g. @x = ${f.name}(${f.min ? '…' : ''})`);
  if (f.unsafe)
    diag(
      e,
      'error',
      'unsafeFunction',
      `${f.name}() is an unsafe function: eBPF Lens runs bpftrace without --unsafe, so every node refuses it`,
    );
  return f;
}
