/**
 * Time bounds that several layers share (the transport, the trace runner, the tests that wait on
 * them), derived from the user's settings rather than fixed.
 */

/** `ebpfLens.connection.connectTimeoutSeconds` / the CLI's `--timeout` when unset */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/**
 * How long a new SSH session's login shell may take before it runs eBPF Lens's command: sshd runs
 * every exec request as `$SHELL -c …`, and bash then reads `/etc/bash.bashrc` and `~/.bashrc`
 * (conda, nvm, pyenv, banners: seconds of CPU on some nodes, more on a loaded one). A slow login is
 * not a dead node (a dead link is found by the connection's keepalives, and fails sooner), so it
 * gets four times the connect timeout: 60 s at the default 15 s.
 */
export const LOGIN_BUDGET_FACTOR = 4;

export function loginBudgetMs(connectTimeoutMs: number = DEFAULT_CONNECT_TIMEOUT_MS): number {
  return LOGIN_BUDGET_FACTOR * Math.max(1, connectTimeoutMs);
}

/** Why a session was given up: the same words for a worker and a trace. */
export function loginTimeoutMessage(node: string | undefined, budgetMs: number, what = 'start'): string {
  return (
    `the login shell${node ? ` on ${node}` : ''} did not ${what} within ${Math.round(budgetMs / 1000)} s (four times the connect timeout): ` +
    `its startup files (/etc/bash.bashrc, ~/.bashrc, ~/.profile …) run before every command; find what they wait for with \`ssh ${node ?? 'NODE'} true\`, or raise the connect timeout`
  );
}

/** A login shell slower than this is reported (node row, log, CLI): "login shell took 4.2 s". */
export const SLOW_LOGIN_MS = 1000;

/**
 * A trace script waits on the node for its guard to claim it; unclaimed (the connection was lost
 * between the two steps), it is removed after this long. The guard starts after its session's
 * login shell, so this follows the login budget.
 */
export function janitorSec(loginMs: number): number {
  return Math.ceil(loginMs / 1000) + 10;
}

/** What a node's login shell cost, measured on the node when it could be. */
export interface LoginFacts {
  /** from the shell's start to it running eBPF Lens's first line */
  readonly ms: number;
  /** CPU it used in that time, the children it waited for included (where /proc tells) */
  readonly cpuMs?: number;
  /** `node`: from /proc on the node's own clock; `client`: as this host saw it (network included) */
  readonly clock: 'node' | 'client';
}

/** "login shell took 4.2 s (3.9 s of CPU)" */
export function loginText(l: LoginFacts): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return `login shell took ${s(l.ms)}${l.cpuMs !== undefined ? ` (${s(l.cpuMs)} of CPU)` : ''}`;
}
