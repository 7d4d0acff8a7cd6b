import type { CallContext, ProviderAdapter } from '@cancer-imaging/provider-kit';
import { withInjectedFaults, type InjectedFaults } from '@cancer-imaging/provider-kit/testing';

/**
 * An adapter whose faults can be switched on and off while it serves: each call asks
 * `faultsNow()` and goes through the kit's `withInjectedFaults` when it names some, straight
 * to the adapter otherwise. The kit's wrapper is fixed at construction; fault tests need to
 * slow a site in the middle of a load run and heal it again.
 */
export function withSwitchableFaults(adapter: ProviderAdapter, faultsNow: () => InjectedFaults | undefined): ProviderAdapter {
  // The faulty form is rebuilt only when the faults object changes, not on every call.
  let cached: { faults: InjectedFaults; adapter: ProviderAdapter } | undefined;
  const current = (): ProviderAdapter => {
    const faults = faultsNow();
    if (!faults) return adapter;
    if (cached?.faults !== faults) cached = { faults, adapter: withInjectedFaults(adapter, faults) };
    return cached.adapter;
  };
  return {
    describe: (ctx) => current().describe(ctx),
    listDatasets: (ctx) => current().listDatasets(ctx),
    countCohort: (criteria, ctx) => current().countCohort(criteria, ctx),
    breakdownCohort: (criteria, by, ctx) => current().breakdownCohort(criteria, by, ctx),
    listSubjects: (id, page, ctx) => current().listSubjects(id, page, ctx),
    listStudies: (refs, ctx) => current().listStudies(refs, ctx),
    listSeries: (ids, ctx) => current().listSeries(ids, ctx),
    listSegmentations: (ids, ctx) => current().listSegmentations(ids, ctx),
    ...(adapter.retrieveSeries && { retrieveSeries: (id: string, ctx: CallContext) => adapter.retrieveSeries!(id, ctx) }),
    ...(adapter.close && { close: () => adapter.close!() }),
  };
}
