import { BREAK, Kind, parse, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { SubgraphFetchDescription, SubgraphResponseBody } from './types.js';

/**
 * What may be kept: the catalogue's public reads, whose answers change only when the
 * registry or the curated catalogue does. Everything else a subgraph answers (access
 * requests, grants, the audit log, cohort reports, record-level data) must be fresh, so it
 * is never kept, whoever asks.
 */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set(['providers', 'provider', 'datasets', 'dataset', 'savedCohort']);

/**
 * Root fields whose answer is kept only when it is not null. A saved cohort never changes
 * once saved, but "no such cohort" may become one, e.g. when another catalogue replica
 * saved it behind a gateway with its own store.
 */
const KEPT_ONLY_WHEN_FOUND: ReadonlySet<string> = new Set(['savedCohort']);

/**
 * Record-level fields (provider-kit's recordLevelFields) and, under the same names, cohort
 * counts. A query that selects one anywhere is never cached, whichever subgraph it goes to
 * and whoever asks: a record-level read must reach the subgraph, which checks the grant and
 * writes the audit entry each time, and counts are live. The catalogue has none of them, so
 * this only matters when CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS names a kind subgraph.
 */
const NEVER_CACHED_FIELDS: ReadonlySet<string> = new Set(['subjects', 'studies', 'series', 'segmentations', 'retrieveUrl']);

function selectsNeverCachedField(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (!NEVER_CACHED_FIELDS.has(node.name.value)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * The catalogue's entity types with public fields only: the interfaces `Provider` and
 * `Dataset` (the planner sends references of an entity interface under its own name) and
 * each kind's implementations, which the catalogue names `<Kind>Provider` and
 * `<Kind>Dataset` (provider-kit's kindTypeNames; the kinds come from the registry, so they
 * cannot be listed here). The catalogue's other entity types (`<Kind>CohortSite`, parts of
 * a cohort report) never match.
 */
const CATALOGUE_ENTITY_TYPE = /^(?:[A-Z][A-Za-z0-9]*)?(?:Provider|Dataset)$/;

export function isCatalogueEntityTypename(typename: string): boolean {
  return CATALOGUE_ENTITY_TYPE.test(typename);
}

export interface RootField {
  readonly name: string;
  readonly responseName: string;
}

/** What the policy needs from a subgraph query, read once per distinct query text. */
export type QueryShape =
  | { readonly cacheable: false }
  | {
      readonly cacheable: true;
      /** Root fields, `__typename` left out: the field's name and the key of its value in the answer (its alias, if any). */
      readonly rootFields: readonly RootField[];
      /** The variable `_entities(representations:)` reads, for an `_entities` fetch. */
      readonly representationsVariable?: string;
    };

const NOT_CACHEABLE: QueryShape = { cacheable: false };

/**
 * Reads the root fields of one query operation. Anything the planner does not write (no
 * operation or several, a root fragment, `_entities` without a representations variable)
 * is not cacheable, nor is a query that selects a record-level field anywhere: refusing
 * costs a subgraph call, guessing could keep the wrong thing.
 */
export function readQueryShape(query: string): QueryShape {
  let operation: OperationDefinitionNode | undefined;
  try {
    const document = parse(query, { noLocation: true });
    const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1 || selectsNeverCachedField(document)) return NOT_CACHEABLE;
    operation = operations[0];
  } catch {
    return NOT_CACHEABLE;
  }
  if (!operation || operation.operation !== 'query') return NOT_CACHEABLE;

  const rootFields: RootField[] = [];
  let representationsVariable: string | undefined;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return NOT_CACHEABLE;
    const name = selection.name.value;
    if (name === '__typename') continue;
    if (name === '_entities') {
      const argument = selection.arguments?.find((candidate) => candidate.name.value === 'representations');
      if (argument?.value.kind !== Kind.VARIABLE || representationsVariable !== undefined) return NOT_CACHEABLE;
      representationsVariable = argument.value.name.value;
    } else if (!CACHEABLE_ROOT_FIELDS.has(name)) {
      return NOT_CACHEABLE;
    }
    rootFields.push({ name, responseName: selection.alias?.value ?? name });
  }
  // `_entities` beside other root fields is not what the planner writes; a fetch of nothing but __typename gains nothing.
  if (rootFields.length === 0 || (representationsVariable !== undefined && rootFields.length !== 1)) return NOT_CACHEABLE;
  return { cacheable: true, rootFields, ...(representationsVariable !== undefined && { representationsVariable }) };
}

