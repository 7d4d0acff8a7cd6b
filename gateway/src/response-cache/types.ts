/**
 * The contract between the subgraph data source and the response cache. The data source
 * asks the cache before a subgraph fetch and offers it what came back; the cache alone
 * decides what may be kept (catalogue data only, never record-level data across callers)
 * and for whom.
 */

/** One fetch the query plan makes to one subgraph. */
export interface SubgraphFetchDescription {
  /** Subgraph name from the supergraph (`catalogue`, `custom`, ...). */
  readonly subgraph: string;
  /** The subgraph operation the planner wrote (not the client's document). */
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  /** Whether the subgraph operation is a query or a mutation. */
  readonly operationType: 'query' | 'mutation';
  /**
   * A stable digest of the verified caller (subject, roles, claimed grants), undefined for an
   * anonymous caller. Two requests of the same caller share it; different callers never do.
   */
  readonly callerKey: string | undefined;
}

/** A subgraph's JSON answer, as the gateway parses it. */
export interface SubgraphResponseBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly unknown[];
  readonly extensions?: Record<string, unknown>;
}

export interface SubgraphResponseCache {
  /**
   * Whether this query fetch may be kept at all (the policy: subgraph, root fields, never
   * record-level). False: the data source neither looks it up nor offers its answer, so a
   * fetch the cache would refuse costs no parse and no store round trip. Cheap and pure.
   */
  accepts(fetch: SubgraphFetchDescription): boolean;
  /** A kept answer for this fetch (and this caller), or undefined. Never throws: a broken store is a miss. */
  lookup(fetch: SubgraphFetchDescription): Promise<SubgraphResponseBody | undefined>;
  /** Offers a fresh answer of a query fetch; the cache keeps it only when its policy allows. Never throws. */
  offer(fetch: SubgraphFetchDescription, response: SubgraphResponseBody): Promise<void>;
  /** A mutation was sent to this subgraph: forget what it may have changed, in every gateway sharing the store. Never throws. */
  invalidate(fetch: SubgraphFetchDescription): Promise<void>;
  /** Closes the store connection. */
  close(): Promise<void>;
}
