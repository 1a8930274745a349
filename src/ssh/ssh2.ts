import type * as Ssh2 from 'ssh2';
import { lazy } from '../core/base/lazy';

// ssh2 runs its top level (cipher tables, binding probes: ~50 ms) when first needed, not at activation
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ssh2 = lazy(() => require('ssh2') as typeof Ssh2);
