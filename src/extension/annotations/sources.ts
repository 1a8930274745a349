import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceFunction, SourceLanguage } from '../../core/annotate/functions';
import { findFunctions, languageOf } from '../../core/annotate/functions';
import { probeBlocks } from '../../core/bpftrace/blocks';
import { InputError } from '../../core/base/errors';

/**
 * The functions of a document: from the language's document-symbol provider when one answers
 * (clangd, cpptools, rust-analyzer, gopls), else from the built-in finder. BPF `SEC("…")`
 * sections always come from the text.
 */
export async function functionsOf(
  doc: vscode.TextDocument,
): Promise<{ lang: SourceLanguage; fns: SourceFunction[]; from: 'symbols' | 'built-in' }> {
  const lang = languageOf(doc.languageId, doc.fileName);
  if (!lang)
    throw new InputError(`call-frequency annotations need a C, C++, Rust or Go file, or a bpftrace script (this is ${doc.languageId})`);
  const text = doc.getText();
  const builtin = findFunctions(text, lang);
  const fromSymbols = await symbolFunctions(doc, lang);
  if (!fromSymbols || fromSymbols.length === 0) return { lang, fns: builtin, from: 'built-in' };
  // the text knows the sections (SEC("…")): carry them over by name and place
  const sectionAt = new Map(
    builtin.filter((f) => f.section !== undefined).map((f) => [`${f.name}@${doc.positionAt(f.nameStart).line}`, f.section as string]),
  );
  const fns = fromSymbols.map((f) => {
    const section = sectionAt.get(`${f.name}@${doc.positionAt(f.nameStart).line}`);
    return section !== undefined ? { ...f, section } : f;
  });
  // a BPF function the provider did not list (BPF_PROG(name, …) looks like a macro to it)
  for (const b of builtin) if (b.section !== undefined && !fns.some((f) => f.name === b.name)) fns.push(b);
  return { lang, fns: fns.sort((a, b) => a.nameStart - b.nameStart), from: 'symbols' };
}

const FUNCTION_KINDS = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);
const OWNER_KINDS = new Set([
  vscode.SymbolKind.Class,
  vscode.SymbolKind.Struct,
  vscode.SymbolKind.Namespace,
  vscode.SymbolKind.Module,
  vscode.SymbolKind.Interface,
  vscode.SymbolKind.Object,
  vscode.SymbolKind.Enum,
]);

async function symbolFunctions(doc: vscode.TextDocument, lang: SourceLanguage): Promise<SourceFunction[] | undefined> {
  let symbols: (vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined;
  try {
    // a provider that never answers must not hold the annotations back
    symbols = await Promise.race([
      vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
        'vscode.executeDocumentSymbolProvider',
        doc.uri,
      ),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000)),
    ]);
  } catch {
    return undefined;
  }
  if (!symbols || symbols.length === 0) return undefined;
  const out: SourceFunction[] = [];
  const sep = lang === 'go' ? '.' : '::';
  const visit = (s: vscode.DocumentSymbol, owners: string[]): void => {
    if (FUNCTION_KINDS.has(s.kind)) {
      // "hot(int)", "(*Server).Serve", "Pool::put": the plain name and its owner
      let name = s.name.replace(/\(.*$/, '').trim();
      let owner = [...owners];
      const goRecv = /^(\(\*?\w+\))\.(\w+)$/.exec(s.name) ?? /^(\w+)\.(\w+)$/.exec(lang === 'go' ? s.name : '');
      if (goRecv?.[1] && goRecv[2]) {
        owner = [goRecv[1]];
        name = goRecv[2];
      } else if (name.includes('::')) {
        const parts = name.split('::');
        name = parts.pop() ?? name;
        owner = [...owner, ...parts];
      }
      if (!name) return;
      const sel = s.selectionRange ?? s.range;
      const nameStart = doc.offsetAt(sel.start);
      out.push({
        name,
        qualified: [...owner, name].join(sep),
        nameStart,
        nameEnd: nameStart + name.length,
        start: doc.offsetAt(s.range.start),
        end: doc.offsetAt(s.range.end),
      });
    }
    const nextOwners = OWNER_KINDS.has(s.kind) ? [...owners, s.name.replace(/<.*$/, '').trim()] : owners;
    for (const c of s.children ?? []) visit(c, nextOwners);
  };
  for (const s of symbols) {
    if ('children' in s) visit(s, []);
    else if (FUNCTION_KINDS.has(s.kind)) {
      const nameStart = doc.offsetAt(s.location.range.start);
      out.push({
        name: s.name,
        qualified: s.containerName ? `${s.containerName}${sep}${s.name}` : s.name,
        nameStart,
        nameEnd: nameStart + s.name.length,
        start: nameStart,
        end: doc.offsetAt(s.location.range.end),
      });
    }
  }
  return out;
}

/** bpftrace blocks as annotation keys: label#k (the k-th block with that label), per line */
export function probeKeys(text: string): Map<string, number> {
  const seen = new Map<string, number>();
  const out = new Map<string, number>();
  for (const b of probeBlocks(text)) {
    const k = seen.get(b.label) ?? 0;
    seen.set(b.label, k + 1);
    out.set(`${b.label}#${k}`, b.line);
  }
  return out;
}

export function fileLabel(doc: vscode.TextDocument): string {
  return doc.isUntitled ? 'untitled' : path.basename(doc.fileName);
}
