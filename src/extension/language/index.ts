import * as path from 'node:path';
import type { Ctx } from '../ctx';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CheckResult } from '../../core/bpftrace/check';
import { checkCommand } from '../../core/bpftrace/check';
import { formatCommand, listProbesCommand } from '../../core/bpftrace/nodeTools';
import type { ListProbesParams, ListProbesResult, NodeFormatParams, NodeFormatResult, TargetParams } from '../../core/bpftrace/protocol';
import { ListProbesRequest, NodeFormatRequest, TargetNotification } from '../../core/bpftrace/protocol';
import { errorMessage } from '../../core/base/errors';
import type { ScriptDiagnostic } from '../../core/trace/diagnostics';
import type { CommandsOf } from '../commandIds';
import type { NodesApi } from '../nodes/nodesController';
import type * as ClientModule from './client';
import { lazy } from '../../core/base/lazy';

// the language client is a bundle of its own, required with the first bpftrace document
// eslint-disable-next-line @typescript-eslint/no-require-imports
const clientModule = lazy(() => require('./client') as typeof ClientModule);

export const LANGUAGE_ID = 'bpftrace';

export interface LanguageApi {
  /** the running client (started with the first bpftrace document) */
  client(): LanguageClient | undefined;
  /** what "Check on Node" found last, per document URI */
  lastCheck(uri: string): (CheckResult & { readonly node: string; readonly version: string }) | undefined;
}

interface CheckArgs {
  readonly uri?: string;
  readonly node?: string;
}

/**
 * The bpftrace language: a language server in its own process (dist/server.js over IPC) for
 * everything that needs no node, plus what only a node can answer — probe lists for completion,
 * wildcard counts for hover, `bpftrace --fmt`, and "Check on Node" (compile only, never attach).
 */
