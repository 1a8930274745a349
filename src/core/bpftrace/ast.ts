/** The bpftrace syntax tree. Every node carries UTF-16 offsets [start, end) into the source. */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Expr =
  | (Span & { readonly kind: 'int'; readonly text: string; readonly duration: boolean })
  | (Span & { readonly kind: 'string'; readonly value: string })
  | (Span & { readonly kind: 'bool'; readonly value: boolean })
  | (Span & { readonly kind: 'var'; readonly name: string })
  | (Span & { readonly kind: 'param'; readonly name: string })
  | (Span & { readonly kind: 'map'; readonly name: string; readonly keys: readonly Expr[] | undefined; readonly nameSpan: Span })
  | (Span & { readonly kind: 'ident'; readonly name: string })
  | (Span & { readonly kind: 'call'; readonly name: string; readonly nameSpan: Span; readonly args: readonly Expr[] })
  | (Span & { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr })
  | (Span & { readonly kind: 'unary'; readonly op: string; readonly operand: Expr })
  | (Span & { readonly kind: 'postfix'; readonly op: string; readonly operand: Expr })
  | (Span & { readonly kind: 'ternary'; readonly cond: Expr; readonly then: Expr | undefined; readonly otherwise: Expr })
  | (Span & { readonly kind: 'field'; readonly object: Expr; readonly field: string; readonly arrow: boolean })
  | (Span & { readonly kind: 'index'; readonly object: Expr; readonly index: Expr })
  | (Span & { readonly kind: 'cast'; readonly type: string; readonly operand: Expr })
  | (Span & { readonly kind: 'tuple'; readonly elements: readonly Expr[] })
  | (Span & { readonly kind: 'record'; readonly fields: readonly { readonly name: string; readonly value: Expr }[] })
  | (Span & { readonly kind: 'sizeof'; readonly arg: string })
  /** a type as a call's argument: `container_of(p, struct task_struct, tasks)`, `m(typeof(x))` (0.27) */
  | (Span & { readonly kind: 'type'; readonly text: string })
  | (Span & { readonly kind: 'offsetof'; readonly arg: string })
  | (Span & { readonly kind: 'ifExpr'; readonly cond: Expr; readonly then: Block; readonly otherwise: Block | Expr | undefined })
  | (Span & { readonly kind: 'blockExpr'; readonly block: Block })
  | (Span & { readonly kind: 'error' });

export type AssignTarget = Extract<Expr, { kind: 'var' | 'map' }>;

export type Stmt =
  | (Span & { readonly kind: 'expr'; readonly expr: Expr })
  | (Span & { readonly kind: 'assign'; readonly target: AssignTarget; readonly op: string; readonly value: Expr })
  | (Span & { readonly kind: 'let'; readonly name: string; readonly nameSpan: Span; readonly type?: string; readonly value?: Expr })
  | (Span & {
      readonly kind: 'if';
      readonly cond: Expr;
      readonly then: Block;
      readonly otherwise: Block | Stmt | undefined;
      readonly parens: boolean;
    })
  | (Span & { readonly kind: 'while'; readonly cond: Expr; readonly body: Block })
  | (Span & { readonly kind: 'unroll'; readonly count: Expr; readonly body: Block })
  | (Span & {
      readonly kind: 'for';
      readonly variable: string;
      readonly varSpan: Span;
      readonly map?: Expr;
      readonly range?: readonly [Expr, Expr];
      readonly body: Block;
    })
  | (Span & { readonly kind: 'return'; readonly value?: Expr })
  | (Span & { readonly kind: 'break' })
  | (Span & { readonly kind: 'continue' })
  | (Span & { readonly kind: 'block'; readonly block: Block })
  | (Span & { readonly kind: 'import'; readonly path: string })
  | (Span & { readonly kind: 'discard'; readonly value: Expr });

export interface Block extends Span {
  readonly statements: readonly Stmt[];
}

export interface AttachPoint extends Span {
  readonly text: string;
  /** the provider as written (kprobe, k, tracepoint, t, BEGIN …) */
  readonly provider: string;
  readonly parts: readonly string[];
  readonly wildcard: boolean;
}

export interface Probe extends Span {
  readonly kind: 'probe';
  readonly attachPoints: readonly AttachPoint[];
  readonly predicate?: Expr;
  readonly body: Block;
}

export interface MacroParam {
  readonly kind: 'var' | 'map' | 'ident';
  readonly name: string;
}

export type TopItem =
  | Probe
  | (Span & {
      readonly kind: 'macro';
      readonly name: string;
      readonly nameSpan: Span;
      readonly params: readonly MacroParam[];
      readonly body: Block;
    })
  | (Span & {
      readonly kind: 'fn';
      readonly name: string;
      readonly nameSpan: Span;
      readonly params: readonly { readonly name: string; readonly type: string }[];
      readonly returnType: string;
      readonly body: Block;
    })
  | (Span & { readonly kind: 'config'; readonly entries: readonly (Span & { readonly key: string; readonly value: string })[] })
  | (Span & { readonly kind: 'import'; readonly path: string })
  | (Span & {
      readonly kind: 'mapDecl';
      readonly map: string;
      readonly mapSpan: Span;
      readonly type: string;
      readonly args: readonly Expr[];
    })
  | (Span & { readonly kind: 'cdef'; readonly text: string })
  | (Span & { readonly kind: 'preproc'; readonly text: string });

export interface Program {
  readonly items: readonly TopItem[];
  readonly comments: readonly Span[];
}
