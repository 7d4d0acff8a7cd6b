/**
 * Identical concurrent calls share one: the first caller of a key runs the call, those who
 * ask for the same key while it runs get its promise. Nothing is kept afterwards: this is
 * not a cache, the next call after it settles runs again.
 */
export interface InFlightGroup<T> {
  /** `call()`'s promise, or the one already running for `key`; `shared` tells which. */
  run(key: string, call: () => Promise<T>): { readonly result: Promise<T>; readonly shared: boolean };
  /** Calls running now. */
  readonly size: number;
}

export function createInFlightGroup<T>(): InFlightGroup<T> {
  const running = new Map<string, Promise<T>>();
  return {
    run(key, call) {
      const existing = running.get(key);
      if (existing) return { result: existing, shared: true };
      const result = call().finally(() => running.delete(key));
      running.set(key, result);
      return { result, shared: false };
    },
    get size() {
      return running.size;
    },
  };
}
