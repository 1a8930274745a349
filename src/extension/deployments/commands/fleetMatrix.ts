import * as vscode from 'vscode';
import { fleetMatrix } from '../../../core/snapshot/diff';
import type { Snapshot } from '../../../core/snapshot/model';
import type { DeploymentsController } from '../deploymentsController';

/** `ebpfLens.showFleetMatrix`: program → tag per node, from each node's latest snapshot, as Markdown. */
export async function showFleetMatrix(c: DeploymentsController): Promise<ReturnType<typeof fleetMatrix>> {
  const snaps: Snapshot[] = [];
  for (const n of c.ctx.nodes.fleet.names().sort()) {
    const s = await c.store().latest(n);
    if (s) snaps.push(s);
  }
  if (snaps.length === 0) throw new Error('no deployment snapshots yet: connect nodes first');
  const m = fleetMatrix(snaps);
  const rows = m.programs.map((p) => {
    const tags = m.nodes.map((n) => m.tags[p]?.[n]?.join(', ') ?? '—');
    const distinct = new Set(tags.filter((t) => t !== '—'));
    return `| ${p}${distinct.size > 1 ? ' ⚠' : ''} | ${tags.map((t) => `\`${t.slice(0, 16)}\``).join(' | ')} |`;
  });
  const md = `# Fleet matrix: program → tag per node\n\nLatest snapshot of each node; ⚠ marks a program whose tag differs between nodes.\n\n| program | ${m.nodes.join(' | ')} |\n|---|${m.nodes.map(() => '---').join('|')}|\n${rows.join('\n')}\n`;
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: md });
  await vscode.window.showTextDocument(doc);
  return m;
}
