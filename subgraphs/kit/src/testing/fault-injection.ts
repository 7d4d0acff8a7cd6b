import type { CallContext, ProviderAdapter } from '../adapter.js';
import { ProviderBadResponseError, ProviderTimeoutError, ProviderUnavailableError } from '../errors.js';

/** What to do to every upstream call of a wrapped adapter (tests and benchmarks only). */
export interface InjectedFaults {
  /** Added before each call, honouring the call's deadline signal. */
  readonly latencyMs?: number;
  /** unreachable: refused at once; error: a bad response; hang: never answers (until the deadline). */
  readonly fault?: 'unreachable' | 'error' | 'hang';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ProviderTimeoutError());
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(new ProviderTimeoutError()); }, { once: true });
  });
}

/**
 * Wraps an adapter so each call first waits `latencyMs` and then fails as asked: the
 * simulated sites of the 30-site tests and benchmarks (EUCAIM's target federation size).
 * `faults` is read at every call, so a test may change it (a site that fails, then
 * recovers). `calls` counts the calls the wrapper was asked for, failed ones included: what
 * a site would have been asked.
 */
export function withInjectedFaults(adapter: ProviderAdapter, faults: InjectedFaults): ProviderAdapter & { readonly calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const before = async (ctx: CallContext, operation: string) => {
    calls[operation] = (calls[operation] ?? 0) + 1;
    if (faults.fault === 'unreachable') throw new ProviderUnavailableError();
    // The longest timer Node allows; the deadline's abort ends it.
    if (faults.fault === 'hang') await sleep(2 ** 31 - 1, ctx.signal);
    if (faults.latencyMs) await sleep(faults.latencyMs, ctx.signal);
    if (faults.fault === 'error') throw new ProviderBadResponseError();
  };
  const wrapped: ProviderAdapter & { readonly calls: Record<string, number> } = {
    calls,
    describe: async (ctx) => { await before(ctx, 'describe'); return adapter.describe(ctx); },
    listDatasets: async (ctx) => { await before(ctx, 'listDatasets'); return adapter.listDatasets(ctx); },
    countCohort: async (criteria, ctx) => { await before(ctx, 'countCohort'); return adapter.countCohort(criteria, ctx); },
    breakdownCohort: async (criteria, by, ctx) => { await before(ctx, 'breakdownCohort'); return adapter.breakdownCohort(criteria, by, ctx); },
    listSubjects: async (id, page, ctx) => { await before(ctx, 'listSubjects'); return adapter.listSubjects(id, page, ctx); },
    listStudies: async (refs, ctx) => { await before(ctx, 'listStudies'); return adapter.listStudies(refs, ctx); },
    listSeries: async (ids, ctx) => { await before(ctx, 'listSeries'); return adapter.listSeries(ids, ctx); },
    listSegmentations: async (ids, ctx) => { await before(ctx, 'listSegmentations'); return adapter.listSegmentations(ids, ctx); },
    ...(adapter.retrieveSeries && { retrieveSeries: async (id: string, ctx: CallContext) => { await before(ctx, 'retrieveSeries'); return adapter.retrieveSeries!(id, ctx); } }),
    ...(adapter.close && { close: () => adapter.close!() }),
  };
  return wrapped;
}
