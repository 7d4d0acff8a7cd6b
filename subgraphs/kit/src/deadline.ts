import type { Logger } from 'pino';
import type { CallContext } from './adapter.js';
import { ProviderTimeoutError, toProviderError, type ProviderError } from './errors.js';

/**
 * Runs one adapter operation under a deadline. The adapter gets an AbortSignal; if it
 * ignores it we still stop waiting at the deadline, so a hung site never holds the answer.
 * Failures come back as ProviderError, never as a raw upstream error.
 */
export async function withDeadline<T>(
  deadlineMs: number,
  logger: Logger,
  operation: (ctx: CallContext) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProviderTimeoutError()), deadlineMs);
  const onOuterAbort = () => controller.abort(new ProviderTimeoutError());
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    if (outer?.aborted) throw new ProviderTimeoutError();
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
    });
    return await Promise.race([operation({ signal: controller.signal, logger }), aborted]);
  } catch (error) {
    throw toProviderError(error);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

export type SiteOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly latencyMs: number }
  | { readonly ok: false; readonly error: ProviderError; readonly latencyMs: number };

/** withDeadline, with the outcome as a value and the time it took. */
export async function settleWithDeadline<T>(
  deadlineMs: number,
  logger: Logger,
  operation: (ctx: CallContext) => Promise<T>,
  outer?: AbortSignal,
): Promise<SiteOutcome<T>> {
  const started = performance.now();
  try {
    const value = await withDeadline(deadlineMs, logger, operation, outer);
    return { ok: true, value, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: toProviderError(error), latencyMs: Math.round(performance.now() - started) };
  }
}
