import type { Connection, ServerCapabilities, TextDocumentPositionParams } from 'vscode-languageserver/node';
import type { Doc } from './document';
import type { DocumentCache } from './documentCache';
import type { NodeProbes } from './nodeProbes';

/** What every provider is given: the connection, the analysed documents and the node's listings. */
export interface ServerContext {
  readonly connection: Connection;
  readonly cache: DocumentCache;
  readonly probes: NodeProbes;
}

/** One LSP feature: the capabilities it announces and the handlers it registers. */
export interface Provider {
  readonly capabilities: ServerCapabilities;
  register(ctx: ServerContext): void;
}

/** The analysed document a request is about and the offset of its position (undefined: not open). */
export function docAt(ctx: ServerContext, p: TextDocumentPositionParams): { doc: Doc; offset: number } | undefined {
  const doc = ctx.cache.get(p.textDocument.uri);
  return doc ? { doc, offset: doc.offset(p.position) } : undefined;
}

const describe = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));

/** A failing feature logs and answers nothing: it never takes the server down. */
export function guard<T>(ctx: ServerContext, what: string, f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    ctx.connection.console.error(`${what}: ${describe(e)}`);
    return fallback;
  }
}

export async function guardAsync<T>(ctx: ServerContext, what: string, f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    ctx.connection.console.error(`${what}: ${describe(e)}`);
    return fallback;
  }
}
