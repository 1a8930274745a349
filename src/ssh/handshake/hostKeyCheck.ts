import { SshError, errorMessage } from '../../core/base/errors';
import type { HostKeyVerdict, KnownKeyRef } from '../../core/inventory/knownHosts';
import { fingerprintSha256, keyTypeOf } from '../../core/inventory/knownHosts';
import type { ConnectOptions } from '../connection';
import type { TrustStore } from '../trustStore';
import type { HandshakeScope } from './scope';

type HostVerifier = (key: Buffer, verify: (ok: boolean) => void) => void;

/** The key the server presented, as the verdicts name it. */
interface PresentedKey {
  readonly key: Buffer;
  readonly keyType: string;
  readonly fingerprint: string;
}

/**
 * ssh2's host verifier: OpenSSH's StrictHostKeyChecking verdicts from the trust store; an
 * unknown key is asked about (`onUnknownHostKey`, with the clock stopped) or refused. A refusal
 * leaves its reason in `h.hostKeyError`, which the handshake reports instead of ssh2's error.
 */
export function hostVerifier(h: HandshakeScope, onHostKey: (fingerprint: string) => void): HostVerifier {
  const o = h.o;
  return (key, verify) => {
    const fingerprint = fingerprintSha256(key);
    onHostKey(fingerprint);
    const presented: PresentedKey = { key, keyType: keyTypeOf(key) ?? 'unknown', fingerprint };
    const v = o.trust.verify(o.host, o.port, key);
    if (v.status === 'trusted') {
      h.log(`${o.nodeName}: host key ${presented.keyType} ${fingerprint} verified`);
      verify(true);
      return;
    }
    const ask = o.onUnknownHostKey;
    if (v.status === 'unknown' && ask) {
      askAboutUnknownKey(h, ask, presented, v, verify);
      return;
    }
    h.hostKeyError =
      v.status === 'revoked'
        ? revokedKey(h, v.by, fingerprint)
        : v.status === 'mismatch'
          ? changedKey(h, v.expected, presented)
          : unknownKey(h, presented, v.certAuthorityOnly);
    verify(false);
  };
}

function askAboutUnknownKey(
  h: HandshakeScope,
  ask: NonNullable<ConnectOptions['onUnknownHostKey']>,
  presented: PresentedKey,
  v: Extract<HostKeyVerdict, { status: 'unknown' }>,
  verify: (ok: boolean) => void,
): void {
  const o = h.o;
  const { key, keyType, fingerprint } = presented;
  void h
    .prompt(() =>
      ask({
        nodeName: o.nodeName,
        host: o.host,
        port: o.port,
        keyType,
        fingerprint,
        otherTypes: v.otherTypes,
        certAuthorityOnly: v.certAuthorityOnly,
      }),
    )
    .then(
      (decision) => {
        if (decision === 'always') {
          try {
            o.trust.trustAlways(o.host, o.port, key);
          } catch (e) {
            // the key cannot be remembered (a read-only or full disk): say so, do not log in half-trusted
            h.log(`${o.nodeName}: ${errorMessage(e)}`);
            h.fail(e instanceof Error ? e : new Error(String(e)));
            return;
          }
        } else if (decision === 'once') o.trust.trustOnce(o.host, o.port, key);
        else h.hostKeyError = unknownKey(h, presented, v.certAuthorityOnly);
        h.log(`${o.nodeName}: unknown host key ${fingerprint}: ${decision}`);
        verify(decision !== 'reject');
      },
      (e: unknown) => {
        h.hostKeyError = unknownKey(h, presented, v.certAuthorityOnly);
        h.log(`${o.nodeName}: host key prompt failed: ${errorMessage(e)}`);
        verify(false);
      },
    );
}

function revokedKey(h: HandshakeScope, by: KnownKeyRef, fingerprint: string): SshError {
  const o = h.o;
  return new SshError(
    'hostKeyRevoked',
    `${o.nodeName} (${o.host}:${o.port}) presented a REVOKED host key ${fingerprint} (${by.file ?? ''}:${by.line}): refused.`,
    { fingerprint },
  );
}

function changedKey(h: HandshakeScope, expectedKeys: readonly KnownKeyRef[], presented: PresentedKey): SshError {
  const o = h.o;
  const expected = expectedKeys.map((e) => `${e.fingerprint} (${e.file ?? '?'}:${e.line})`).join(', ');
  return new SshError(
    'hostKeyMismatch',
    `HOST KEY CHANGED for ${o.nodeName} (${o.host}:${o.port}): possible man-in-the-middle attack. ` +
      `Expected ${expected}, the server presented ${presented.keyType} ${presented.fingerprint}. ` +
      `If the node was reinstalled, remove the old line from that file and connect again.`,
    { expected: expectedKeys.map((e) => e.fingerprint), seen: presented.fingerprint },
  );
}

function unknownKey(h: HandshakeScope, { keyType, fingerprint }: PresentedKey, certAuthorityOnly: boolean): SshError {
  const o = h.o;
  return new SshError(
    'hostKeyUnknown',
    `the host key of ${o.nodeName} (${o.host}:${o.port}) is not known: ${keyType} ${fingerprint}` +
      (certAuthorityOnly ? ' (only an @cert-authority line covers this host; certificates cannot be checked here)' : '') +
      '. Verify the fingerprint on the node (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and trust it.' +
      (o.trust.missing.length > 0 ? ` (these known_hosts files do not exist: ${o.trust.missing.join(', ')})` : ''),
    { fingerprint, keyType },
  );
}

/** ssh2 names for a known_hosts key type (RSA keys sign with three algorithm names). */
function hostKeyAlgorithms(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}
const SUPPORTED_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * The host key algorithms to offer: first the key types the host is known with, as OpenSSH
 * does, so a host with several keys presents the one we can check.
 */
export function serverHostKeyAlgorithms(trust: TrustStore): string[] {
  const knownTypes = trust
    .entries()
    .filter((e) => e.marker === undefined)
    .map((e) => e.keyType);
  const preferred = [...new Set(knownTypes.flatMap(hostKeyAlgorithms))].filter((a) => SUPPORTED_HOST_KEY_ALGOS.includes(a));
  return [...preferred, ...SUPPORTED_HOST_KEY_ALGOS.filter((a) => !preferred.includes(a))];
}
