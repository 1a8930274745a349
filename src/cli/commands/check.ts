import * as fs from 'node:fs';
import type { Version } from '../../core/bpftrace/catalog';
import { parseVersion } from '../../core/bpftrace/catalog';
import { runCheck } from '../../core/bpftrace/check';
import { mapLimit } from '../../core/base/concurrency';
import { ToolError, errorKind, errorMessage } from '../../core/base/errors';
import type { NodeConfig } from '../../core/inventory/inventory';
import { NodeClient } from '../../ssh/nodeClient';
import type { CheckLine } from '../check';
import { checkLineText, checkText, nodeCheckLines } from '../check';
import type { CliIO } from '../common';
import { UsageError, positiveSeconds } from '../common';
import { Exit, exitCodeFor } from '../exitCodes';
import type { Parsed } from '../options';
import { fleetExit, openSelection } from '../select';

interface ScriptFile {
  readonly file: string;
  readonly text: string;
}

function readScripts(positionals: readonly string[]): ScriptFile[] {
  if (positionals.length === 0) throw new UsageError('give one or more script files (or - for standard input)');
  return positionals.map((f) => {
    try {
      return { file: f === '-' ? '<stdin>' : f, text: f === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(f, 'utf8') };
    } catch (e) {
      throw new UsageError(`cannot read ${f}: ${errorMessage(e)}`);
    }
  });
}

/** The node's bpftrace compiles each file (compile only: nothing attaches). */
async function onNode(
  node: NodeConfig,
  inventory: readonly NodeConfig[],
  ctx: Parameters<typeof NodeClient.open>[2],
  files: readonly ScriptFile[],
) {
  let client: NodeClient | undefined;
  try {
    client = await NodeClient.open(node, inventory, ctx);
    const v = client.info.bpftrace?.version;
    if (!client.info.bpftrace || !v)
      throw new ToolError('missing', `bpftrace is not installed on ${node.name} (or did not say its version)`);
    const lines: CheckLine[] = [];
    for (const f of files) {
      const c = client;
      const r = await runCheck((cmd) => c.run(cmd), v, f.text);
      lines.push(...nodeCheckLines(f.file, r.diagnostics, node.name));
      c.noteEnvironment(r.environment);
    }
    // what bpftrace said about the node itself: once per node, not once per file
    const notes = client.environment.map((n) => `ebpf-lens: note: ${node.name}: ${n.title}: ${n.meaning}`);
    return { node: node.name, version: parseVersion(v), lines, notes, code: Exit.ok };
  } catch (e) {
    return {
      node: node.name,
      version: undefined,
      lines: [],
      notes: [],
      code: exitCodeFor(e),
      error: `${node.name}: ${errorKind(e)}: ${errorMessage(e)}`,
    };
  } finally {
    client?.close();
  }
}

export async function cmdCheck({ values, positionals }: Parsed<'check'>, io: CliIO): Promise<number> {
  let target: Version | undefined;
  if (values['target-version'] !== undefined) {
    target = parseVersion(values['target-version']);
    if (!target) throw new UsageError(`--target-version wants a version like 0.17 (got ${JSON.stringify(values['target-version'])})`);
  }
  const files = readScripts(positionals);
  const onNodes: CheckLine[] = [];
  const codes: number[] = [];
  if (values.node || values.tag) {
    const timeoutS = positiveSeconds(values.timeout, '--timeout');
    const { inv, sel, ctx } = openSelection(values, timeoutS, io, false);
    const results = await mapLimit(sel.nodes, 4, (n) => onNode(n, inv.nodes, ctx, files));
    for (const r of results) {
      onNodes.push(...r.lines);
      for (const n of r.notes) io.err(n);
      if (r.error) io.err(`ebpf-lens: ${r.error}`);
      codes.push(r.code);
    }
    for (const n of sel.invalid) {
      io.err(`ebpf-lens: ${n.name}: config: ${n.message}`);
      codes.push(Exit.usage);
    }
    // the oldest node's version is the target unless one was given
    const versions = results
      .map((r) => r.version)
      .filter((v): v is Version => v !== undefined)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    target ??= versions[0];
  }
  const found = [...files.flatMap((f) => checkText(f.file, f.text, target)), ...onNodes];
  for (const l of found) io.out(values.json ? JSON.stringify(l) : checkLineText(l));
  const errors = found.filter((l) => l.severity === 'error').length;
  await io.flush?.();
  if (io.outputClosed?.()) return Exit.outputClosed;
  if (!values.json && found.length > 0)
    io.err(
      `${errors} error${errors === 1 ? '' : 's'}, ${found.length - errors} other finding${found.length - errors === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`,
    );
  const nodes = fleetExit(codes, Exit.ok, Exit.someNodesFailed);
  if (nodes !== Exit.ok) return nodes;
  return errors > 0 ? Exit.findings : Exit.ok;
}
