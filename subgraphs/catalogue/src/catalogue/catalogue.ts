import { kindsOf, type PageWindow, type Registry } from '@cancer-imaging/provider-kit';
import { normaliseKinds } from '../schema.js';
import { buildDatasetIndex, type DatasetFilterInput, type DatasetPage } from './dataset-index.js';
import { buildCatalogueRecords, type DatasetRecord, type ProviderRecord } from './records.js';

/**
 * The catalogue in memory: everything the resolvers read, built once at start from the
 * registry. It is small (tens of sites, hundreds of datasets), so lookups are maps and
 * searches use precomputed bitsets; nothing here does I/O.
 */
export interface Catalogue {
  /** Kinds present in the registry, sorted; one Provider and one Dataset type each. */
  readonly kinds: readonly string[];
  /** Every site, ordered by id. */
  readonly providers: readonly ProviderRecord[];
  /** Every curated dataset, ordered by site id, then local id. */
  readonly datasets: readonly DatasetRecord[];
  provider(id: string): ProviderRecord | undefined;
  /** By graph id (`<siteId>:<kind>:<localId>`). */
  dataset(id: string): DatasetRecord | undefined;
  /** One page of the datasets matching the filter; throws BAD_USER_INPUT on a bad filter. */
  findDatasets(filter: DatasetFilterInput | null | undefined, window: PageWindow): DatasetPage;
}

export function buildCatalogue(registry: Pick<Registry, 'sites' | 'datasets' | 'source'>): Catalogue {
  const kinds = Object.freeze(normaliseKinds(kindsOf(registry)));
  const { providers, datasets } = buildCatalogueRecords(registry);
  const providerById = new Map(providers.map((provider) => [provider.id, provider]));
  const datasetById = new Map(datasets.map((dataset) => [dataset.id, dataset]));
  const index = buildDatasetIndex(datasets);
  return {
    kinds,
    providers,
    datasets,
    provider: (id) => providerById.get(id),
    dataset: (id) => datasetById.get(id),
    findDatasets: (filter, window) => index.find(filter, window),
  };
}
