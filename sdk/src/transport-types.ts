/** Per-request options of `execute`, `request` and the methods that page. */
export interface RequestOptions {
  /** Cancels the request, and any wait before a retry; the SDK then throws code ABORTED. */
  readonly signal?: AbortSignal;
}
