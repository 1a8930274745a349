import type * as vscode from 'vscode';
import type { Config } from './config';

/**
 * What every capability is given: the extension's context (its disposables, storage, secrets),
 * the log and the settings. A capability that builds on another gets that one's API next to it.
 */
export interface Ctx {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly config: Config;
}
