import { ProviderTimeoutError } from '@cancer-imaging/provider-kit';

/** Waits for a shared promise, but gives up when this caller's signal aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error as Error); },
    );
  });
}

/** The deadline's reason as a ProviderTimeoutError. */
export function abortReason(signal: AbortSignal): ProviderTimeoutError {
  const reason: unknown = signal.reason;
  return reason instanceof ProviderTimeoutError ? reason : new ProviderTimeoutError();
}

/**
 * One task per key in flight, shared by every caller that asks for it meanwhile. The task
 * runs under the first caller's signal; a caller whose own deadline is still running when
 * the task hits another caller's deadline starts it again under its own.
 */
export class SharedTasks<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  async run(key: string, start: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    for (;;) {
      let task = this.inflight.get(key);
      if (!task) {
        const started: Promise<T> = start(signal).finally(() => {
          if (this.inflight.get(key) === started) this.inflight.delete(key);
        });
        this.inflight.set(key, started);
        task = started;
      }
      try {
        return await abortable(task, signal);
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        if (error instanceof ProviderTimeoutError) continue;
        throw error;
      }
    }
  }
}

/**
 * Maps items with at most `limit` calls in flight; stops scheduling at the first failure or
 * when the signal aborts, and throws that failure.
 */
export async function mapLimit<T, R>(
  items: readonly T[], limit: number, fn: (item: T) => Promise<R>, signal: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      if (signal.aborted) {
        failed ??= { error: abortReason(signal) };
        return;
      }
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
  return results;
}

/** A Map bounded to `capacity` entries; the least recently used go first. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
