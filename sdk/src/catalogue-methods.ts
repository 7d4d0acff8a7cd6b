import {
  DatasetDocument, ProviderDocument, ProvidersDocument, SearchDatasetsDocument,
  type DatasetFilter, type DatasetQuery, type DatasetSummaryFragment, type ProviderQuery, type ProvidersQuery, type SearchDatasetsQuery,
} from './__generated__/graphql.js';
import { paginate, toPageSize, type PageOptions, type Paginated } from './paginate.js';
import type { Transport } from './transport.js';

/** Discovery: the sites and their curated datasets. Open to anyone. */
export interface CatalogueMethods {
  /** Every site with its registry fields and live status. */
  providers(): Promise<ProvidersQuery['providers']>;
  /** One site with its datasets; null for an unknown id. */
  provider(id: string): Promise<ProviderQuery['provider']>;
  /** Every dataset matching the filter, a page at a time: `for await (const d of client.datasets({ cancerTypes: ['LUNG'] }))`. */
  datasets(filter?: DatasetFilter, options?: PageOptions): Paginated<DatasetSummaryFragment>;
  /** One page of datasets, for a caller that keeps its own cursor (a paged table). */
  searchDatasets(filter?: DatasetFilter, page?: { first?: number; after?: string }): Promise<SearchDatasetsQuery['datasets']>;
  /** One dataset with every curated field; null for an unknown id. */
  dataset(id: string): Promise<DatasetQuery['dataset']>;
}

export function buildCatalogueMethods(transport: Transport): CatalogueMethods {
  return {
    async providers() {
      return (await transport.request(ProvidersDocument)).providers;
    },
    async provider(id) {
      return (await transport.request(ProviderDocument, { id })).provider;
    },
    datasets(filter, options = {}) {
      const first = toPageSize(options.pageSize);
      return paginate(async (after) => {
        const { datasets } = await transport.request(SearchDatasetsDocument, { filter, first, after }, { signal: options.signal });
        return { totalCount: datasets.totalCount, nodes: datasets.nodes, ...datasets.pageInfo };
      });
    },
    async searchDatasets(filter, page = {}) {
      return (await transport.request(SearchDatasetsDocument, { filter, ...page })).datasets;
    },
    async dataset(id) {
      return (await transport.request(DatasetDocument, { id })).dataset;
    },
  };
}
