import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { Catalogue } from '../catalogue/catalogue.js';
import { buildCohortResolvers } from '../cohorts/cohort-resolvers.js';
import type { CohortStore } from '../cohorts/cohort-store.js';
import { buildEntityResolvers } from './entities.js';
import { buildQueryResolvers } from './query.js';

/** The resolver map buildSubgraphSchema takes (its own type is not exported by name). */
export type CatalogueResolverMap = NonNullable<Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers']>;

/** Every resolver of the catalogue subgraph: the in-memory catalogue and the saved cohorts. */
export function buildCatalogueResolvers(catalogue: Catalogue, store: CohortStore): CatalogueResolverMap {
  const cohorts = buildCohortResolvers({ catalogue, store });
  return {
    Query: { ...buildQueryResolvers(catalogue), ...cohorts.Query },
    Mutation: cohorts.Mutation,
    SavedCohort: cohorts.SavedCohort,
    CohortReport: cohorts.CohortReport,
    ...buildEntityResolvers(catalogue, store),
  } as CatalogueResolverMap;
}
