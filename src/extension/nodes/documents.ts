import * as vscode from 'vscode';
import { normalizeXlated, xlatedDump } from '../../core/bpftool/xlated';
import type { Fleet } from '../../ssh/fleet';

export const SCHEME = 'ebpf-lens';

/** ebpf-lens:/<node>/<program|map|link>/<id>/<name>.<xlated|json> */
export function objectUri(node: string, type: 'program' | 'map' | 'link', id: number, name: string, ext: 'xlated' | 'json'): vscode.Uri {
  const safe = (name || type).replace(/[^A-Za-z0-9._-]/g, '_');
  return vscode.Uri.from({ scheme: SCHEME, path: `/${node}/${type}/${id}/${safe}.${ext}` });
}

/** Read-only documents for program dumps and JSON views, fetched from the node when opened. */
export class ObjectDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly fleet: Fleet) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const [, node = '', type = '', idText = '', file = ''] = uri.path.split('/');
    const id = Number(idText);
    const listing = this.fleet.listing(node);
    if (!listing) return `// ${node} is not connected: connect it and open this again.\n`;
    if (file.endsWith('.json')) {
      const obj =
        type === 'program'
          ? listing.programs.find((p) => p.program.id === id)
          : type === 'map'
            ? listing.maps.find((m) => m.id === id)
            : listing.links.find((l) => l.id === id);
      if (!obj) return `// ${type} #${id} is no longer loaded on ${node}\n`;
      const raw = 'program' in obj ? { ...obj.program.raw, attach: obj.attach, owners: obj.owners, mapNames: obj.mapNames } : obj.raw;
      return `${JSON.stringify(raw, null, 2)}\n`;
    }
    const lp = listing.programs.find((p) => p.program.id === id);
    const text = await this.fleet.run(node, xlatedDump(id), token);
    const mapName = (mid: number): string | undefined => listing.maps.find((m) => m.id === mid)?.name;
    const p = lp?.program;
    const header = [
      `; ${p?.name || '(no name)'} — ${p?.type ?? 'program'} #${id} on ${node}`,
      p ? `; tag ${p.tag}${p.loadedAt !== undefined ? `, loaded ${new Date(p.loadedAt * 1000).toISOString()}` : ''}` : undefined,
      '; xlated instructions, normalised: map ids → map names, helper addresses removed',
      '',
    ].filter((l): l is string => l !== undefined);
    return `${header.join('\n')}\n${normalizeXlated(text, mapName)}`;
  }
}