export function registerLanguage(ctx: Ctx & { readonly nodes: NodesApi }): { api: LanguageApi; commands: CommandsOf<'language'> } {
  const { context, log, nodes } = ctx;
  let client: LanguageClient | undefined;
  let starting: Promise<void> | undefined;
  /** `bpftrace -l` answers per node + boot + pattern (a reboot may bring another kernel) */
  const probeCache = new Map<string, Promise<ListProbesResult>>();
  const checks = new Map<string, CheckResult & { node: string; version: string }>();
  const nodeDiagnostics = vscode.languages.createDiagnosticCollection('bpftrace-node');
  context.subscriptions.push(nodeDiagnostics);

  const targetParams = (): TargetParams => {
    const node = nodes.fleet.activeNode;
    const version = node ? nodes.fleet.view(node)?.info?.bpftrace?.version : undefined;
    return { ...(node ? { node } : {}), ...(version ? { bpftraceVersion: version } : {}) };
  };
  let lastTarget = '';
  const sendTarget = (): void => {
    if (!client?.isRunning()) return;
    const p = targetParams();
    const key = JSON.stringify(p);
    if (key === lastTarget) return;
    lastTarget = key;
    void client.sendNotification(TargetNotification.method, p);
  };

  const listProbes = async (p: ListProbesParams): Promise<ListProbesResult> => {
    const node = nodes.fleet.activeNode;
    if (!node) return { error: 'no active node' };
    const nc = nodes.fleet.client(node);
    if (!nc) return { error: `${node} is not connected` };
    const key = `${node}\0${nc.info.bootId}\0${p.verbose ? 'v' : ''}\0${p.pattern}`;
    let r = probeCache.get(key);
    if (!r) {
      r = nodes.fleet.run(node, listProbesCommand(p.pattern, p.verbose)).then(
        (l) => ({ node, lines: l.lines, truncated: l.truncated }),
        (e: unknown) => {
          probeCache.delete(key);
          log.warn(`bpftrace -l ${p.pattern} on ${node}: ${errorMessage(e)}`);
          return { error: errorMessage(e) };
        },
      );
      probeCache.set(key, r);
      if (probeCache.size > 200) probeCache.delete(probeCache.keys().next().value as string);
    }
    return r;
  };

  const nodeFormat = async (p: NodeFormatParams): Promise<NodeFormatResult> => {
    const node = nodes.fleet.activeNode;
    if (!node || !nodes.fleet.client(node)) return { unavailable: true };
    try {
      return await nodes.fleet.run(node, formatCommand(p.text));
    } catch (e) {
      return { error: errorMessage(e) };
    }
  };

  const start = (): Promise<void> => {
    if (starting) return starting;
    const module = context.asAbsolutePath(path.join('dist', 'server.js'));
    const c = clientModule().createLanguageClient(
      module,
      vscode.window.createOutputChannel('eBPF Lens bpftrace Language Server', { log: true }),
      LANGUAGE_ID,
    );
    client = c;
    context.subscriptions.push({ dispose: () => void c.stop().catch(() => undefined) });
    c.onRequest(ListProbesRequest.method, listProbes);
    c.onRequest(NodeFormatRequest.method, nodeFormat);
    starting = c.start().then(
      () => {
        log.info('bpftrace language server started');
        lastTarget = '';
        sendTarget();
      },
      (e: unknown) => {
        log.error(`bpftrace language server failed to start: ${errorMessage(e)}`);
        starting = undefined;
      },
    );
    return starting;
  };

  const maybeStart = (d: vscode.TextDocument): void => {
    if (d.languageId === LANGUAGE_ID) void start();
  };
  vscode.workspace.textDocuments.forEach(maybeStart);
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(maybeStart),
    vscode.workspace.onDidChangeTextDocument((e) => {
      // a check's results are for the text that was checked
      if (e.contentChanges.length > 0 && nodeDiagnostics.has(e.document.uri)) nodeDiagnostics.delete(e.document.uri);
    }),
  );
  const onFleet = (): void => sendTarget();
  context.subscriptions.push(nodes.fleet.onDidChange(onFleet));

  const toRange = (doc: vscode.TextDocument, d: ScriptDiagnostic): vscode.Range => {
    const line = Math.max(0, Math.min(doc.lineCount - 1, (d.line ?? 1) - 1));
    const text = doc.lineAt(line).text;
    const col = d.col !== undefined ? Math.max(0, d.col - 1) : text.length - text.trimStart().length;
    const endLine = Math.max(line, Math.min(doc.lineCount - 1, (d.endLine ?? d.line ?? 1) - 1));
    const endText = doc.lineAt(endLine).text;
    const endCol = d.endCol !== undefined ? Math.max(endLine === line ? col + 1 : 0, d.endCol - 1) : endText.length;
    return new vscode.Range(line, col, endLine, Math.max(endLine === line ? col + 1 : 0, endCol));
  };

  async function checkOnNode(args: CheckArgs = {}): Promise<CheckResult & { node: string; version: string }> {
    const doc = args.uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(args.uri)) : vscode.window.activeTextEditor?.document;
    if (!doc) throw new Error('no script: open a .bt file first');
    const node = args.node ?? nodes.fleet.activeNode;
    if (!node) throw new Error('no node: set an active node (eBPF: Select Active Node…)');
    const text = doc.getText();
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Checking ${path.basename(doc.fileName)} on ${node} (compile only)…`,
        cancellable: true,
      },
      async (_p, token) => {
        const nc = await nodes.fleet.connect(node, token);
        const version = nc.info.bpftrace?.version;
        if (!nc.info.bpftrace) throw new Error(`bpftrace is not installed on ${node}`);
        if (!version) throw new Error(`bpftrace on ${node} did not say its version: the check is not run (it could attach)`);
        const r = await nodes.fleet.run(node, checkCommand(version, text), token);
        return { ...r, node, version };
      },
    );
    checks.set(doc.uri.toString(), result);
    nodeDiagnostics.set(
      doc.uri,
      result.diagnostics.map((d) => {
        const diag = new vscode.Diagnostic(
          toRange(doc, d),
          d.message,
          d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diag.source = `bpftrace ${result.version} on ${node}`;
        return diag;
      }),
    );
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    log.info(`check on ${node} (bpftrace ${result.version}, ${result.mode}): ${result.ok ? 'ok' : `${errors} error(s)`}`);
    if (result.ok)
      void vscode.window.showInformationMessage(
        `bpftrace ${result.version} on ${node} compiled the script without errors (compile only: nothing was attached).`,
      );
    else
      void vscode.window.showWarningMessage(
        `bpftrace ${result.version} on ${node}: ${errors} error${errors === 1 ? '' : 's'} (see Problems).`,
      );
    return result;
  }

  return {
    api: { client: () => client, lastCheck: (uri) => checks.get(uri) },
    commands: {
      'ebpfLens.checkOnNode': (args?: CheckArgs) => checkOnNode(args),
      'ebpfLens.restartLanguageServer': async () => {
        if (!client) return start();
        probeCache.clear();
        await client.restart();
        lastTarget = '';
        sendTarget();
      },
    },
  };
}
