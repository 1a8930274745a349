import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { errorMessage } from '../../core/base/errors';
import { lazy } from '../../core/base/lazy';
import type { CheckResult } from '../../core/bpftrace/check';
import type { TargetParams } from '../../server/protocol';
import { notify } from '../../server/protocol';
import type { Ctx } from '../ctx';
import type { NodesApi } from '../nodes/nodesController';
import type * as ClientModule from './client';
import { NodeRequests } from './nodeRequests';

// the language client is a bundle of its own, required with the first bpftrace document
// eslint-disable-next-line @typescript-eslint/no-require-imports
const clientModule = lazy(() => require('./client') as typeof ClientModule);

export const LANGUAGE_ID = 'bpftrace';

/** What "Check on Node" found: bpftrace's diagnostics, and the node and version that compiled it. */
export type NodeCheck = CheckResult & { readonly node: string; readonly version: string };

export interface LanguageApi {
  /** the running client (started with the first bpftrace document) */
  client(): LanguageClient | undefined;
  /** what "Check on Node" found last, per document URI */
  lastCheck(uri: string): NodeCheck | undefined;
}

type LanguageCtx = Ctx & { readonly nodes: NodesApi };

/**
 * The bpftrace language: a language server in its own process (dist/server.js over IPC) for
 * everything that needs no node, plus what only a node can answer — probe lists for completion,
 * wildcard counts for hover, `bpftrace --fmt`, and "Check on Node" (compile only, never attach).
 * Owns the client (started with the first bpftrace document), the target the server was last
 * told, the node requests' cache, and the checks' results and diagnostics; its commands are in
 * commands/ (languageCommands.ts lists them).
 */
export class LanguageController implements vscode.Disposable {
  readonly api: LanguageApi;
  /** what "Check on Node" found last, per document URI */
  readonly checks = new Map<string, NodeCheck>();
  /** the checks' diagnostics (the server's own are another collection) */
  readonly nodeDiagnostics = vscode.languages.createDiagnosticCollection('bpftrace-node');
  readonly requests: NodeRequests;
  private languageClient: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  /** the target (active node, bpftrace version) the server was last told, as JSON */
  private lastTarget = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: LanguageCtx) {
    const { context, nodes } = ctx;
    context.subscriptions.push(this);
    this.disposables.push(this.nodeDiagnostics);
    this.requests = new NodeRequests(nodes.fleet, ctx.log);
    const maybeStart = (d: vscode.TextDocument): void => {
      if (d.languageId === LANGUAGE_ID) void this.start();
    };
    vscode.workspace.textDocuments.forEach(maybeStart);
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument(maybeStart),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // a check's results are for the text that was checked
        if (e.contentChanges.length > 0 && this.nodeDiagnostics.has(e.document.uri)) this.nodeDiagnostics.delete(e.document.uri);
      }),
      nodes.fleet.onDidChange(() => this.sendTarget()),
    );
    this.api = { client: () => this.languageClient, lastCheck: (uri) => this.checks.get(uri) };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  get client(): LanguageClient | undefined {
    return this.languageClient;
  }

  /** Start the client and its server (once; again after a failed start). */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    const { context, log } = this.ctx;
    const module = context.asAbsolutePath(path.join('dist', 'server.js'));
    const c = clientModule().createLanguageClient(
      module,
      vscode.window.createOutputChannel('eBPF Lens bpftrace Language Server', { log: true }),
      LANGUAGE_ID,
      { 'ebpfLens/listProbes': this.requests.listProbes, 'ebpfLens/nodeFormat': this.requests.nodeFormat },
    );
    this.languageClient = c;
    this.disposables.push({ dispose: () => void c.stop().catch(() => undefined) });
    this.starting = c.start().then(
      () => {
        log.info('bpftrace language server started');
        this.resendTarget();
      },
      (e: unknown) => {
        log.error(`bpftrace language server failed to start: ${errorMessage(e)}`);
        this.starting = undefined;
      },
    );
    return this.starting;
  }

  /** Tell the server the target again (it restarted). */
  resendTarget(): void {
    this.lastTarget = '';
    this.sendTarget();
  }

  /** Tell the server the active node and its bpftrace version, when they changed. */
  private sendTarget(): void {
    if (!this.languageClient?.isRunning()) return;
    const p = this.targetParams();
    const key = JSON.stringify(p);
    if (key === this.lastTarget) return;
    this.lastTarget = key;
    void notify(this.languageClient, 'ebpfLens/target', p);
  }

  private targetParams(): TargetParams {
    const { fleet } = this.ctx.nodes;
    const node = fleet.activeNode;
    const version = node ? fleet.view(node)?.info?.bpftrace?.version : undefined;
    return { ...(node ? { node } : {}), ...(version ? { bpftraceVersion: version } : {}) };
  }
}
