import type { CommandOutput, RemoteCommand } from '../remote/command';
import { failure } from '../remote/command';

/**
 * kernel.bpf_stats_enabled is kernel-wide and shared by every connection to that kernel
 * (several nodes of one machine, two editors, the CLI). The product's enablement is
 * reference-counted on the node, in /run/ebpf-lens/bpf-stats under a lock:
 *   line 1: boot id (a file from an earlier boot is ignored)
 *   line 2: the value found before the first holder enabled it (restored by the last one)
 *   then:   one holder per line, "pid:starttime" of the holder's sshd connection process
 * A holder whose connection process is gone (a killed editor or CLI) is dropped by the next
 * run of the script, so a crash is cleaned up on the next connect.
 */
const SCRIPT = String.raw`
set -u
action=$1
dir=/run/ebpf-lens
f=$dir/bpf-stats
sysctl=/proc/sys/kernel/bpf_stats_enabled
umask 077
case $action in status|recover) [ -e "$f" ] || { echo "enabled=$(cat "$sysctl") holders=0 before="; exit 0; };; esac
[ -w "$sysctl" ] || { echo "cannot write $sysctl (needs root)" >&2; exit 3; }
mkdir -p "$dir" || exit 3
exec 9>"$dir/bpf-stats.lock"
if command -v flock >/dev/null 2>&1; then flock -w 10 9 || { echo "the stats lock is busy" >&2; exit 4; }; fi
field() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"; }
holder() { st=$(field "$1" 20); [ -n "$st" ] && echo "$1:$st"; }
# this connection: the nearest sshd ancestor (sshd or sshd-session) of this script
me=""
p=$$
while [ -n "$p" ] && [ "$p" -gt 1 ]; do
  case $(cat "/proc/$p/comm" 2>/dev/null) in sshd*) me=$(holder "$p"); break;; esac
  p=$(field "$p" 2)
done
[ -n "$me" ] || { echo "cannot find this connection's sshd process" >&2; exit 5; }
boot=$(cat /proc/sys/kernel/random/boot_id)
cur=$(cat "$sysctl")
before=$cur
holders=""
had=0
if [ -r "$f" ] && [ "$(sed -n 1p "$f")" = "$boot" ]; then
  had=1
  before=$(sed -n 2p "$f")
  holders=$(sed -n '3,$p' "$f")
fi
alive=""
for h in $holders; do [ "$(holder "$(echo "$h" | cut -d: -f1)")" = "$h" ] && alive="$alive $h"; done
case $action in
  acquire) case " $alive " in *" $me "*) ;; *) alive="$alive $me";; esac;;
  release) n=""; for h in $alive; do [ "$h" = "$me" ] || n="$n $h"; done; alive=$n;;
  status|recover) ;;
  *) echo "unknown action $action" >&2; exit 2;;
esac
set -- $alive
if [ $# -gt 0 ]; then
  [ "$cur" = 1 ] || echo 1 > "$sysctl"
  { echo "$boot"; echo "$before"; for h in "$@"; do echo "$h"; done; } > "$f.tmp" && mv "$f.tmp" "$f"
elif [ $had = 1 ]; then
  echo "$before" > "$sysctl"
  rm -f "$f"
fi
echo "enabled=$(cat "$sysctl") holders=$# before=$before me=$me"
`;

export type StatsAction = 'acquire' | 'release' | 'recover' | 'status';

export interface StatsState {
  readonly enabled: boolean;
  /** connections holding the stats on (this one included) */
  readonly holders: number;
  /** the value found before eBPF Lens enabled it */
  readonly before: string;
}

export function statsControl(action: StatsAction): RemoteCommand<StatsState> {
  const title =
    action === 'acquire' ? 'enable BPF run-time stats' : action === 'release' ? 'restore BPF run-time stats' : 'check BPF run-time stats';
  return {
    title,
    argv: ['sh', '-c', SCRIPT, 'ebpf-lens-stats', action],
    root: true,
    timeoutMs: 20_000,
    interpret(out: CommandOutput): StatsState {
      const m = /enabled=(\d) holders=(\d+) before=(\S*)/.exec(out.stdout);
      if (out.code !== 0 || !m) throw failure(title, out);
      return { enabled: m[1] === '1', holders: Number(m[2]), before: m[3] ?? '' };
    },
  };
}
