import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { HeaderMap } from '@apollo/server';
import { ANONYMOUS, openSqliteGraphStore, protectWithRoles, type Caller, type GraphStore, type Registry } from '@cancer-imaging/provider-kit';
import type { CatalogueContext } from './access/access-resolvers.js';
import { ACCESS_ROLE_REQUIREMENTS } from './access/access-rules.js';
import type { NegotiatorClient } from './access/negotiator.js';
import { buildCatalogue, type Catalogue } from './catalogue/catalogue.js';
import { cohortStoreOver } from './cohorts/cohort-store.js';
import { buildCatalogueResolvers } from './resolvers/index.js';
import { buildCatalogueTypeDefs } from './schema.js';

export interface CatalogueSubgraphOptions {
  /** The parsed registry: sites and curated dataset metadata. */
  readonly registry: Registry;
  readonly logger: Logger;
  /**
   * The graph store (saved cohorts, access requests, grants, audit log). The caller that
   * passes one keeps it and closes it. Default: an in-memory SQLite store, lost at exit and
   * closed by close().
   */
  readonly store?: GraphStore;
  /** Who is calling, from the gateway's signed header (the kit's createCallerResolver). Default: anonymous. */
  readonly resolveCaller?: (headers: HeaderMap) => Promise<Caller> | Caller;
  /** Hands access requests over to a BBMRI-ERIC Negotiator, when one is configured. */
  readonly negotiator?: NegotiatorClient;
}

export interface CatalogueSubgraph {
  /** The executable subgraph schema (with `_service` and `_entities`). */
  readonly schema: GraphQLSchema;
  /** The SDL it was built from, for composition and drift checks. */
  readonly typeDefs: string;
  /** The in-memory catalogue behind the resolvers. */
  readonly catalogue: Catalogue;
  /** The graph store behind the resolvers. */
  readonly store: GraphStore;
  /** The per-request context: the verified caller and the request id. */
  createContext(request: { headers: HeaderMap; requestId: string }): Promise<CatalogueContext>;
  /** Closes the store if the subgraph opened it (the default one). */
  close(): Promise<void>;
}

/**
 * Builds the catalogue subgraph from a parsed registry: checks the curated metadata against
 * the contract's vocabularies (throwing a CatalogueError on the first misfit), indexes it,
 * and builds the schema for the registry's kinds. No I/O beyond an in-memory default store,
 * no server: see startCatalogue.
 */
export function createCatalogueSubgraph(options: CatalogueSubgraphOptions): CatalogueSubgraph {
  const catalogue = buildCatalogue(options.registry);
  const typeDefs = buildCatalogueTypeDefs(catalogue.kinds);
  const ownsStore = options.store === undefined;
  const store = options.store ?? openSqliteGraphStore(':memory:');
  const resolvers = buildCatalogueResolvers(catalogue, cohortStoreOver(store), store, {
    ...(options.negotiator && { negotiator: options.negotiator }), logger: options.logger,
  });
  // Roles are checked by the kit's graphql-shield rules around the resolvers; the SDL is unchanged.
  const schema = protectWithRoles<CatalogueContext>(buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers }), ACCESS_ROLE_REQUIREMENTS);
  const resolveCaller = options.resolveCaller ?? (() => ANONYMOUS);
  options.logger.info(
    { kinds: catalogue.kinds, providers: catalogue.providers.length, datasets: catalogue.datasets.length },
    'catalogue built',
  );
  return {
    schema, typeDefs, catalogue, store,
    async createContext({ headers, requestId }) {
      return { caller: await resolveCaller(headers), requestId };
    },
    close: () => (ownsStore ? store.close() : Promise.resolve()),
  };
}
