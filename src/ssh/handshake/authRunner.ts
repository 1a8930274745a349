import type { AnyAuthMethod, AuthenticationType } from 'ssh2';
import { errorMessage } from '../../core/base/errors';
import type { AuthStep } from './authPlan';
import { authPlan } from './authPlan';
import { loadKey } from './keyFile';
import { passwordLogin } from './password';
import type { HandshakeScope } from './scope';

/** An auth method to offer: the server's method names it fits, and how to make it ('sent': it logged in itself). */
interface Candidate {
  readonly kinds: readonly AuthenticationType[];
  readonly make: () => Promise<AnyAuthMethod | 'sent' | undefined>;
}

type Next = (m: AnyAuthMethod | false) => void;

/** how one auth step went: logged in, refused (a new step to take), or the handshake ended */
type StepResult = 'ok' | 'failed' | 'ended';
/** how a password went: logged in, refused (the node takes another), or no more passwords */
export type PasswordResult = 'ok' | 'wrong' | 'over';

/**
 * Drives ssh2's authHandler through the auth plan. ssh2 hands each auth step a `next`; a failed
 * step comes back as the next authHandler call, so the latest one is kept and a password prompt
 * can log in from inside (`check`) and, refused, ask again on the same connection.
 */
export class Authenticator {
  private step: { left: AuthenticationType[] | null; next: Next } | undefined;
  private outcome: ((ok: boolean) => void) | undefined;
  private readonly candidates: Candidate[];

  constructor(private readonly h: HandshakeScope) {
    this.candidates = authPlan(h.o).map((s) => this.candidate(s));
  }

  /** the methods the server said it takes (null: not asked yet), undefined between steps */
  get left(): AuthenticationType[] | null | undefined {
    return this.step?.left;
  }

  /** the server took the login: a step waiting for it is answered 'ok' */
  loggedIn(): void {
    this.outcome?.(true);
  }

  /** the handshake ended: a step waiting for the server is answered 'ended' */
  ended(): void {
    this.outcome?.(false);
  }

  /** ssh2's authHandler */
  readonly handler = (left: AuthenticationType[] | null, _partial: boolean | null, next: Next): void => {
    this.step = { left, next };
    if (this.outcome) {
      // the password just tried was refused: its prompt may ask again
      this.outcome(false);
      return;
    }
    void this.offerNext(left, next);
  };

  /** Offer the next candidate the server takes; `false` when none is left. */
  private async offerNext(left: AuthenticationType[] | null, next: Next): Promise<void> {
    if (left === null && this.candidates.length === 0) {
      // nothing to offer: a node may still let us in with none (the password candidate asks
      // for the methods itself)
      this.step = undefined;
      next({ type: 'none', username: this.h.o.username });
      return;
    }
    while (this.candidates.length > 0 && !this.h.settled) {
      const c = this.candidates.shift() as Candidate;
      const l = this.step?.left;
      if (l && !c.kinds.some((k) => l.includes(k))) continue;
      try {
        const m = await c.make();
        if (m === 'sent') return;
        if (m && this.step) {
          const s = this.step;
          this.step = undefined;
          s.next(m);
          return;
        }
      } catch (e) {
        this.h.log(`${this.h.o.nodeName}: ${errorMessage(e)}`);
      }
    }
    const s = this.step;
    this.step = undefined;
    if (!this.h.settled) s?.next(false);
  }

  private candidate(s: AuthStep): Candidate {
    const { h } = this;
    const username = h.o.username;
    switch (s.method) {
      case 'agent':
        return {
          kinds: ['publickey'],
          make: async () => {
            h.tried.push('ssh-agent');
            return { type: 'agent', username, agent: s.socket };
          },
        };
      case 'key':
        return {
          kinds: ['publickey'],
          make: async () => {
            const key = await loadKey(h, s.file);
            if (!key) return undefined;
            h.tried.push(`key ${s.file}`);
            return { type: 'publickey', username, key };
          },
        };
      case 'password':
        return { kinds: ['password', 'keyboard-interactive'], make: () => passwordLogin(h, this) };
    }
  }

  /** Send one auth step and wait for the server. */
  send(m: AnyAuthMethod): Promise<StepResult> {
    const s = this.step;
    if (this.h.settled || !s) return Promise.resolve('ended');
    this.step = undefined;
    return new Promise((res) => {
      this.outcome = (ok) => {
        this.outcome = undefined;
        res(ok ? 'ok' : !this.h.settled && this.step ? 'failed' : 'ended');
      };
      s.next(m);
    });
  }

  /** Log in with a password, as the server prefers it (`password`, else `keyboard-interactive`). */
  async tryPassword(pw: string): Promise<PasswordResult> {
    const l = this.step?.left;
    if (this.h.settled || !this.step || !takesPassword(l)) return 'over';
    const kind = !l || l.includes('password') ? 'password' : 'keyboard-interactive';
    if (!this.h.tried.includes(kind)) this.h.tried.push(kind);
    const username = this.h.o.username;
    const r = await this.send(
      kind === 'password'
        ? { type: 'password', username, password: pw }
        : {
            type: 'keyboard-interactive',
            username,
            prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) =>
              finish(prompts.map(() => pw)),
          },
    );
    return r === 'ok' ? 'ok' : r === 'failed' && takesPassword(this.step?.left) ? 'wrong' : 'over';
  }
}

/** the server takes a password (or has not said what it takes) */
export function takesPassword(l: AuthenticationType[] | null | undefined): boolean {
  return !l || l.includes('password') || l.includes('keyboard-interactive');
}
