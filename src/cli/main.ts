import { errorMessage } from '../core/base/errors';
import { cmdCheck } from './commands/check';
import { cmdDiff } from './commands/diff';
import { cmdGuardScript } from './commands/guardScript';
import { cmdList } from './commands/list';
import { cmdSnapshot } from './commands/snapshot';
import { cmdTrace } from './commands/trace';
import type { CliIO } from './common';
import { UsageError, argsMessage } from './common';
import { Exit, exitCodeFor } from './exitCodes';
import type { Parsed, Verb } from './options';
import { VERBS, parseVerb } from './options';
import { USAGE } from './usage';

export type { CliIO } from './common';

interface Command<V extends Verb> {
  /** takes arguments that are not options (script or snapshot files) */
  readonly positionals: boolean;
  readonly run: (p: Parsed<V>, io: CliIO) => number | Promise<number>;
}

const COMMANDS: { readonly [V in Verb]: Command<V> } = {
  list: { positionals: false, run: cmdList },
  trace: { positionals: true, run: cmdTrace },
  snapshot: { positionals: false, run: cmdSnapshot },
  diff: { positionals: true, run: cmdDiff },
  check: { positionals: true, run: cmdCheck },
  'guard-script': { positionals: false, run: cmdGuardScript },
};

async function runVerb<V extends Verb>(verb: V, args: string[], io: CliIO): Promise<number> {
  const command: Command<V> = COMMANDS[verb];
  const parsed = parseVerb(verb, args, command.positionals);
  if (parsed.help) {
    io.out(USAGE);
    return Exit.ok;
  }
  return command.run(parsed, io);
}

const isVerb = (s: string): s is Verb => (VERBS as readonly string[]).includes(s);

async function run(command: string | undefined, rest: string[], io: CliIO): Promise<number> {
  if (command !== undefined && isVerb(command)) return runVerb(command, rest, io);
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? Exit.usage : Exit.ok;
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const code = await run(command, rest, io);
    // a reader that went away while the last lines were written is known once they are flushed
    await io.flush?.();
    return io.outputClosed?.() ? Exit.outputClosed : code;
  } catch (e) {
    if (io.outputClosed?.()) return Exit.outputClosed;
    const parse = argsMessage(e, rest);
    const usage = e instanceof UsageError || parse !== undefined;
    io.err(`ebpf-lens: ${parse ?? errorMessage(e)}${usage ? '\n(ebpf-lens --help for usage)' : ''}`);
    return usage ? Exit.usage : exitCodeFor(e);
  }
}

/**
 * The process's standard streams. A reader that closes standard output (`| head -2`) is not an
 * error: the command is told once, stops its work as Ctrl-C would, and ends quietly; writes
 * after that are dropped. A closed standard error is ignored.
 */
export function processIO(): CliIO {
  let closed = false;
  const listeners: (() => void)[] = [];
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (closed) return;
    closed = true;
    for (const l of listeners.splice(0)) l();
  });
  process.stderr.on('error', () => undefined);
  const write = (stream: NodeJS.WriteStream, s: string): void => {
    if (stream === process.stdout && closed) return;
    stream.write(s);
  };
  return {
    out: (s) => write(process.stdout, `${s}\n`),
    write: (s) => write(process.stdout, s),
    err: (s) => write(process.stderr, `${s}\n`),
    env: process.env,
    onOutputClosed: (l) => {
      if (closed) l();
      else listeners.push(l);
    },
    outputClosed: () => closed,
    flush: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        process.stdout.write('', () => setImmediate(resolve));
      }),
  };
}

if (require.main === module) {
  void main(process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
  });
}
