import * as vscode from 'vscode';

/**
 * Activation only wires capabilities; each lives in its own folder (nodes, tracing, annotations,
 * deployments, language client) and registers its disposables on the context it is given.
 */
export function activate(context: vscode.ExtensionContext): { readonly log: vscode.LogOutputChannel } {
  const log = vscode.window.createOutputChannel('eBPF Lens', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('ebpfLens.showLog', () => log.show(true)),
  );
  return { log };
}

export function deactivate(): void {
  // every disposable is registered on the extension context
}
