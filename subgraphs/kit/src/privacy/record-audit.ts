import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { RecordReadAction } from '../auth/record-level-fields.js';
import { codedError } from '../errors.js';
import type { AuditEntryInput, GraphStore } from '../store/types.js';

/**
 * Where a subgraph's record-level reads are written:
 * - `store`: the graph store's append-only audit log (what every process runs with);
 * - `disabled`: nowhere, by an explicit `audit: false` (tests and benchmarks only);
 * - `unconfigured`: no store and no opt-out, so record-level reads are refused.
 */
export type AuditDestination =
  | { readonly kind: 'store'; readonly store: Pick<GraphStore, 'appendAudit'> }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'unconfigured' };

export const AUDIT_NOT_CONFIGURED = 'Record-level data is unavailable here: auditing is not configured.';
export const AUDIT_FAILED = 'Record-level data was withheld: the access could not be written to the audit log. Try again later.';

/** One request's audit trail of record-level reads. */
export interface RecordAudit {
  /**
   * Resolves once this read is in the audit log; rejects (and the data must then not be
   * returned) when it cannot be written. Repeats of an (action, dataset) in the request
   * share the first one's entry. `operationName`, when given, is the name of the operation
   * being executed, which GraphQL knows even when the request did not send one.
   */
  record(action: RecordReadAction, datasetId: string, operationName?: string): Promise<void>;
}

export interface RecordAuditOptions {
  readonly destination: AuditDestination;
  /** Who reads; the caller's verified id. */
  readonly actorId: string;
  /** The GraphQL operation name the request sent (`anonymous` when none), or the HTTP route; `record` may name the executed one. */
  readonly operationName: string;
  /** The request id (x-request-id), to find the request's log lines. */
  readonly requestId?: string;
  /** The instant recorded: the request's clock, the one its grants were checked against. */
  readonly at: Date;
  readonly logger: Logger;
}

interface AuditKey {
  readonly action: RecordReadAction;
  readonly datasetId: string;
  readonly operationName: string;
}

/**
 * Audits before it answers (fail closed): the first read of an (action, dataset) in a request
 * waits for its entry to be committed, and if the append fails every field of that (action,
 * dataset) in the request is refused. Entries asked for in the same tick (the subjects of
 * several datasets, the studies of many subjects) go to the store in one append, by
 * DataLoader's batching; the per-key cache makes it one entry per request, dataset and action.
 */
export function createRecordAudit(options: RecordAuditOptions): RecordAudit {
  const { destination } = options;
  if (destination.kind === 'disabled') return { record: () => Promise.resolve() };
  if (destination.kind === 'unconfigured') {
    return { record: () => Promise.reject(codedError('FORBIDDEN', AUDIT_NOT_CONFIGURED)) };
  }
  const loader = new DataLoader<AuditKey, void, string>(
    async (keys) => {
      const entries: AuditEntryInput[] = keys.map((key) => ({
        actorId: options.actorId, action: key.action, datasetId: key.datasetId,
        operationName: key.operationName, at: options.at,
        ...(options.requestId && { requestId: options.requestId }),
      }));
      try {
        await destination.store.appendAudit(entries);
        return keys.map(() => undefined);
      } catch (error) {
        options.logger.error({ err: error, requestId: options.requestId, entries: entries.length }, 'audit append failed; record-level data withheld');
        return keys.map(() => codedError('INTERNAL', AUDIT_FAILED));
      }
    },
    // One request executes one operation, so the name never splits a key in practice.
    { cacheKeyFn: (key) => `${key.action}\u0000${key.datasetId}\u0000${key.operationName}`, maxBatchSize: 500 },
  );
  return { record: (action, datasetId, operationName) => loader.load({ action, datasetId, operationName: operationName ?? options.operationName }) };
}
