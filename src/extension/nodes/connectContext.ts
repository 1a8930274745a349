import type { ConnectContext } from '../../ssh/nodeClient';
import type { TrustStore } from '../../ssh/trustStore';
import type { Ctx } from '../ctx';
import type { Credentials } from './credentials';
import { askHostKey } from './prompts';

/** What every connection is made with: the trust store, the agent, the prompts, the timeouts (read at each connect). */
export function connectContext({ config, log }: Ctx, credentials: Credentials, trust: TrustStore): ConnectContext {
  return {
    trust,
    agent: process.env['SSH_AUTH_SOCK'] || undefined,
    onUnknownHostKey: askHostKey,
    askPassword: credentials.askPassword,
    askPassphrase: credentials.askPassphrase,
    passwordFor: credentials.passwordFor,
    get connectTimeoutMs() {
      return config.connectTimeoutMs;
    },
    get commandTimeoutMs() {
      return config.commandTimeoutMs;
    },
    get keepaliveIntervalMs() {
      return config.keepaliveIntervalMs;
    },
    log: (m) => log.debug(m),
  };
}
