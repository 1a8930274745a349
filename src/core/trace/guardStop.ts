/**
 * How both guards end a trace they stop (a stop, the heartbeat gone silent, overtime): SIGINT to
 * bpftrace's `timeout` (bpftrace prints its maps and detaches), TERM after the grace period, then,
 * as root, KILL (a user cannot kill a root bpftrace: the guard says so and waits). One text for
 * the bash and the POSIX guard; they differ only in where errors go and how they nap.
 */
export interface StopShell {
  /** the redirection that silences a failed `kill` */
  readonly q: string;
  /** the command that sleeps a fraction of a second */
  readonly nap: string;
}

export const BASH_STOP: StopShell = { q: '2>&5', nap: 'nap' };
export const POSIX_STOP: StopShell = { q: '2>/dev/null', nap: 'sleep' };

export function stopEscalation({ q, nap }: StopShell): string {
  return String.raw`  kill -INT "$child" ${q}
  if ! waitfor "$grace"; then
    say "escalating signal=TERM"
    kill -TERM "$child" ${q}
    if ! waitfor "$grace"; then
      if [ "$mode" = root ]; then
        say "escalating signal=KILL"
        # bpftrace only: its parent (timeout) reaps it, so no zombie is left to init
        if [ -n "$btpid" ]; then kill -KILL "$btpid" ${q}; else kill -KILL "$child" ${q}; fi
        waitfor 3
      elif running; then
        # a user cannot SIGKILL a root bpftrace: say so now, and wait for it
        say "cannot-kill pid=$btpid"
        warned=1
      fi
    fi
  fi
fi
wait "$child"
rc=$?
if [ "$mode" = root ] && running; then kill -KILL "$btpid" ${q}; n=0; while running && [ $n -lt 20 ]; do ${nap} 0.1; n=$((n + 1)); done; fi`;
}
