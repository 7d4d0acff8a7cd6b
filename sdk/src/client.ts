import type { TypedDocumentString } from './__generated__/graphql.js';
import {
  CohortBreakdownDocument, CohortBySiteDocument, CohortReportDocument, ProvidersDocument, SaveCohortDocument, SearchDatasetsDocument,
  type CohortBreakdownQuery, type CohortBySiteQuery, type CohortCriteria, type CohortDimension, type CohortReportQuery,
  type DatasetFilter, type ProvidersQuery, type SaveCohortMutation, type SearchDatasetsQuery,
} from './__generated__/graphql.js';
import { CancerImagingError, type GraphQLErrorPayload } from './errors.js';

export interface ClientOptions {
  /** The graph's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  readonly url: string;
  /** A bearer token; anonymous callers see aggregates only. */
  readonly token?: string;
  /** Injected fetch (tests, proxies); defaults to the global fetch of Node 20+ and browsers. */
  readonly fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A result with partial data: a down site or subgraph leaves `errors` beside the rest. */
export interface PartialResult<TData> {
  readonly data: TData | null;
  readonly errors: readonly CancerImagingError[];
}

export interface CancerImagingClient {
  /** Runs any typed document; resolves with data and the errors beside it. */
  execute<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<PartialResult<TResult>>;
  /** Runs any typed document; throws the first error as a CancerImagingError. */
  request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<TResult>;
  providers(): Promise<ProvidersQuery['providers']>;
  searchDatasets(filter?: DatasetFilter, page?: { first?: number; after?: string }): Promise<SearchDatasetsQuery['datasets']>;
  /** Protected counts per site; a failed site shows in its `status`, not as a thrown error. */
  cohortBySite(criteria: CohortCriteria, options?: { deadlineMs?: number }): Promise<PartialResult<CohortBySiteQuery>>;
  /** Subjects per site split by one dimension; buckets below a site's threshold are left out. */
  cohortBreakdown(criteria: CohortCriteria, by: CohortDimension, options?: { deadlineMs?: number }): Promise<PartialResult<CohortBreakdownQuery>>;
  /** Saves criteria under a new id, bound to them and the time, for a report. */
  saveCohort(criteria: CohortCriteria): Promise<SaveCohortMutation['saveCohort']>;
  /** A saved cohort's protected counts per site and dataset, computed now; null for an unknown id. */
  cohortReport(id: string): Promise<PartialResult<CohortReportQuery>>;
}

export function createClient(options: ClientOptions): CancerImagingClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function execute<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<PartialResult<TResult>> {
    let response: Response;
    try {
      response = await fetchImpl(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(options.token && { authorization: `Bearer ${options.token}` }),
          ...options.headers,
        },
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
    } catch (cause) {
      throw new CancerImagingError('The graph could not be reached.', { code: 'NETWORK_ERROR', cause });
    }
    let body: { data?: TResult | null; errors?: GraphQLErrorPayload[] };
    try {
      body = (await response.json()) as typeof body;
    } catch (cause) {
      throw new CancerImagingError(`The graph answered HTTP ${response.status} without a GraphQL body.`, { code: 'HTTP_ERROR', status: response.status, cause });
    }
    const errors = (body.errors ?? []).map((error) => CancerImagingError.fromGraphQL(error));
    if (body.data == null && errors.length === 0) {
      throw new CancerImagingError(`The graph answered HTTP ${response.status} with no data.`, { code: 'HTTP_ERROR', status: response.status });
    }
    return { data: body.data ?? null, errors };
  }

  async function request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<TResult> {
    const result = await execute(document, variables);
    if (result.errors.length > 0) throw result.errors[0]!;
    return result.data as TResult;
  }

  return {
    execute,
    request,
    async providers() {
      return (await request(ProvidersDocument)).providers;
    },
    async searchDatasets(filter, page = {}) {
      return (await request(SearchDatasetsDocument, { filter, ...page })).datasets;
    },
    async cohortBySite(criteria, options = {}) {
      const result = await execute(CohortBySiteDocument, { criteria, ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }) });
      if (result.data === null) throw result.errors[0] ?? new CancerImagingError('No data.', { code: 'INTERNAL' });
      return result;
    },
    async cohortBreakdown(criteria, by, options = {}) {
      const result = await execute(CohortBreakdownDocument, { criteria, by, ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }) });
      if (result.data === null) throw result.errors[0] ?? new CancerImagingError('No data.', { code: 'INTERNAL' });
      return result;
    },
    async saveCohort(criteria) {
      return (await request(SaveCohortDocument, { criteria })).saveCohort;
    },
    async cohortReport(id) {
      const result = await execute(CohortReportDocument, { id });
      if (result.data === null) throw result.errors[0] ?? new CancerImagingError('No data.', { code: 'INTERNAL' });
      return result;
    },
  };
}
