import * as vscode from 'vscode';
import { Emitter } from '../core/base/event';
import { errorMessage } from '../core/base/errors';
import { commandTable } from './commandIds';
import type { Ctx } from './ctx';
import { registerCommands } from './commands';
import { Config } from './config';
import type { NodesApi } from './nodes/nodesController';
import { NodesController } from './nodes/nodesController';
import { nodesCommands } from './nodes/nodesCommands';
import type { AnnotationsApi } from './annotations/annotationsController';
import { AnnotationsController } from './annotations/annotationsController';
import { annotationsCommands } from './annotations/annotationsCommands';
import type { DeploymentsApi } from './deployments/deploymentsController';
import { DeploymentsController } from './deployments/deploymentsController';
import { deploymentsCommands } from './deployments/deploymentsCommands';
import type { LanguageApi } from './language/languageController';
import { LanguageController } from './language/languageController';
import { languageCommands } from './language/languageCommands';
import type { EbpfLensPublicApi } from './publicApi';
import { publicApi } from './publicApi';
import type { TracingApi } from './tracing/tracingController';
import { TracingController } from './tracing/tracingController';
import { tracingCommands } from './tracing/tracingCommands';

/** set by the bundle's first and last lines (esbuild.mjs): when evaluating it began and ended; absent in unbundled runs */
declare const __ebpfLensLoadStart: number | undefined;
declare const __ebpfLensLoadEnd: number | undefined;

/**
 * The whole internal API: exported only to the extension's own tests (`ExtensionMode.Test`).
 * Every other caller gets `EbpfLensPublicApi` (read-only facts; publicApi.ts).
 */
export interface EbpfLensApi {
  readonly log: vscode.LogOutputChannel;
  /** ms: evaluating the bundle (when known), the wait before VS Code called activate(), and activate() itself */
  readonly activation: { readonly loadMs?: number; readonly waitMs?: number; readonly activateMs: number };
  readonly nodes: NodesApi;
  readonly tracing: TracingApi;
  readonly deployments: DeploymentsApi;
  readonly language: LanguageApi;
  readonly annotations: AnnotationsApi;
  /** what production callers get */
  readonly public: EbpfLensPublicApi;
}

/**
 * Activation only wires capabilities; each lives in its own folder, its controller registered on
 * the context (it disposes what it made), its commands in a table given the controller.
 */
export function activate(context: vscode.ExtensionContext): EbpfLensApi | EbpfLensPublicApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('eBPF Lens', { log: true });
  context.subscriptions.push(log);
  // a listener of the fleet's, a session's or a trace's events that throws is logged, not lost
  Emitter.onListenerError = (e) =>
    log.error(`an event listener failed: ${errorMessage(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ''}`);
  try {
    const config = new Config();
    const ctx: Ctx = { context, log, config };
    const nodes = new NodesController(ctx);
    const tracing = new TracingController({ ...ctx, nodes: nodes.api });
    const deployments = new DeploymentsController({ ...ctx, nodes: nodes.api, tracing: tracing.api });
    const language = new LanguageController({ ...ctx, nodes: nodes.api });
    const annotations = new AnnotationsController({ ...ctx, nodes: nodes.api, tracing: tracing.api });
    nodes.api.tree.setDecorator((v) => ({
      ...v,
      deployments: deployments.entries(v.config.name),
      traces: tracing.api.tracesOn(v.config.name),
    }));
    registerCommands(
      context,
      log,
      commandTable({
        nodes: nodesCommands(nodes),
        tracing: tracingCommands(tracing),
        deployments: deploymentsCommands(deployments),
        language: languageCommands(language),
        annotations: annotationsCommands(annotations),
        extension: { 'ebpfLens.showLog': () => log.show(true) },
      }),
    );
    const loadStart = typeof __ebpfLensLoadStart === 'number' ? __ebpfLensLoadStart : undefined;
    const loadEnd = typeof __ebpfLensLoadEnd === 'number' ? __ebpfLensLoadEnd : undefined;
    const activation = {
      ...(loadStart !== undefined && loadEnd !== undefined ? { loadMs: loadEnd - loadStart, waitMs: t0 - loadEnd } : {}),
      activateMs: performance.now() - t0,
    };
    log.info(
      `activated in ${activation.activateMs.toFixed(1)} ms${activation.loadMs !== undefined ? ` (bundle loaded in ${activation.loadMs.toFixed(1)} ms)` : ''}`,
    );
    const facts = publicApi(nodes.api.fleet);
    // another extension must not reach a connection, a session or anything that runs on a node
    if (context.extensionMode !== vscode.ExtensionMode.Test) return facts;
    return {
      log,
      activation,
      nodes: nodes.api,
      tracing: tracing.api,
      deployments: deployments.api,
      language: language.api,
      annotations: annotations.api,
      public: facts,
    };
  } catch (e) {
    log.error(`activation failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void vscode.window
      .showErrorMessage(`eBPF Lens failed to start: ${e instanceof Error ? e.message : String(e)}`, 'Show Log')
      .then((p) => p && log.show());
    throw e;
  }
}

export function deactivate(): void {
  // every disposable is registered on the extension context (connections close, stats are restored)
}
