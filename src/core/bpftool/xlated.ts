import type { CommandOutput, RemoteCommand } from '../remote/command';
import { failure } from '../remote/command';

/**
 * `bpftool prog dump xlated id N` (text: source lines from BTF line info are kept); with
 * `linum`, each source line also says its file and line number.
 */
export function xlatedDump(progId: number, linum = false): RemoteCommand<string> {
  return {
    title: `bpftool prog dump xlated id ${progId}`,
    argv: ['bpftool', 'prog', 'dump', 'xlated', 'id', String(progId), ...(linum ? ['linum'] : [])],
    root: true,
    interpret(out: CommandOutput): string {
      if (out.code !== 0) throw failure(`bpftool prog dump xlated id ${progId}`, out);
      return out.stdout;
    },
  };
}

/**
 * Remove what differs between two loads of the same program: map ids become map names
 * (`map[id:76]` → `map[write_counts]`), helper and kfunc addresses go (`call f#269056` →
 * `call f`), and kernel addresses become `<addr>`. Instructions and source lines stay.
 */
export function normalizeXlated(text: string, mapName: (id: number) => string | undefined): string {
  return text
    .replace(/map\[id:(\d+)\]/g, (_m, id: string) => `map[${mapName(Number(id)) ?? `id:${id}`}]`)
    .replace(/(call [A-Za-z_][\w.]*)#-?\d+/g, '$1')
    .replace(/\b0xffff[0-9a-f]{12}\b/g, '<addr>')
    .replace(/[ \t]+$/gm, '');
}
