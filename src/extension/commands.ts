import * as vscode from 'vscode';
import { CancelledError, InputError, SshError, StorageError, ToolError, errorMessage } from '../core/base/errors';

import type { CommandHandler, CommandId } from './commandIds';

/**
 * Register commands so that every one logs its failures, shows the user a one-line message
 * (never a stack trace) with a "Show Log" action, and treats cancellation as silence.
 * The handler's return value is passed through (commands callable with arguments return data).
 */
export function registerCommands(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  table: ReadonlyMap<CommandId, CommandHandler>,
): void {
  for (const [id, handler] of table) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await (handler as (...a: unknown[]) => unknown)(...args);
        } catch (e) {
          if (CancelledError.is(e) || e instanceof vscode.CancellationError) return undefined;
          log.error(`${id}: ${errorMessage(e)}`);
          if (e instanceof Error && !(SshError.is(e) || ToolError.is(e) || InputError.is(e) || StorageError.is(e)))
            log.debug(e.stack ?? '');
          void vscode.window.showErrorMessage(errorMessage(e), 'Show Log').then((pick) => {
            if (pick) log.show(true);
          });
          return undefined;
        }
      }),
    );
  }
}
