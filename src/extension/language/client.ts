import type * as vscode from 'vscode';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { ServerRequestHandlers } from '../../server/protocol';
import { handleRequests } from '../../server/protocol';

/**
 * The language client, bundled on its own (dist/languageClient.js; esbuild.mjs) and required
 * when the first bpftrace document opens: it is 40 % of the extension's code, and most windows
 * never open a .bt file. `handlers` answer the server's custom requests (src/server/protocol.ts).
 */
export function createLanguageClient(
  serverModule: string,
  outputChannel: vscode.LogOutputChannel,
  languageId: string,
  handlers: ServerRequestHandlers,
): LanguageClient {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = { documentSelector: [{ language: languageId }], outputChannel };
  const client = new LanguageClient('ebpfLens.bpftrace', 'bpftrace Language Server', serverOptions, clientOptions);
  handleRequests(client, handlers);
  return client;
}
