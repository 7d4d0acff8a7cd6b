import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphStore } from '@cancer-imaging/provider-kit';
import { buildAccessResolvers, type AccessResolverOptions } from '../access/access-resolvers.js';
import type { Catalogue } from '../catalogue/catalogue.js';
import { buildCohortResolvers } from '../cohorts/cohort-resolvers.js';
import type { CohortStore } from '../cohorts/cohort-store.js';
import { buildEntityResolvers } from './entities.js';
import { buildQueryResolvers } from './query.js';

/** The resolver map buildSubgraphSchema takes (its own type is not exported by name). */
export type CatalogueResolverMap = NonNullable<Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers']>;

/** Every resolver of the catalogue subgraph: the catalogue, saved cohorts and the access workflow. */
export function buildCatalogueResolvers(
  catalogue: Catalogue,
  store: CohortStore,
  graphStore: GraphStore,
  access: Omit<AccessResolverOptions, 'catalogue' | 'store'> = {},
): CatalogueResolverMap {
  const cohorts = buildCohortResolvers({ catalogue, store });
  const { Query: accessQuery, Mutation: accessMutation, ...accessTypes } = buildAccessResolvers({ catalogue, store: graphStore, ...access });
  return {
    Query: { ...buildQueryResolvers(catalogue), ...cohorts.Query, ...accessQuery },
    Mutation: { ...cohorts.Mutation, ...accessMutation },
    ...accessTypes,
    SavedCohort: cohorts.SavedCohort,
    CohortReport: cohorts.CohortReport,
    ...buildEntityResolvers(catalogue, store),
  } as CatalogueResolverMap;
}
