import { toConnection, toPageWindow, type Connection } from '@cancer-imaging/provider-kit';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { DatasetFilterInput } from '../catalogue/dataset-index.js';
import type { DatasetRecord, ProviderRecord } from '../catalogue/records.js';

export interface IdArgs {
  readonly id: string;
}

export interface DatasetsArgs {
  readonly filter?: DatasetFilterInput | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface QueryResolvers {
  providers(): readonly ProviderRecord[];
  provider(parent: unknown, args: IdArgs): ProviderRecord | null;
  datasets(parent: unknown, args: DatasetsArgs): Connection<DatasetRecord>;
  dataset(parent: unknown, args: IdArgs): DatasetRecord | null;
}

/** Query fields: thin reads of the in-memory catalogue. */
export function buildQueryResolvers(catalogue: Catalogue): QueryResolvers {
  return {
    providers: () => catalogue.providers,
    provider: (_parent, { id }) => catalogue.provider(id) ?? null,
    datasets: (_parent, { filter, first, after }) => {
      // Page arguments are checked first: a bad `first` is reported even with a bad filter.
      const window = toPageWindow({ first, after });
      const page = catalogue.findDatasets(filter, window);
      return toConnection(page.items, window, page.totalCount);
    },
    dataset: (_parent, { id }) => catalogue.dataset(id) ?? null,
  };
}