/**
 * Query texts seen before, with their shape. The planner writes the same few texts again
 * and again, so parsing each once matters; the bound keeps a stream of distinct texts
 * (clients' ad-hoc queries become distinct subgraph queries) from growing it without end.
 */
export class QueryShapeCache {
  private readonly shapes = new Map<string, QueryShape>();

  constructor(private readonly maxEntries = 1_000) {}

  get(query: string): QueryShape {
    let shape = this.shapes.get(query);
    if (shape === undefined) {
      shape = readQueryShape(query);
      // Oldest first out (Map keeps insertion order): cheap, and a hot text is soon back.
      if (this.shapes.size >= this.maxEntries) {
        const oldest = this.shapes.keys().next();
        if (!oldest.done) this.shapes.delete(oldest.value);
      }
      this.shapes.set(query, shape);
    }
    return shape;
  }

  get size(): number {
    return this.shapes.size;
  }
}

export interface ResponseCachePolicyOptions {
  /** Subgraphs whose answers may be kept (names as in the supergraph, compared case-insensitively). */
  readonly subgraphs: readonly string[];
  /** Most distinct query texts whose parse is kept. @default 1000 */
  readonly maxQueryShapes?: number;
}

export interface ResponseCachePolicy {
  /** Whether an answer to this fetch may be looked up and kept at all. */
  isCacheable(fetch: SubgraphFetchDescription): boolean;
  /** Whether this answer to a cacheable fetch may be kept: complete, without errors. */
  isKeepable(fetch: SubgraphFetchDescription, response: SubgraphResponseBody): boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every representation names a catalogue entity type with public fields only. */
function representsCatalogueEntities(representations: unknown): boolean {
  return (
    Array.isArray(representations) &&
    representations.length > 0 &&
    representations.every((representation) => isObject(representation) && typeof representation['__typename'] === 'string' && isCatalogueEntityTypename(representation['__typename']))
  );
}

/** The policy over the configured subgraphs: pure, apart from the bounded parse cache. */
export function createResponseCachePolicy(options: ResponseCachePolicyOptions): ResponseCachePolicy {
  const subgraphs = new Set(options.subgraphs.map((name) => name.toLowerCase()));
  const shapes = new QueryShapeCache(options.maxQueryShapes);

  const isCacheable = (fetch: SubgraphFetchDescription): boolean => {
    if (fetch.operationType !== 'query' || !subgraphs.has(fetch.subgraph.toLowerCase())) return false;
    const shape = shapes.get(fetch.query);
    if (!shape.cacheable) return false;
    if (shape.representationsVariable === undefined) return true;
    return representsCatalogueEntities(fetch.variables?.[shape.representationsVariable]);
  };

  return {
    isCacheable,
    isKeepable(fetch, response) {
      // An answer with errors is partial or about a passing fault: the next caller asks again.
      if (response.errors !== undefined && response.errors.length > 0) return false;
      if (!isObject(response.data) || !isCacheable(fetch)) return false;
      const shape = shapes.get(fetch.query);
      if (!shape.cacheable) return false;
      const data = response.data;
      return shape.rootFields.every((field) => !KEPT_ONLY_WHEN_FOUND.has(field.name) || (data[field.responseName] ?? null) !== null);
    },
  };
}
