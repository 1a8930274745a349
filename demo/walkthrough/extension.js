// The demo's walkthrough (npm run demo): opens itself once the window is up, and opens an
// incident source with eBPF Lens's annotations. Not part of eBPF Lens itself.
const path = require('node:path');
const vscode = require('vscode');

const WALKTHROUGH = 'ebpf-lens-demo.ebpf-lens-incident#incident';

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('ebpfLensIncident.openWalkthrough', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false),
    ),
    vscode.commands.registerCommand('ebpfLensIncident.openNode', async () => {
      await vscode.commands.executeCommand('ebpfLens.setActiveNode', 'edge-incident');
      return vscode.commands.executeCommand('ebpfLens.revealNode', 'edge-incident');
    }),
    vscode.commands.registerCommand('ebpfLensIncident.annotate', async (file) => {
      const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
      if (!folder) return undefined;
      const uri = vscode.Uri.file(path.join(folder.uri.fsPath, String(file)));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
      return vscode.commands.executeCommand('ebpfLens.annotate', { uri: uri.toString(), node: 'edge-incident' });
    }),
  );
  if (!context.globalState.get('opened')) {
    void context.globalState.update('opened', true);
    void vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
  }
}

module.exports = { activate, deactivate() {} };
