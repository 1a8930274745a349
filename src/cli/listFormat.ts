import type { AttachPoint, NodeListing } from '../core/nodes/listing';
import type { NodeInfo } from '../core/remote/nodeInfo';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

export function attachText(a: AttachPoint): string {
  const what = a.target ? `${a.kind} ${a.target}` : a.kind;
  return a.via === 'link' ? `${what} (link ${a.linkId ?? '?'})` : a.via === 'perf' ? `${what} (pid ${a.pid ?? '?'})` : what;
}

export function nodeHeader(name: string, where: string, info: NodeInfo): string {
  const tools = [
    info.bpftool ? `bpftool ${info.bpftool.version || '?'}` : 'bpftool missing',
    info.bpftrace ? `bpftrace ${info.bpftrace.version || '?'}` : 'bpftrace missing',
  ];
  const who = info.uid === 0 ? 'root' : `${info.user} via sudo`;
  return `${name}  ${where}  ${info.hostname}  kernel ${info.kernel}${info.btf ? '' : ' (no BTF)'}  ${tools.join('  ')}  (${who})`;
}

export function formatListing(l: NodeListing): string {
  const out: string[] = [];
  out.push(`  Programs (${l.programs.length})`);
  if (l.programs.length > 0) {
    out.push(
      table(
        [
          ['ID', 'TYPE', 'NAME', 'TAG', 'MAPS', 'ATTACHED', 'PINNED / OWNERS'],
          ...l.programs.map(({ program: p, mapNames, attach, owners }) => [
            String(p.id),
            p.type,
            p.name || '-',
            p.tag,
            mapNames.join(',') || '-',
            attach.map(attachText).join('; ') || '-',
            [...p.pinned, ...owners.map((o) => `${o.comm ?? '?'}(${o.pid})`)].join(' ') || '-',
          ]),
        ],
        '    ',
      ),
    );
  }
  out.push(`  Maps (${l.maps.length})`);
  if (l.maps.length > 0) {
    out.push(
      table(
        [
          ['ID', 'TYPE', 'NAME', 'KEY/VALUE', 'MAX', 'PINNED'],
          ...l.maps.map((m) => [
            String(m.id),
            m.type,
            m.name || '-',
            `${m.bytesKey ?? '?'}/${m.bytesValue ?? '?'}`,
            String(m.maxEntries ?? '?'),
            m.pinned.join(' ') || '-',
          ]),
        ],
        '    ',
      ),
    );
  }
  out.push(`  Links (${l.links.length})`);
  if (l.links.length > 0) {
    out.push(
      table(
        [
          ['ID', 'TYPE', 'PROG', 'ATTACH POINT', 'PINNED'],
          ...l.links.map((k) => [String(k.id), k.type, String(k.progId ?? '-'), k.target ?? '-', k.pinned.join(' ') || '-']),
        ],
        '    ',
      ),
    );
  }
  for (const w of l.warnings) out.push(`  warning: ${w}`);
  return out.join('\n');
}
