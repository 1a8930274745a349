import * as vscode from 'vscode';
import type { TraceRun } from '../../ssh/trace';
import type { TraceSession } from '../../ssh/traceSession';

/** A trace that is starting, running or stopping: what the status bar counts and the tree shows. */
export const isLive = (run: TraceRun): boolean => run.state === 'running' || run.state === 'starting' || run.state === 'stopping';

/**
 * What shows that traces run: the status bar item (how many, on which nodes; a click opens the
 * results) and the Nodes tree's trace rows, kept moving every 2 s while something runs.
 */
export class TraceActivity implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('ebpfLens.traces', vscode.StatusBarAlignment.Left, 49);
  private ticking: NodeJS.Timeout | undefined;

  constructor(
    private readonly liveSessions: () => TraceSession[],
    private readonly rebuildTree: () => void,
  ) {
    this.status.command = 'ebpfLens.showTraceResults';
    this.status.name = 'eBPF traces';
  }

  refresh(): void {
    const live = this.liveSessions();
    const n = live.reduce((a, s) => a + s.runs().filter(isLive).length, 0);
    if (n > 0) {
      this.status.text = `$(pulse) ${n} trace${n === 1 ? '' : 's'}`;
      this.status.tooltip = `${live.map((s) => `${s.title} on ${s.nodes.join(', ')}`).join('\n')}\n\nClick to open results or stop.`;
      this.status.show();
    } else this.status.hide();
    this.rebuildTree();
    // the tree shows seconds and event counts: keep it moving while something runs
    if (n > 0 && !this.ticking) {
      this.ticking = setInterval(() => this.refresh(), 2000);
    } else if (n === 0 && this.ticking) {
      clearInterval(this.ticking);
      this.ticking = undefined;
    }
  }

  dispose(): void {
    this.status.dispose();
    if (this.ticking) clearInterval(this.ticking);
  }
}
