/**
 * IPC between the cluster primary and its workers. Every type starts with `cig:` so that
 * nothing else on the channel (Node's own cluster messages travel apart, but a library
 * might send its own) is mistaken for one of ours.
 */

/** Primary → worker. */
export type PrimaryMessage =
  /** Send this worker's own exposition back (a `cig:local-metrics` with the same id). */
  | { readonly type: 'cig:collect-metrics'; readonly id: number }
  /** The answer to a worker's `cig:metrics-request`: every worker's exposition, merged. */
  | { readonly type: 'cig:cluster-metrics'; readonly id: number; readonly text: string }
  /** Stop serving, drain and exit 0. */
  | { readonly type: 'cig:shutdown' };

/** Worker → primary. */
export type WorkerMessage =
  /** A scrape landed on this worker: it wants the whole gateway's metrics. */
  | { readonly type: 'cig:metrics-request'; readonly id: number }
  /** The answer to `cig:collect-metrics`. */
  | { readonly type: 'cig:local-metrics'; readonly id: number; readonly text: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  if (!isObject(value)) return false;
  switch (value['type']) {
    case 'cig:collect-metrics':
      return typeof value['id'] === 'number';
    case 'cig:cluster-metrics':
      return typeof value['id'] === 'number' && typeof value['text'] === 'string';
    case 'cig:shutdown':
      return true;
    default:
      return false;
  }
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (!isObject(value)) return false;
  switch (value['type']) {
    case 'cig:metrics-request':
      return typeof value['id'] === 'number';
    case 'cig:local-metrics':
      return typeof value['id'] === 'number' && typeof value['text'] === 'string';
    default:
      return false;
  }
}
