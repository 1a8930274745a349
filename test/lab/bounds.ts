import { DEFAULT_CONNECT_TIMEOUT_MS, loginBudgetMs } from '../../src/core/remote/bounds';
import { probeCommand } from '../../src/core/remote/nodeInfo';

/**
 * How long the lab and e2e tests may wait, derived from the product's own bounds (never a guess):
 * a test that waits longer than the product would is hiding a hang, one that waits less is flaky
 * on a loaded machine.
 */

/** `context()` in labEnv: what the lab tests connect with */
export const LAB_CONNECT_MS = 10_000;
export const LAB_COMMAND_MS = 20_000;

/** the CLI's --timeout default (per connection and per command) */
export const CLI_TIMEOUT_MS = 20_000;

/** the extension's defaults (package.json settings) */
export const DEFAULT_COMMAND_MS = 30_000;
export const DEFAULT_CONNECT_MS = DEFAULT_CONNECT_TIMEOUT_MS;

/** The node probe every connection runs first (core/remote/nodeInfo.ts: probeCommand's timeout). */
export const PROBE_MS = probeCommand().timeoutMs ?? 15_000;

/** a connection is usable: handshake, then the login shell of its worker, then the node probe */
export function connectedWithin(connectMs: number): number {
  return connectMs + loginBudgetMs(connectMs) + PROBE_MS;
}

/** a trace is attached: its channel's login shell starts the guard, then bpftrace compiles and attaches within its own time limit */
export function attachedWithin(connectMs: number, traceSec: number): number {
  return loginBudgetMs(connectMs) + traceSec * 1000;
}
