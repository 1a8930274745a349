import type * as vscode from 'vscode';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';

/**
 * The language client, bundled on its own (dist/languageClient.js; esbuild.mjs) and required
 * when the first bpftrace document opens: it is 40 % of the extension's code, and most windows
 * never open a .bt file.
 */
export function createLanguageClient(serverModule: string, outputChannel: vscode.LogOutputChannel, languageId: string): LanguageClient {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = { documentSelector: [{ language: languageId }], outputChannel };
  return new LanguageClient('ebpfLens.bpftrace', 'bpftrace Language Server', serverOptions, clientOptions);
}
