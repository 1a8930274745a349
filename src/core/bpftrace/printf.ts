import type { Version } from './catalog';
import { versionAtLeast, versionText } from './catalog';
import type { ValueKind } from './kinds';

/**
 * printf-style format strings (printf, errorf, warnf, system, cat, debugf) as bpftrace checks
 * them. Two grammars, from bpftrace's sources:
 *
 * - 0.17–0.23 (format_string.cpp, printf_format_types.h): a conversion is
 *   `%-?[0-9]*(\.[0-9]+)?` then s, c, r, rx, rh or one of d u o x X p with an optional length
 *   (hh h l ll j z t). `%%` is not special: in `%%d` the second `%d` is a conversion. %s takes
 *   a string (or a symbol, stack, address, time …), the integer conversions an integer or a
 *   pointer, %r a buffer.
 * - 0.24 and newer (FormatSpec::regex): C's flags, width, precision and length, `%%` is a
 *   percent sign, %i is an integer conversion too, %s takes anything, %e %f %g %a %n are
 *   refused whatever the argument.
 *
 * In every version an aggregate's map value (count(), sum(), hist() …) is not an integer.
 */
export type Grammar = 'legacy' | 'modern';

export const MODERN_FORMAT_SINCE: Version = [0, 24];

export function grammarOf(target: Version): Grammar {
  return versionAtLeast(target, MODERN_FORMAT_SINCE) ? 'modern' : 'legacy';
}

export interface Conversion {
  /** as written, e.g. %-16s */
  readonly text: string;
  /** the conversion without flags, width or length: d, s, rx … */
  readonly spec: string;
}

const LEGACY_TOKENS = ['rx', 'rh', 'r', 's', 'c', ...['hh', 'h', 'll', 'l', 'j', 'z', 't', ''].map((l) => `${l}[duoxXp]`)].join('|');
const LEGACY = new RegExp(`%-?[0-9]*(?:\\.[0-9]+)?(${LEGACY_TOKENS})`, 'g');
const MODERN = /%-?\+? ?#?0?(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlLjzt]*([diouxXeEfFGaAcspn%]|gr|g|rh|rx|r)/g;

export function conversions(fmt: string, g: Grammar): Conversion[] {
  const out: Conversion[] = [];
  for (const m of fmt.matchAll(g === 'legacy' ? LEGACY : MODERN)) {
    const token = m[1] ?? '';
    if (token === '%') continue;
    out.push({ text: m[0], spec: g === 'legacy' && /^[hljzt]+[duoxXp]$/.test(token) ? token.slice(-1) : token });
  }
  return out;
}

const INT_SPECS = new Set(['d', 'i', 'u', 'o', 'x', 'X', 'c', 'p']);
const BUFFER_SPECS = new Set(['r', 'rx', 'rh']);

export interface FormatProblem {
  readonly code: 'printfArgs' | 'printfType';
  readonly message: string;
  /** the argument it is about (0 = the first after the format) */
  readonly arg?: number;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Why one grammar refuses a call, judging only the arguments whose class is known. */
export function formatProblem(
  fn: string,
  fmt: string,
  args: readonly (ValueKind | undefined)[],
  argText: (i: number) => string,
  g: Grammar,
): FormatProblem | undefined {
  const convs = conversions(fmt, g);
  if (convs.length !== args.length) {
    return {
      code: 'printfArgs',
      message: `${fn}: the format has ${plural(convs.length, 'conversion')} but ${plural(args.length, 'argument')} ${args.length === 1 ? 'is' : 'are'} given`,
    };
  }
  for (const [i, c] of convs.entries()) {
    const k = args[i];
    if (g === 'modern' && c.spec !== 'gr' && c.spec !== 's' && !INT_SPECS.has(c.spec) && !BUFFER_SPECS.has(c.spec)) {
      return { code: 'printfType', message: `${fn}: ${c.text} is not a conversion bpftrace supports (d i u o x X c p s r rx rh)`, arg: i };
    }
    if (!k || c.spec === 'gr') continue;
    const needs = INT_SPECS.has(c.spec) ? 'int' : BUFFER_SPECS.has(c.spec) ? 'buffer' : g === 'legacy' ? 'text' : undefined;
    if (!needs || k.cls === needs) continue;
    const what = needs === 'int' ? 'an integer' : needs === 'buffer' ? 'a buffer (buf())' : 'a string';
    const hint = k.cls === 'aggregate' ? aggregateHint(k.fn ?? '', argText(i)) : '';
    return { code: 'printfType', message: `${fn}: ${c.text} needs ${what}, but ${argText(i)} is ${k.what}${hint}`, arg: i };
  }
  return undefined;
}

function aggregateHint(fn: string, text: string): string {
  const map = /^@\w*/.exec(text)?.[0] ?? text;
  const cast = ['count', 'sum', 'min', 'max'].includes(fn) ? '0.21' : fn === 'avg' ? '0.22' : undefined;
  return `: print the map with print(${map})${cast ? `, or cast the value, (uint64)${text} (bpftrace ${cast} and newer)` : ''}`;
}

export interface FormatVerdict extends FormatProblem {
  readonly severity: 'error' | 'warning';
}

/**
 * A format call judged for a target version: an error where every version refuses it, a warning
 * where only the target's grammar does. A function from 0.24 on (errorf, warnf) only ever meets
 * the newer grammar.
 */
export function judgeFormat(
  fn: string,
  fmt: string,
  args: readonly (ValueKind | undefined)[],
  argText: (i: number) => string,
  target: Version,
  since: Version,
): FormatVerdict | undefined {
  const onlyModern = versionAtLeast(since, MODERN_FORMAT_SINCE);
  const mine = onlyModern ? 'modern' : grammarOf(target);
  const p = formatProblem(fn, fmt, args, argText, mine);
  if (!p) return undefined;
  if (onlyModern || formatProblem(fn, fmt, args, argText, mine === 'modern' ? 'legacy' : 'modern')) return { ...p, severity: 'error' };
  const who =
    mine === 'legacy' ? 'bpftrace 0.17–0.23 refuse it, 0.24 and newer accept it' : 'bpftrace 0.24 and newer refuse it, 0.17–0.23 accept it';
  return { ...p, severity: 'warning', message: `${p.message} (${who}; checking against ${versionText(target)})` };
}
