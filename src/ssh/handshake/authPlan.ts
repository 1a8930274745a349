import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandHome } from '../trustStore';

/** One auth method to try. */
export type AuthStep =
  | { readonly method: 'agent'; readonly socket: string }
  | { readonly method: 'key'; readonly file: string }
  /** a saved password first, then asked (over `password` or `keyboard-interactive`) */
  | { readonly method: 'password' };

/** What the plan depends on (a subset of the connect options). */
export interface AuthPlanOptions {
  readonly agent?: string | undefined;
  readonly identityFiles: readonly string[];
  readonly password?: string | undefined;
  readonly askPassword?: unknown;
}

/** where the default keys are looked for, and whether one exists */
interface KeyLookup {
  readonly home: string;
  readonly exists: (file: string) => boolean;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * The auth methods, in OpenSSH's order: the agent, the identity files (the explicit ones, else
 * ~/.ssh/id_ed25519, id_ecdsa and id_rsa that exist), then a password when one is saved or can
 * be asked for.
 */
export function authPlan(o: AuthPlanOptions, keys: KeyLookup = { home: os.homedir(), exists: fs.existsSync }): AuthStep[] {
  const steps: AuthStep[] = [];
  if (o.agent) steps.push({ method: 'agent', socket: o.agent });
  const files =
    o.identityFiles.length > 0
      ? o.identityFiles.map(expandHome)
      : DEFAULT_KEYS.map((k) => path.join(keys.home, '.ssh', k)).filter((f) => keys.exists(f));
  for (const file of files) steps.push({ method: 'key', file });
  if (o.password !== undefined || o.askPassword) steps.push({ method: 'password' });
  return steps;
}
