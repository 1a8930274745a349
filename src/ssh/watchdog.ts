import { shQuote } from '../core/remote/quote';

/**
 * The node-side time bound of worker commands.
 *
 * Every command the worker runs is also bounded on the node, so that a command whose client went
 * away (a cut link, a crashed editor) still ends. Two ways, chosen by the worker's start line:
 *
 * - `watchdog`: one bash per worker, started by the worker shell, reading "arm S" / "done" lines
 *   from a pipe (fd 3 of the worker). It sleeps in `read -t` while a command runs and in a plain
 *   `read` while none does: no ticker, no process per command. When a command outlives its S
 *   seconds it sends TERM to every descendant of the worker shell and every other member of the
 *   worker's session (the watchdog and the worker excepted), and KILL 2 s later to those still
 *   there, as `timeout -k 2 S` does to its process group. It ends when the worker's end of the
 *   pipe closes (the worker exited), or, if the worker was killed with a command running, once
 *   that command's bound has passed and its session was ended. A signal ends it like any process
 *   (a shutdown or an admin's `pkill` must not wait for it); the cleanup after a cancel leaves it
 *   alone (see `SshConnection.reap`). Measured here: a listing with `timeout` in front costs
 *   ~2 ms more CPU on the node than bpftool alone (an exec of `timeout` per command), under the
 *   watchdog ~0.1 ms; the idle watchdog holds ~3 MB of memory (RSS) per connection.
 * - `timeout`: coreutils `timeout -k 2 S` in front of each command, where bash is missing (or
 *   /proc, mktemp, mkfifo).
 * - `none`: neither exists; only the client's own timer bounds the command.
 *
 * A fixed script: no user text reaches it. Commands reach the worker as `__el_run S word…`
 * (the quoted words of one command, see `shJoin`); S = 0 means unbounded.
 */
export type NodeBound = 'watchdog' | 'timeout' | 'none';

// (handed over in the environment, so that the node's process list shows a short line:
// bash --norc --noprofile -c eval "$__el_wd" ebpf-lens-watchdog PID). No startup file runs: a bash
// started under sshd would otherwise read ~/.bashrc (seen here: a pyenv rehash in it, taking a
// lock shared by every session, made 50 connections start seconds late).
const WATCHDOG_BASH = [
  'unset __el_wd',
  'w=$1 dl= kd= eof= sid=',
  // the worker leads its own session (sshd starts each channel's command in one): its members
  // are found even after the worker died and its children went to init
  'read -r s </proc/$w/stat && set -- ${s##*) } && [ "$4" = "$w" ] && sid=$w',
  // signal the worker's descendants and its session's members, but not the worker or this watchdog
  'kt() {',
  '  local sig=$1 f s p todo all=',
  '  local -A k=()',
  '  for f in /proc/[0-9]*/stat; do',
  '    read -r s <"$f" 2>/dev/null || continue',
  '    p=${s%% *}; set -- ${s##*) }',
  '    k[$2]+=" $p"',
  '    [ -n "$sid" ] && [ "$4" = "$sid" ] && all+=" $p"',
  '  done',
  '  todo=${k[$w]-}',
  '  while [ -n "${todo// /}" ]; do',
  '    set -- $todo; todo=',
  '    for p; do all+=" $p"; todo+=" ${k[$p]-}"; done',
  '  done',
  '  set --',
  '  for p in $all; do [ "$p" = "$$" ] || [ "$p" = "$w" ] || set -- "$@" "$p"; done',
  '  [ $# -gt 0 ] && kill -s "$sig" "$@" 2>/dev/null',
  '}',
  'while :; do',
  '  t=',
  '  if [ -n "$kd" ]; then t=$((kd - SECONDS)); elif [ -n "$dl" ]; then t=$((dl - SECONDS)); fi',
  '  if [ -n "$t" ] && [ "$t" -le 0 ]; then',
  '    if [ -n "$kd" ]; then kt KILL; kd= dl=; else kt TERM; kd=$((SECONDS + 2)); fi',
  '    continue',
  '  fi',
  // the worker is gone: nothing more to wait for, unless it died with a command running
  '  if [ -n "$eof" ]; then { [ -n "$t" ] && [ -n "$sid" ]; } || exit 0; sleep "$t"; continue; fi',
  '  if [ -n "$t" ]; then read -r -t "$t" m; else read -r m; fi',
  '  r=$?',
  '  [ "$r" -gt 128 ] && continue',
  '  [ "$r" -ne 0 ] && { eof=1; continue; }',
  '  case $m in "a "*) dl=$((SECONDS + ${m#a })) kd= ;; d) dl= kd= ;; esac',
  'done',
].join('\n');

/**
 * The worker shell's start: picks the bound (`$__el_b`) and defines `__el_run S word…`, which
 * runs one command under it. Commands never see fd 3 (the watchdog's pipe).
 */
export function boundSetup(): string {
  return [
    '__el_b=none',
    `if command -v bash >/dev/null 2>&1 && [ -r /proc/self/stat ] && __el_d=$(mktemp -d 2>/dev/null) && mkfifo "$__el_d/w" 2>/dev/null; then ` +
      `__el_wd=${shQuote(WATCHDOG_BASH)} BASH_ENV= bash --norc --noprofile -c 'eval "$__el_wd"' ebpf-lens-watchdog "$$" <"$__el_d/w" >/dev/null 2>&1 & exec 3>"$__el_d/w"; rm -rf "$__el_d"; __el_b=watchdog; ` +
      'elif command -v timeout >/dev/null 2>&1; then __el_b=timeout; fi',
    '__el_run() { __el_s=$1; shift; case $__el_b in ' +
      `watchdog) if [ "$__el_s" -gt 0 ]; then printf 'a %s\\n' "$__el_s" >&3; "$@" 3>&-; __el_r=$?; printf 'd\\n' >&3; return $__el_r; else "$@" 3>&-; fi ;; ` +
      'timeout) if [ "$__el_s" -gt 0 ]; then timeout -k 2 "$__el_s" "$@"; else "$@"; fi ;; ' +
      '*) "$@" ;; esac; }',
  ].join('\n');
}

/** The node-side bound in whole seconds for a client timeout: a little after the client gives up. */
export function nodeBoundSeconds(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.ceil(timeoutMs / 1000) + 1 : 0;
}
