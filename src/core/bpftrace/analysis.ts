import type { Block, Expr, Probe, Program, Span, Stmt, TopItem } from './ast';
import type { Feature, Version } from './catalog';
import { FEATURES, FEATURE_TEXT, NEWEST, versionAtLeast, versionText } from './catalog';
import { CALLABLE_BUILTINS, FUNCTION_BY_NAME, MODE_SINCE, MODE_WORDS } from './functions';
import { INT_KIND, MapValues, valueKind } from './kinds';
import { MapKeyShapes } from './mapKeys';
import type { Report, VersionCheck } from './attachPoints';
import { checkAttachPoint } from './attachPoints';
import type { CallContext } from './calls';
import { checkCall, checkIdentifier } from './calls';
import { checkConfig, checkField, checkUnroll, undefinedMaps, valueTypeClashes } from './programChecks';
import type { Diagnostic } from './parser';
import { parse } from './parser';
import { judgeFormat } from './printf';

/**
 * Analysis of a bpftrace script without a kernel: syntax errors, unknown functions and
 * identifiers, arity, aggregations not assigned to a map, inconsistent map keys, variables used
 * before assignment, printf formats (argument counts, and argument types where they are
 * certain), unsafe functions (eBPF Lens never passes --unsafe), probe types, and features newer
 * than the target bpftrace version (warnings, never errors). Shared by the language server,
 * CodeLens, annotations and `ebpf-lens check`.
 */

export interface MapSymbol {
  readonly name: string;
  /** assignments */
  readonly defs: Span[];
  /** every mention (assignments included) */
  readonly refs: Span[];
}

export interface Symbols {
  readonly maps: ReadonlyMap<string, MapSymbol>;
  readonly macros: ReadonlyMap<string, { readonly def: Span; readonly params: number; readonly refs: Span[] }>;
  readonly probes: readonly Probe[];
}

export interface Analysis {
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly symbols: Symbols;
}

export interface AnalysisOptions {
  /** the bpftrace version to check against (the active node's; default: the newest known) */
  readonly target?: Version;
}

/** functions whose first argument is a whole map (not a scalar read) */
const WHOLE_MAP_ARG = new Set(['print', 'clear', 'zero', 'len', 'delete', 'has_key', 'find']);
/** functions whose first argument is a printf-style format */
const FORMAT_FUNCTIONS = new Set(['printf', 'errorf', 'warnf', 'system', 'cat', 'debugf']);

class Analyser {
  readonly diagnostics: Diagnostic[] = [];
  readonly maps = new Map<string, MapSymbol>();
  readonly macros = new Map<string, { def: Span; params: number; refs: Span[] }>();
  private readonly fns = new Set<string>();
  private readonly defines = new Set<string>();
  /** the script imports files, or includes headers: names the analyser cannot see */
  private imports = false;
  private includes = false;
  private readonly keyShapes: MapKeyShapes;
  /** has_key(@m, k), len(@m): judged once every map's keys are known */
  private readonly keyedCalls: { fn: string; map: Extract<Expr, { kind: 'map' }> }[] = [];
  private vars = new Set<string>();
  private reportedVars = new Set<string>();
  private macroParams = new Set<string>();
  private readonly mapValues = new MapValues();
  /** printf-like calls, judged once every map's values are known */
  private readonly formats: { call: Extract<Expr, { kind: 'call' }>; since: Version; macroParams: ReadonlySet<string> }[] = [];

  constructor(
    private readonly src: string,
    private readonly target: Version,
  ) {
    this.keyShapes = new MapKeyShapes(this.report, (o) => this.line(o));
  }

  private diag(span: Span, severity: Diagnostic['severity'], code: string, message: string): void {
    this.diagnostics.push({ start: span.start, end: span.end, severity, code, message });
  }
  private readonly report: Report = (span, severity, code, message) => this.diag(span, severity, code, message);
  private readonly versionCheck: VersionCheck = (span, since, what, until) => this.checkVersion(span, since, what, until);

  private line(offset: number): number {
    let n = 1;
    for (let i = 0; i < offset; i++) if (this.src.charCodeAt(i) === 10) n++;
    return n;
  }

  checkVersion(span: Span, since: Version, what: string, until?: Version): void {
    if (!versionAtLeast(this.target, since)) {
      this.diag(
        span,
        'warning',
        'version',
        `${what} needs bpftrace ${versionText(since)} or newer (checking against ${versionText(this.target)})`,
      );
    } else if (until && versionAtLeast(this.target, until)) {
      this.diag(
        span,
        'warning',
        'version',
        `${what} was removed in bpftrace ${versionText(until)} (checking against ${versionText(this.target)})`,
      );
    }
  }

