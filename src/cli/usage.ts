import { optionsUsage } from './options';

/** `ebpf-lens --help` */
export const USAGE = `ebpf-lens — eBPF programs, maps and links on your edge nodes, over SSH

Usage:
  ebpf-lens list NODES [--json] [options]
  ebpf-lens trace NODES FILE.bt|- [--duration S] [--json] [options]
  ebpf-lens snapshot NODES [--out DIR] [--note TEXT] [--json] [options]
  ebpf-lens diff A.json B.json [--json] [--no-instructions]
  ebpf-lens check FILE.bt... [--target-version X.Y] [--json] [NODES [options]]
  ebpf-lens guard-script      the root-owned trace guard to install on nodes (see SECURITY.md)

NODES: --node NAME[,NAME...] (repeatable), --tag TAG[,TAG...] (the nodes carrying any of them,
repeatable), or --all (list only). Nodes come from --config FILE (JSON: {"ebpfLens.nodes": [...]},
the extension's setting) or, without it, from the Host entries of ~/.ssh/config. A node entry
that cannot be read (a bad user or host) is reported as a failed node, not left out.

Options:
${optionsUsage()}
A value that starts with "-" is given as --option=VALUE.

trace runs bpftrace on each node under eBPF Lens's guard: output streams back (with several
nodes, each line starts with its node's name), Ctrl-C stops it (END probes run, maps print), and
nothing is left on a node however the run ends. A trace the node stopped (it lost this client's
heartbeat) or a lost connection is said plainly and exits non-zero. With several nodes, once all
have ended: a section per node ("== NODE: state ==" and its last maps, or its error), then
"== merged (N nodes) ==", the maps of the nodes that printed them merged as the extension's
results view does (counts and sums add up, min/max the extreme, histograms bucket by bucket).
With --json, one JSON record per line (with "node"; a map's composite key is an array, e.g.
["dd", 2]), then a summary object per node and, with several nodes, {"type":"merged",...}.

snapshot records what is deployed on a node (programs, their maps and attach points, pins,
normalised instructions) as JSON under DIR/NODE/ (default ./ebpf-lens-snapshots); an unchanged
deployment is not written again (a --note is added to the snapshot it matches). diff compares two
snapshots (two times, or two nodes).

check analyses bpftrace scripts without a kernel (syntax, unknown functions and builtins, arity,
map key shapes, variables used before assignment, functions that need --unsafe, printf argument
types; features newer than --target-version, default the newest bpftrace, are warnings). With
NODES it also compiles them with each node's bpftrace, compile only: nothing is attached. One
"FILE:LINE:COL: severity: message [code]" per finding, or with --json one JSON object per line
(file, line, col, endLine, endCol: 1-based, UTF-16 columns; severity error|warning|info; code;
message).

Exit codes: 0 ok (diff: the same), 1 diff: they differ / check: errors found, 2 usage (or a node
entry that cannot be read), 3 connection/authentication/host key (trace: the connection was lost
or the node stopped the trace), 4 tool error on the node (trace: the script was refused, a probe
type is not available, bpftrace failed), 5 some of several nodes failed (each reported; the others
listed), 6 a local file could not be written (snapshot folder, trust store: full, read-only, not a
folder …; nothing half-written is left), 130 interrupted,
141 standard output was closed (e.g. by head): the work stopped quietly.`;
