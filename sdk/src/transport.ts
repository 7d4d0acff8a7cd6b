import { CancerImagingError, type GraphQLErrorPayload } from './errors.js';
import { isQueryOnly } from './operation-kind.js';
import { persistedQueryExtension, persistedQueryMiss, sha256Hex } from './persisted-query.js';
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
  /**
   * Send each operation as an Automatic Persisted Query: its SHA-256 instead of its text,
   * and the text (with the hash, so the graph keeps it) only when the graph answers
   * PERSISTED_QUERY_NOT_FOUND. The graph knows the SDK's own operations from its start, so
   * they always go by hash; a graph in safelist mode runs nothing else (docs/persisted-operations.md).
   * Needs Web Crypto (Node 20+, browsers in a secure context); without it, texts are sent.
   * @default false
   */
  readonly persistedOperations?: boolean;
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

  /** Sends one body, retrying it (queries only) on 429 and 503; the last answer, whatever it is. */
  async function sendWithRetries(body: string, retryable: boolean, signal: AbortSignal | undefined): Promise<Answer> {
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted) throw aborted(signal);
      const answer = await send(body, signal);
      const delay = retryable && RETRY_STATUSES.has(answer.status) ? retryDelay(policy, attempt, answer.retryAfterMs) : undefined;
      if (delay === undefined) return answer;
      try {
        await policy.sleep(delay, signal);
      } catch (cause) {
        if (signal?.aborted) throw aborted(signal);
        throw cause;
      }
    }
  }

  // Set once the graph says it has no APQ: every later request sends its text at once.
  let persisted = options.persistedOperations === true;

  async function execute<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...[variables, requestOptions]: VariablesArgs<TVariables>): Promise<PartialResult<TResult>> {
    const query = documentText(document);
    const signal = requestOptions?.signal;
    const retryable = policy.maxAttempts > 1 && isQueryOnly(query);
    const hash = persisted ? await sha256Hex(query) : undefined;
    if (hash !== undefined) {
      const extensions = persistedQueryExtension(hash);
      const answer = await sendWithRetries(JSON.stringify({ variables: variables ?? {}, extensions }), retryable, signal);
      const miss = persistedQueryMiss(answer.text);
      if (miss === undefined) return toResult<TResult>(answer);
      if (miss === 'not-supported') persisted = false;
      // The graph ran nothing, so a mutation is safe to send again: now with its text, and
      // the hash to register it under (APQ's second step).
      const body = miss === 'not-found' ? { query, variables: variables ?? {}, extensions } : { query, variables: variables ?? {} };
      return toResult<TResult>(await sendWithRetries(JSON.stringify(body), retryable, signal));
    }
    return toResult<TResult>(await sendWithRetries(JSON.stringify({ query, variables: variables ?? {} }), retryable, signal));
  }

  async function request<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...args: VariablesArgs<TVariables>): Promise<TResult> {
    const result = await execute(document, ...args);
    if (result.errors.length > 0) throw result.errors[0]!;
    return result.data as TResult;
  }

  return { execute, request };
}
