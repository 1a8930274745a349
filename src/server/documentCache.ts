import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Doc } from './document';
import type { Target } from './target';
import { DEFAULT_TARGET } from './target';

/**
 * The analysed open documents, shared by every provider: a document is parsed and analysed once
 * per version and target, whichever feature asks first.
 */
export class DocumentCache {
  /** what the active node runs (the client says; every document is analysed afresh against it) */
  target: Target = DEFAULT_TARGET;
  private readonly docs = new Map<string, { version: number; target: Target; doc: Doc }>();
  constructor(readonly documents: TextDocuments<TextDocument>) {}

  /** the open document's analysis at its current version, undefined when it is not open */
  get(uri: string): Doc | undefined {
    const td = this.documents.get(uri);
    if (!td) return undefined;
    const c = this.docs.get(uri);
    if (c && c.version === td.version && c.target === this.target) return c.doc;
    const doc = new Doc(td.getText(), this.target);
    this.docs.set(uri, { version: td.version, target: this.target, doc });
    return doc;
  }

  version(uri: string): number | undefined {
    return this.documents.get(uri)?.version;
  }

  forget(uri: string): void {
    this.docs.delete(uri);
  }
}
