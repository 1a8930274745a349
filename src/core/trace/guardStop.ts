/**
 * How both guards end a trace they stop (a stop, the heartbeat gone silent, overtime): SIGINT to
 * bpftrace's `timeout` (bpftrace prints its maps and detaches), TERM after the grace period, then,
 * as root, KILL (a user cannot kill a root bpftrace: the guard says so and waits). One text for
 * the bash and the POSIX guard; they differ only in where errors go and how they nap.
 *
 * A signal can be missed: bpftrace 0.17 and 0.18 look at it only when their wait for output is
 * interrupted, so one that comes while they do something else (a system() call, a busy moment on
 * a loaded node: 2 of 30 SIGINTs on the lab's bookworm node under load) leaves them running until
 * the next output event, which a counting script never has. `timeout` passes each kind of signal
 * on once and ignores it after that. So when TERM's grace period is over too, the guard sends TERM
 * again itself, straight to `sudo` (which passes on a signal from outside its process group) or,
 * as root, to bpftrace, for one more second before KILL or `cannot-kill`, and, as a user, every
 * 0.4 s after that until bpftrace ends. TERM, not SIGINT: bpftrace keeps its TERM handler while it
 * prints its maps, where a second SIGINT would kill it. Nothing is sent again within the grace
 * periods: a signal heard while END runs cuts END short, and those periods are END's.
 */
export interface StopShell {
  /** the redirection that silences a failed `kill` */
  readonly q: string;
  /** the command that sleeps a fraction of a second */
  readonly nap: string;
}

export const BASH_STOP: StopShell = { q: '2>&5', nap: 'nap' };
export const POSIX_STOP: StopShell = { q: '2>/dev/null', nap: 'sleep' };

/**
 * `resend`: TERM once more to the process that passes it on to bpftrace (`$relay`: sudo below
 * `timeout`, or bpftrace itself as root), only while that process is still the one it was.
 */
export function resendText({ q }: StopShell): string {
  return String.raw`resend() {
  [ -n "$relay" ] || return 0
  rcomm=; read -r rcomm ${q} <"/proc/$relay/comm"
  if [ "$rcomm" = sudo ] || [ "$rcomm" = bpftrace ]; then kill -TERM "$relay" ${q}; fi
  return 0
}`;
}

export function stopEscalation({ q, nap }: StopShell): string {
  return String.raw`  kill -INT "$child" ${q}
  if ! waitfor "$grace"; then
    say "escalating signal=TERM"
    kill -TERM "$child" ${q}
    # heard neither (0.17/0.18, above): TERM again, straight, for one more second
    if ! waitfor "$grace" && ! waitfor 1 resend; then
      if [ "$mode" = root ]; then
        say "escalating signal=KILL"
        # bpftrace only: its parent (timeout) reaps it, so no zombie is left to init
        if [ -n "$btpid" ]; then kill -KILL "$btpid" ${q}; else kill -KILL "$child" ${q}; fi
        waitfor 3
      elif running; then
        # a user cannot SIGKILL a root bpftrace: say so now, and wait for it (TERM again meanwhile)
        say "cannot-kill pid=$btpid"
        warned=1
        while kill -0 "$child" ${q}; do resend; ${nap} 0.4; done
      fi
    fi
  fi
fi
wait "$child"
rc=$?
if [ "$mode" = root ] && running; then kill -KILL "$btpid" ${q}; n=0; while running && [ $n -lt 20 ]; do ${nap} 0.1; n=$((n + 1)); done; fi`;
}
