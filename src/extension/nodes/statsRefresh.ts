import type * as vscode from 'vscode';
import type { Fleet } from '../../ssh/fleet';

/** Live stats: every interval, refresh the nodes that have them on. */
export class StatsRefresh implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fleet: Fleet,
    private readonly intervalMs: () => number,
  ) {
    this.restart();
  }

  /** start again with the interval the settings give now */
  restart(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      const nodes = this.fleet.statsNodes();
      if (nodes.length > 0) void this.fleet.refreshAll(nodes);
    }, this.intervalMs());
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
