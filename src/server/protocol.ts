/**
 * The custom messages between the bpftrace language client (src/extension/language) and server:
 * one table binding each method to its sender, params and result, imported by both sides (as
 * vscode-eslint's `customMessages`). It imports nothing (no vscode, no vscode-languageserver), so
 * the extension's bundle takes nothing of the server's libraries from it.
 */

export interface TargetParams {
  readonly node?: string;
  readonly bpftraceVersion?: string;
}

export interface ListProbesParams {
  readonly pattern: string;
  /** `-lv`: fields and arguments too */
  readonly verbose?: boolean;
}
export type ListProbesResult =
  { readonly node: string; readonly lines: readonly string[]; readonly truncated: boolean } | { readonly error: string };

export interface NodeFormatParams {
  readonly text: string;
}
export type NodeFormatResult = { readonly text: string } | { readonly error: string } | { readonly unavailable: true };

/** Every custom message by method: who sends it, and its params and result (a notification has none). */
export interface CustomMessages {
  /** what the active node runs (its bpftrace version sets the target) */
  readonly 'ebpfLens/target': { readonly from: 'client'; readonly params: TargetParams; readonly result: void };
  /** attach points matching a pattern on the active node (`bpftrace -l`), cached per node and boot */
  readonly 'ebpfLens/listProbes': { readonly from: 'server'; readonly params: ListProbesParams; readonly result: ListProbesResult };
  /** format with the node's own `bpftrace --fmt` (0.25+), if there is one */
  readonly 'ebpfLens/nodeFormat': { readonly from: 'server'; readonly params: NodeFormatParams; readonly result: NodeFormatResult };
}

type Method = keyof CustomMessages;
type SentBy<Side extends 'client' | 'server'> = { [M in Method]: CustomMessages[M]['from'] extends Side ? M : never }[Method];
type ParamsOf<M extends Method> = CustomMessages[M]['params'];
type ResultOf<M extends Method> = CustomMessages[M]['result'];

/** The client's answer to each request of the server: a missing or an extra one does not compile. */
export type ServerRequestHandlers = { readonly [M in SentBy<'server'>]: (params: ParamsOf<M>) => Promise<ResultOf<M>> };

/** The server's request to the client, typed by the table (`to` is the server's connection). */
export function request<M extends SentBy<'server'>>(
  to: { sendRequest(method: string, params: unknown): Promise<unknown> },
  method: M,
  params: ParamsOf<M>,
): Promise<ResultOf<M>> {
  return to.sendRequest(method, params) as Promise<ResultOf<M>>;
}

/** The server's handler of a client notification, typed by the table (`on` is the server's connection). */
export function onNotification<M extends SentBy<'client'>>(
  on: { onNotification(method: string, handler: (...params: unknown[]) => void): unknown },
  method: M,
  handler: (params: ParamsOf<M>) => void,
): void {
  // the binding: what arrives under this method is what the table says
  on.onNotification(method, handler as (...params: unknown[]) => void);
}

/** The client's answers to the server's requests (`on` is the language client). */
export function handleRequests(
  on: { onRequest(method: string, handler: (params: never) => Promise<unknown>): unknown },
  handlers: ServerRequestHandlers,
): void {
  for (const [method, handler] of Object.entries(handlers)) on.onRequest(method, handler);
}

/** The client's notification to the server, typed by the table (`to` is the language client). */
export function notify<M extends SentBy<'client'>>(
  to: { sendNotification(method: string, params: unknown): Promise<void> },
  method: M,
  params: ParamsOf<M>,
): Promise<void> {
  return to.sendNotification(method, params);
}
