// A client that starts a trace and is then killed (kill -9) by the test: no stop, no goodbye.
// usage: node traceHolder.js NODE USER  → prints "attached <bpftrace pid>" and waits.
import { TraceRun } from '../../../src/ssh/trace';
import { openNode } from '../labEnv';

async function main(): Promise<void> {
  const [node = 'edge1', user = 'root'] = process.argv.slice(2);
  const c = await openNode(node, { user });
  const t = await TraceRun.start(c, { script: 'tracepoint:syscalls:sys_enter_nanosleep { @n = count(); }', heartbeatTimeoutSec: 10 });
  await t.attached;
  process.stdout.write(`attached ${t.bpftracePid ?? 0}\n`);
  setInterval(() => undefined, 1 << 30);
}
void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
