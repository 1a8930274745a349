/** Look-alikes of VS Code's types so pure code can take a VS Code token as is. */
export interface DisposableLike {
  dispose(): void;
}

export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): DisposableLike;
}

class SourceToken implements CancellationTokenLike {
  cancelled = false;
  readonly listeners = new Set<() => void>();
  get isCancellationRequested(): boolean {
    return this.cancelled;
  }
  onCancellationRequested(listener: () => void): DisposableLike {
    if (this.cancelled) {
      queueMicrotask(listener);
      return { dispose: () => undefined };
    }
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}

/** A token source for code outside VS Code (CLI, tests). */
export class CancellationSource {
  private readonly state = new SourceToken();
  get token(): CancellationTokenLike {
    return this.state;
  }
  cancel(): void {
    if (this.state.cancelled) return;
    this.state.cancelled = true;
    for (const l of [...this.state.listeners]) l();
    this.state.listeners.clear();
  }
}
