/**
 * A value made the first time it is asked for. Used for heavy packages (ssh2, the language
 * client, diff): a bundled CommonJS module runs its top level only when first required, so
 * requiring it in a function keeps that cost out of activation.
 */
export function lazy<T>(make: () => T): () => T {
  let made = false;
  let value: T | undefined;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
