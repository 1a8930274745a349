// A stand-in for an editor that turns stats on and then dies without cleaning up (kill -9).
// usage: node holdStats.js NODE  → prints "holding" once the stats are on, then waits.
import { Fleet } from '../../../src/ssh/fleet';
import { context, inventory, nodeConfig } from '../labEnv';

async function main(): Promise<void> {
  const node = process.argv[2] ?? 'edge1';
  const fleet = new Fleet({ ctx: context() });
  fleet.setInventory(inventory([nodeConfig(node)]));
  await fleet.connect(node);
  await fleet.enableStats(node);
  process.stdout.write('holding\n');
  setInterval(() => undefined, 1 << 30);
}
void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
