/** What a parser found wrong with its input: never thrown, always returned. */
export interface ParseIssue {
  /** 1-based line (or record) number when the input is line oriented. */
  readonly line?: number;
  readonly message: string;
  /** a node entry that could not be read, by its name (or #N): shown as a failed node, not dropped */
  readonly node?: string;
}

/** A parser's answer: what it could read, and what it could not. */
export interface Parsed<T> {
  readonly value: T;
  readonly errors: readonly ParseIssue[];
}
