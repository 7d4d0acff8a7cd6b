import { CancerImagingError, type GraphQLErrorPayload } from './errors.js';
import { isQueryOnly } from './operation-kind.js';
import { parseRetryAfter, resolveRetryPolicy, retryDelay, RETRY_STATUSES, type RetryOptions } from './retry.js';
import { documentText, type TypedDocument, type VariablesArgs } from './typed-document.js';
import type { RequestOptions } from './transport-types.js';

export interface TransportOptions {
  /** The graph's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  /** A bearer token; anonymous callers see aggregates only. */
  readonly token?: string;
  /** Injected fetch (tests, proxies); defaults to the global fetch of Node 20+ and browsers. */
  readonly fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retries of queries on HTTP 429 and 503; `false` turns them off. Mutations are never retried. */
  readonly retry?: RetryOptions | false;
}

/** A result with partial data: a down site or subgraph leaves `errors` beside the rest. */
export interface PartialResult<TData> {
  readonly data: TData | null;
  readonly errors: readonly CancerImagingError[];
}

export interface Transport {
  /** Runs any typed document; resolves with data and the errors beside it. */
  execute<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...args: VariablesArgs<TVariables>): Promise<PartialResult<TResult>>;
  /** Runs any typed document; throws the first error as a CancerImagingError. */
  request<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...args: VariablesArgs<TVariables>): Promise<TResult>;
}

interface Answer {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  readonly text: string;
}

/** The caller's abort as the SDK's error, whatever form the runtime gave it. */
function aborted(signal: AbortSignal): CancerImagingError {
  return new CancerImagingError('The request was aborted.', { code: 'ABORTED', cause: signal.reason });
}

/** POSTs GraphQL over fetch: one job, turning HTTP answers into data and typed errors, retrying queries. */
export function createTransport(options: TransportOptions): Transport {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const policy = resolveRetryPolicy(options.retry);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...(options.token && { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };

  async function send(body: string, signal: AbortSignal | undefined): Promise<Answer> {
    let response: Response;
    try {
      response = await fetchImpl(options.url, { method: 'POST', headers, body, ...(signal && { signal }) });
    } catch (cause) {
      if (signal?.aborted) throw aborted(signal);
      throw new CancerImagingError('The graph could not be reached.', { code: 'NETWORK_ERROR', cause });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw aborted(signal);
      throw new CancerImagingError(`The graph's answer (HTTP ${response.status}) broke off.`, { code: 'NETWORK_ERROR', status: response.status, cause });
    }
    return { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), policy.now()), text };
  }

  function toResult<TResult>(answer: Answer): PartialResult<TResult> {
    const failed = answer.status < 200 || answer.status > 299;
    const http = failed ? { status: answer.status, ...(answer.retryAfterMs !== undefined && { retryAfterMs: answer.retryAfterMs }) } : {};
    let body: { data?: TResult | null; errors?: GraphQLErrorPayload[] } | null;
    try {
      body = JSON.parse(answer.text) as typeof body;
    } catch (cause) {
      throw new CancerImagingError(`The graph answered HTTP ${answer.status} without a GraphQL body.`, { code: 'HTTP_ERROR', ...http, status: answer.status, cause });
    }
    const errors = (body?.errors ?? []).map((error) => CancerImagingError.fromGraphQL(error, http));
    if (body?.data == null && errors.length === 0) {
      throw new CancerImagingError(`The graph answered HTTP ${answer.status} with no data.`, { code: 'HTTP_ERROR', ...http, status: answer.status });
    }
    return { data: body?.data ?? null, errors };
  }

  async function execute<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...[variables, requestOptions]: VariablesArgs<TVariables>): Promise<PartialResult<TResult>> {
    const query = documentText(document);
    const body = JSON.stringify({ query, variables: variables ?? {} });
    const signal = requestOptions?.signal;
    const retryable = policy.maxAttempts > 1 && isQueryOnly(query);
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted) throw aborted(signal);
      const answer = await send(body, signal);
      const delay = retryable && RETRY_STATUSES.has(answer.status) ? retryDelay(policy, attempt, answer.retryAfterMs) : undefined;
      if (delay === undefined) return toResult<TResult>(answer);
      try {
        await policy.sleep(delay, signal);
      } catch (cause) {
        if (signal?.aborted) throw aborted(signal);
        throw cause;
      }
    }
  }

  async function request<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...args: VariablesArgs<TVariables>): Promise<TResult> {
    const result = await execute(document, ...args);
    if (result.errors.length > 0) throw result.errors[0]!;
    return result.data as TResult;
  }

  return { execute, request };
}
