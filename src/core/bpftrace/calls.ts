import type { Expr } from './ast';
import type { Report, VersionCheck } from './attachPoints';
import type { FunctionInfo } from './functions';
import type { Version } from './catalog';
import { ARG_BUILTIN, BUILTIN_BY_NAME, INTERNAL_BUILTIN, INTERNAL_SINCE, NOT_CALLABLE, SARG_BUILTIN, versionAtLeast } from './catalog';
import { ARITY_SINCE, CALLABLE_BUILTINS, FUNCTION_BY_NAME, MODE_WORDS } from './functions';

/** What the script's surroundings may define that the analyser cannot see. */
export interface CallContext {
  /** the script imports files (0.24+): their functions and macros */
  readonly imports: boolean;
  /** the script includes C headers: their macros and enums */
  readonly includes: boolean;
  /** the target bpftrace (0.25+ also calls kernel BTF functions and kfuncs by name) */
  readonly target: Version;
}

/** A builtin called like a function (0.24+: `comm()`, `cpu()`; with arguments: `pid(curr_ns)`) */
function builtinCall(e: Extract<Expr, { kind: 'call' }>, diag: Report, checkVersion: VersionCheck): boolean {
  const b = BUILTIN_BY_NAME.get(e.name);
  const cb = CALLABLE_BUILTINS.get(e.name);
  if (!cb && (!b || NOT_CALLABLE.has(e.name) || SARG_BUILTIN.test(e.name))) return false;
  // kstack(), ustack(), nsecs() were calls before 0.24
  if (cb && (e.args.length > 0 || !versionAtLeast(cb.since, [0, 24]))) checkVersion(e.nameSpan, cb.since, `${e.name}(…)`);
  else checkVersion(e.nameSpan, b && versionAtLeast(b.since, [0, 24]) ? b.since : [0, 24], `${e.name}() as a call`);
  const max = cb?.max ?? 0;
  if (e.args.length > max)
    diag(
      e,
      'error',
      'arity',
      `${e.name}() takes ${max === 0 ? 'no' : `at most ${max}`} argument${max === 1 ? '' : 's'} (${e.args.length} given)`,
    );
  return true;
}

function unknownCall(e: Extract<Expr, { kind: 'call' }>, ctx: CallContext, diag: Report): void {
  // 0.25+ looks an unknown name up among kernel (BTF) functions and the functions of imported C
  // files, which the analyser cannot see: an error only where none of them can be
  const elsewhere = ctx.imports ? 'a function of an imported file?' : /^(bpf_|__bpf_|__)/.test(e.name) ? 'a kernel function?' : undefined;
  if (elsewhere && (ctx.imports || versionAtLeast(ctx.target, [0, 25])))
    diag(e.nameSpan, 'warning', 'unknownFunction', `unknown function '${e.name}' (${elsewhere} the analyser cannot see it)`);
  else diag(e.nameSpan, 'error', 'unknownFunction', `unknown function '${e.name}'`);
}

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
  ctx: CallContext,
): FunctionInfo | undefined {
  const f = FUNCTION_BY_NAME.get(e.name);
  if (!f && builtinCall(e, diag, checkVersion)) return undefined;
  if (!f && INTERNAL_BUILTIN.test(e.name)) {
    checkVersion(e.nameSpan, INTERNAL_SINCE, `bpftrace's internal ${e.name}`);
    return undefined;
  }
  if (!f) {
    unknownCall(e, ctx, diag);
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

/**
 * A bare name: a builtin (new enough for the target), bpftrace's internal `__builtin_*`, argN, a
 * mode word, or else unknown: an error, or a warning where an included header or an imported file
 * may define it. Names the script defines (macros, their parameters, #defines, enums) are the
 * caller's.
 */
export function checkIdentifier(e: Extract<Expr, { kind: 'ident' }>, ctx: CallContext, diag: Report, checkVersion: VersionCheck): void {
  const n = e.name;
  const b = BUILTIN_BY_NAME.get(n);
  if (b) return void checkVersion(e, b.since, `the builtin ${n}`, b.until);
  if (INTERNAL_BUILTIN.test(n)) return void checkVersion(e, INTERNAL_SINCE, `bpftrace's internal ${n}`);
  if (ARG_BUILTIN.test(n) || SARG_BUILTIN.test(n) || MODE_WORDS.has(n)) return;
  // ALL_CAPS names are usually enum constants or #defines from the kernel's BTF or headers
  if (/^[A-Z][A-Z0-9_]*$/.test(n)) return;
  if (ctx.includes || ctx.imports) {
    const from = ctx.includes ? 'an included header' : 'an imported file';
    diag(e, 'warning', 'unknownIdentifier', `unknown identifier '${n}' (from ${from}? the analyser cannot see it)`);
  } else diag(e, 'error', 'unknownIdentifier', `unknown identifier '${n}'`);
}
