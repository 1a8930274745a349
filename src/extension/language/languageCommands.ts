import type { CommandsOf } from '../commandIds';
import type { CheckArgs } from './commands/checkOnNode';
import { checkOnNode } from './commands/checkOnNode';
import { restartLanguageServer } from './commands/restartLanguageServer';
import type { LanguageController } from './languageController';

/** The language commands: each id → its function (commands/), given the controller. */
export function languageCommands(c: LanguageController): CommandsOf<'language'> {
  return {
    'ebpfLens.checkOnNode': (args?: CheckArgs) => checkOnNode(c, args),
    'ebpfLens.restartLanguageServer': () => restartLanguageServer(c),
  };
}
