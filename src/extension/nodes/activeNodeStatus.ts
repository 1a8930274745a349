import * as vscode from 'vscode';
import { compact } from '../../core/nodes/stats';
import type { Fleet } from '../../ssh/fleet';

/** The status bar item of the active node (its state, programs, events per second), and the `ebpfLens.hasActiveNode` context key. */
export class ActiveNodeStatus implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('ebpfLens.activeNode', vscode.StatusBarAlignment.Left, 50);
  private hadActive: boolean | undefined;

  constructor(private readonly fleet: Fleet) {
    this.status.name = 'eBPF Lens: Active Node';
    this.status.command = 'ebpfLens.selectActiveNode';
  }

  update(): void {
    const { fleet, status } = this;
    const has = fleet.activeNode !== undefined;
    if (has !== this.hadActive) {
      this.hadActive = has;
      void vscode.commands.executeCommand('setContext', 'ebpfLens.hasActiveNode', has);
    }
    if (fleet.names().length === 0) {
      status.hide();
      return;
    }
    const a = fleet.activeNode ? fleet.view(fleet.activeNode) : undefined;
    if (!a) {
      status.text = '$(server-environment) eBPF: no active node';
      status.tooltip = 'Select the node that runs, completes and annotates for this workspace';
    } else {
      const progs = a.listing?.programs.length;
      const rate = a.stats ? [...a.stats.values()].reduce((s, x) => s + x.eventsPerSec, 0) : undefined;
      const icon = a.state === 'connected' ? '$(vm-running)' : a.error ? '$(error)' : '$(vm-outline)';
      status.text = `${icon} ${a.config.name}${progs !== undefined ? ` · ${progs} progs` : ''}${rate !== undefined ? ` · ${compact(rate)} ev/s` : ''}`;
      status.tooltip = `eBPF Lens active node: ${a.config.name} (${a.state})${a.error ? `\n${a.error.message}` : ''}\nClick to choose another.`;
    }
    status.show();
  }

  dispose(): void {
    this.status.dispose();
  }
}
