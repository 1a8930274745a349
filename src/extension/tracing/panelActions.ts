import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../core/base/files';
import { deviceNames } from '../../core/nodes/listing';
import { runMarkdown } from '../../core/trace/savedRun';
import type { PanelActions } from './resultsPanel';
import type { TraceSession } from '../../ssh/traceSession';
import type { TracingController } from './tracingController';

/** What the results views' buttons do: stop, re-run, copy as Markdown, save as JSON. */
export function panelActions(c: TracingController): PanelActions {
  const { fleet } = c.ctx.nodes;
  return {
    nodeFacts: (node) => {
      const l = fleet.listing(node);
      return l ? { programs: new Map(l.programs.map((p) => [p.program.id, p.program.name])), interfaces: deviceNames(l) } : undefined;
    },
    stop: (s) => s.stop('stop'),
    rerun: (s) =>
      void c
        .start({
          script: s.script,
          nodes: [...s.nodes],
          title: s.title,
          maxSec: s.maxSec || c.maxSec(),
          ...(s.source ? { source: s.source, runScript: s.runScript } : {}),
        })
        .then(undefined, (e: unknown) => c.showError('Re-run', e)),
    copyMarkdown: async (s, compare) => {
      const md = compare ? compare.markdown : s ? runMarkdown(s.toSaved()) : '';
      await vscode.env.clipboard.writeText(md);
      void vscode.window.setStatusBarMessage('$(check) Copied as Markdown', 3000);
    },
    saveJson: (s) => saveJson(c, s),
  };
}

async function saveJson(c: TracingController, s: TraceSession): Promise<void> {
  const def = vscode.Uri.file(
    path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? c.ctx.context.globalStorageUri.fsPath, `trace-${s.id}.json`),
  );
  const to = await vscode.window.showSaveDialog({ defaultUri: def, filters: { JSON: ['json'] }, title: 'Save trace results as JSON' });
  if (!to) return;
  try {
    await writeFileAtomic(to.fsPath, JSON.stringify(s.toSaved(), null, 1));
  } catch (e) {
    c.showError('Save as JSON', e);
    return;
  }
  void vscode.window.setStatusBarMessage(`$(check) Saved ${path.basename(to.fsPath)}`, 3000);
}
