import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Registry } from '@cancer-imaging/provider-kit';
import { buildCatalogue, type Catalogue } from './catalogue/catalogue.js';
import { openSqliteCohortStore, type CohortStore } from './cohorts/cohort-store.js';
import { buildCatalogueResolvers } from './resolvers/index.js';
import { buildCatalogueTypeDefs } from './schema.js';

export interface CatalogueSubgraphOptions {
  /** The parsed registry: sites and curated dataset metadata. */
  readonly registry: Registry;
  readonly logger: Logger;
  /** Where saved cohorts live; default an in-memory SQLite database (lost at exit). */
  readonly cohortStore?: CohortStore;
}

export interface CatalogueSubgraph {
  /** The executable subgraph schema (with `_service` and `_entities`). */
  readonly schema: GraphQLSchema;
  /** The SDL it was built from, for composition and drift checks. */
  readonly typeDefs: string;
  /** The in-memory catalogue behind the resolvers. */
  readonly catalogue: Catalogue;
  readonly cohortStore: CohortStore;
  /** Closes the cohort store. */
  close(): Promise<void>;
}

/**
 * Builds the catalogue subgraph from a parsed registry: checks the curated metadata against
 * the contract's vocabularies (throwing a CatalogueError on the first misfit), indexes it,
 * and builds the schema for the registry's kinds. No I/O, no server: see startCatalogue.
 */
export function createCatalogueSubgraph(options: CatalogueSubgraphOptions): CatalogueSubgraph {
  const catalogue = buildCatalogue(options.registry);
  const typeDefs = buildCatalogueTypeDefs(catalogue.kinds);
  const cohortStore = options.cohortStore ?? openSqliteCohortStore(':memory:');
  const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: buildCatalogueResolvers(catalogue, cohortStore) });
  options.logger.info(
    { kinds: catalogue.kinds, providers: catalogue.providers.length, datasets: catalogue.datasets.length },
    'catalogue built',
  );
  return { schema, typeDefs, catalogue, cohortStore, close: () => cohortStore.close() };
}
