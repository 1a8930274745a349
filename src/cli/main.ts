import { errorMessage } from '../core/base/errors';
import { installedGuardFile } from '../core/trace/guard';
import { cmdCheck } from './checkCmd';
import type { CliIO } from './common';
import { UsageError, argsMessage } from './common';
import { Exit, exitCodeFor } from './exitCodes';
import { cmdList } from './list';
import { cmdDiff, cmdSnapshot } from './snapshotCmd';
import { cmdTrace } from './traceCmd';
import { USAGE } from './usage';

export type { CliIO } from './common';

async function run(command: string | undefined, rest: string[], io: CliIO): Promise<number> {
  switch (command) {
    case 'list':
      return cmdList(rest, io);
    case 'trace':
      return cmdTrace(rest, io);
    case 'snapshot':
      return cmdSnapshot(rest, io);
    case 'diff':
      return cmdDiff(rest, io);
    case 'check':
      return cmdCheck(rest, io);
    case 'guard-script':
      // the root-owned guard a team may install on its nodes (SECURITY.md)
      (io.write ?? ((t: string) => process.stdout.write(t)))(installedGuardFile());
      return Exit.ok;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out(USAGE);
      return command === undefined ? Exit.usage : Exit.ok;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
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
