import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { Catalogue } from '../catalogue/catalogue.js';
import { buildEntityResolvers } from './entities.js';
import { buildQueryResolvers } from './query.js';

/** The resolver map buildSubgraphSchema takes (its own type is not exported by name). */
export type CatalogueResolverMap = NonNullable<Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers']>;

/** Every resolver of the catalogue subgraph, over one in-memory catalogue. */
export function buildCatalogueResolvers(catalogue: Catalogue): CatalogueResolverMap {
  return {
    Query: { ...buildQueryResolvers(catalogue) },
    ...buildEntityResolvers(catalogue),
  };
}