  run(program: Program, features: readonly { feature: Feature; start: number; end: number }[]): void {
    for (const f of features) this.checkVersion(f, FEATURES[f.feature], FEATURE_TEXT[f.feature]);
    // declarations first: macros and fns may be used before their definition
    for (const item of program.items) {
      if (item.kind === 'macro') this.macros.set(item.name, { def: item.nameSpan, params: item.params.length, refs: [item.nameSpan] });
      else if (item.kind === 'fn') this.fns.add(item.name);
      else if (item.kind === 'import') this.imports = true;
      else if (item.kind === 'preproc') {
        if (/^#\s*include\b/.test(item.text)) this.includes = true;
        const m = /^#\s*define\s+([A-Za-z_]\w*)/.exec(item.text);
        if (m) this.defines.add(m[1] ?? '');
      } else if (item.kind === 'cdef') {
        if (/\b__attribute__\b/.test(item.text)) this.checkVersion(item, [0, 26], '__attribute__ after a struct definition');
        const e = /\benum\b[^{]*\{([^}]*)\}/.exec(item.text);
        for (const part of e?.[1]?.split(',') ?? []) {
          const n = /^\s*([A-Za-z_]\w*)/.exec(part);
          if (n) this.defines.add(n[1] ?? '');
        }
      }
    }
    for (const item of program.items) this.item(item);
  }

  private item(item: TopItem): void {
    switch (item.kind) {
      case 'probe':
        this.vars = new Set();
        this.keyShapes.scope();
        this.reportedVars = new Set();
        this.macroParams = new Set();
        this.probeHeader(item);
        if (item.predicate) this.expr(item.predicate);
        this.block(item.body);
        return;
      case 'macro':
        this.vars = new Set(item.params.filter((p) => p.kind === 'var').map((p) => p.name));
        this.keyShapes.scope(this.vars);
        this.reportedVars = new Set();
        this.macroParams = new Set(item.params.filter((p) => p.kind !== 'var').map((p) => p.name));
        this.block(item.body);
        return;
      case 'fn':
        this.vars = new Set(item.params.map((p) => p.name));
        this.keyShapes.scope();
        this.reportedVars = new Set();
        this.macroParams = new Set();
        this.block(item.body);
        return;
      case 'config':
        return checkConfig(item, this.target, this.report, this.versionCheck);
      case 'mapDecl':
        this.mapRef(item.map, item.mapSpan, true);
        if (!['hash', 'lruhash', 'percpuhash', 'percpulruhash'].includes(item.type)) {
          this.diag(item, 'error', 'mapDecl', `unknown map type '${item.type}' (hash, lruhash, percpuhash, percpulruhash)`);
        }
        return;
      default:
        return;
    }
  }

  private probeHeader(p: Probe): void {
    for (const ap of p.attachPoints) {
      checkAttachPoint(ap, p.attachPoints.length, this.report, this.versionCheck);
    }
  }

  private block(b: Block): void {
    for (const s of b.statements) this.statement(s);
  }

  private assignVar(name: string): void {
    this.vars.add(name);
  }

  private statement(s: Stmt): void {
    switch (s.kind) {
      case 'expr':
        this.expr(s.expr);
        return;
      case 'assign': {
        const direct = s.op === '=' && s.target.kind === 'map';
        this.expr(s.value, direct);
        if (s.target.kind === 'var') {
          if (s.op !== '=') this.useVar(s.target.name, s.target);
          this.assignVar(s.target.name);
          this.keyShapes.assigned(s.target.name, s.value);
        } else {
          this.mapAccess(s.target, true);
          this.mapWrite(s.target.name, s.op === '=' ? s.value : undefined, s);
        }
        return;
      }
      case 'let':
        if (s.value) this.expr(s.value);
        this.keyShapes.assigned(s.name, s.value, s.type !== undefined);
        // declared without a value is still a declaration; bpftrace warns if it is read
        this.assignVar(s.name);
        return;
      case 'if':
        this.expr(s.cond);
        this.block(s.then);
        if (s.otherwise) {
          if ('statements' in s.otherwise) this.block(s.otherwise);
          else this.statement(s.otherwise);
        }
        return;
      case 'while':
        this.expr(s.cond);
        this.block(s.body);
        return;
      case 'unroll':
        checkUnroll(s.count, this.report);
        this.expr(s.count);
        this.block(s.body);
        return;
      case 'for':
        if (s.map) {
          if (s.map.kind === 'map') this.mapRef(s.map.name, s.map.nameSpan, false);
          else this.expr(s.map);
        }
        if (s.range) {
          this.expr(s.range[0]);
          this.expr(s.range[1]);
        }
        this.assignVar(s.variable);
        this.block(s.body);
        return;
      case 'return':
        if (s.value) this.expr(s.value);
        return;
      case 'block':
        this.block(s.block);
        return;
      case 'discard':
        this.expr(s.value);
        return;
      default:
        return;
    }
  }

  private useVar(name: string, span: Span): void {
    if (this.vars.has(name) || this.reportedVars.has(name)) return;
    this.reportedVars.add(name);
    this.diag(span, 'error', 'undefinedVariable', `variable ${name} is used before it is assigned`);
  }

  private mapRef(name: string, span: Span, def: boolean): void {
    // a macro's map parameter stands for the caller's map
    if (this.macroParams.has(name)) return;
    let m = this.maps.get(name);
    if (!m) this.maps.set(name, (m = { name, defs: [], refs: [] }));
    m.refs.push(span);
    if (def) m.defs.push(span);
  }

  /** A value written to a map: `value` for `=`, none for `+=`, `++` … (an integer). */
  private mapWrite(name: string, value: Expr | undefined, at: Span): void {
    if (this.macroParams.has(name)) return;
    const agg = value?.kind === 'call' ? FUNCTION_BY_NAME.get(value.name) : undefined;
    if (value?.kind === 'call' && agg?.aggregate && !this.fns.has(value.name) && !this.macros.has(value.name))
      this.mapValues.aggregate(name, agg.name, at);
    else this.mapValues.write(name, value ? valueKind(value, () => undefined) : INT_KIND, at);
  }

  /** A keyed or scalar map access: its key shape must match the map's first use. */
  private mapAccess(e: Extract<Expr, { kind: 'map' }>, def: boolean): void {
    this.mapRef(e.name, e.nameSpan, def);
    for (const k of e.keys ?? []) this.expr(k);
    this.keyShapes.use(e);
  }

  private expr(e: Expr, directMapValue = false): void {
    switch (e.kind) {
      case 'var':
        this.useVar(e.name, e);
        return;
      case 'map':
        this.mapAccess(e, false);
        return;
      case 'ident':
        this.identifier(e);
        return;
      case 'call':
        this.call(e, directMapValue);
        return;
      case 'binary':
        this.expr(e.left);
        this.expr(e.right);
        return;
      case 'unary':
      case 'postfix':
        if ((e.op === '++' || e.op === '--') && e.operand.kind === 'var') {
          this.useVar(e.operand.name, e.operand);
          return;
        }
        if ((e.op === '++' || e.op === '--') && e.operand.kind === 'map') {
          this.mapAccess(e.operand, true);
          this.mapWrite(e.operand.name, undefined, e);
          return;
        }
        this.expr(e.operand);
        return;
      case 'ternary':
        this.expr(e.cond);
        if (e.then) this.expr(e.then);
        this.expr(e.otherwise);
        return;
      case 'field':
        checkField(e, this.keyShapes, this.report, this.versionCheck);
        this.expr(e.object);
        return;
      case 'index':
        this.expr(e.object);
        this.expr(e.index);
        return;
      case 'cast':
        if (/\[\s*\d*\s*\]/.test(e.type)) this.checkVersion(e, [0, 19], 'a cast to an integer array');
        this.expr(e.operand);
        return;
      case 'offsetof':
        this.checkVersion(e, [0, 18], 'offsetof()');
        return;
      case 'tuple':
        for (const x of e.elements) this.expr(x);
        return;
      case 'record':
        for (const f of e.fields) this.expr(f.value);
        return;
      case 'ifExpr':
        this.expr(e.cond);
        this.block(e.then);
        if (e.otherwise) {
          if ('statements' in e.otherwise) this.block(e.otherwise);
          else this.expr(e.otherwise);
        }
        return;
      case 'blockExpr': {
        // its last expression is its value: `@m = { …; avg($x) }` assigns the aggregation directly
        const body = e.block.statements;
        const last = body[body.length - 1];
        for (const st of last?.kind === 'expr' ? body.slice(0, -1) : body) this.statement(st);
        if (last?.kind === 'expr') this.expr(last.expr, directMapValue);
        return;
      }
      default:
        return;
    }
  }

  private identifier(e: Extract<Expr, { kind: 'ident' }>): void {
    const macro = this.macros.get(e.name);
    if (macro) return void macro.refs.push(e);
    if (this.macroParams.has(e.name) || this.defines.has(e.name)) return;
    checkIdentifier(e, this.context, this.report, this.versionCheck);
  }

  private get context(): CallContext {
    return { imports: this.imports, includes: this.includes, target: this.target };
  }

  private call(e: Extract<Expr, { kind: 'call' }>, directMapValue: boolean): void {
    const macro = this.macros.get(e.name);
    // whole-map arguments are not reads of a scalar map
    e.args.forEach((a, i) => {
      // a map passed whole: to a function that takes one, or to a macro (or an imported one)
      if (a.kind === 'map' && !a.keys && ((i === 0 && WHOLE_MAP_ARG.has(e.name)) || macro || !FUNCTION_BY_NAME.has(e.name)))
        this.mapRef(a.name, a.nameSpan, !!macro || !FUNCTION_BY_NAME.has(e.name)); // a macro may assign it
      else if (a.kind === 'ident' && (MODE_WORDS.has(a.name) || CALLABLE_BUILTINS.has(e.name))) {
        const since = MODE_SINCE.get(a.name);
        if (since) this.checkVersion(a, since, `the ${a.name} mode`);
        return;
      } else if (e.name === 'find' && i === 2 && a.kind === 'var') this.assignVar(a.name);
      else if (e.name === 'container_of' && i === 2 && a.kind === 'ident')
        return; // a member's name
      else this.expr(a);
    });
    if (macro) {
      macro.refs.push(e.nameSpan);
      if (macro.params !== e.args.length)
        this.diag(
          e,
          'error',
          'arity',
          `${e.name}() takes ${macro.params} argument${macro.params === 1 ? '' : 's'} (${e.args.length} given)`,
        );
      return;
    }
    if (this.fns.has(e.name)) return;
    const first = e.args[0];
    if ((e.name === 'has_key' || e.name === 'len') && first?.kind === 'map' && !first.keys && !this.macroParams.has(first.name))
      this.keyedCalls.push({ fn: e.name, map: first });
    const f = checkCall(e, directMapValue, this.report, this.versionCheck, this.context);
    if (f && FORMAT_FUNCTIONS.has(f.name) && e.args[0]?.kind === 'string')
      this.formats.push({ call: e, since: f.since, macroParams: this.macroParams });
  }

  /**
   * The format checks: an error where every version refuses the call, a warning where only the
   * target's format grammar does (0.17–0.23 or 0.24+, see printf.ts).
   */
  finish(parsedCleanly: boolean): void {
    // with a syntax error, part of the program was not seen; imported files may assign maps
    if (parsedCleanly && !this.imports) undefinedMaps(this.maps, this.report);
    valueTypeClashes(this.mapValues.all, (o) => this.line(o), this.report);
    for (const { fn, map } of this.keyedCalls)
      if (this.keyShapes.arity(map.name) === 0) this.diag(map, 'error', 'mapKeys', `${fn}() needs a map with keys; ${map.name} has none`);
    for (const { call, since, macroParams } of this.formats) {
      const fmt = call.args[0];
      if (fmt?.kind !== 'string') continue;
      const args = call.args.slice(1);
      const kinds = args.map((a) => valueKind(a, (m) => (macroParams.has(m) ? undefined : this.mapValues.kind(m))));
      const text = (i: number): string => {
        const a = args[i];
        const t = a ? this.src.slice(a.start, a.end).replace(/\s+/g, ' ') : '';
        return t.length > 40 ? `${t.slice(0, 39)}…` : t;
      };
      const v = judgeFormat(call.name, fmt.value, kinds, text, this.target, since);
      if (v) this.diag(v.arg === undefined ? call : (args[v.arg] ?? call), v.severity, v.code, v.message);
    }
  }
}

export function analyze(src: string, opts: AnalysisOptions = {}): Analysis {
  const r = parse(src);
  const a = new Analyser(src, opts.target ?? NEWEST);
  a.run(r.program, r.features);
  a.finish(!r.diagnostics.some((d) => d.severity === 'error'));
  const diagnostics = [...r.diagnostics, ...a.diagnostics].sort((x, y) => x.start - y.start || (x.severity === 'error' ? -1 : 1));
  return {
    program: r.program,
    diagnostics,
    symbols: { maps: a.maps, macros: a.macros, probes: r.program.items.filter((i): i is Probe => i.kind === 'probe') },
  };
}
