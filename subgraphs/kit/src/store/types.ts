/**
 * The graph's own durable state: saved cohorts, access requests with their history,
 * grants, and the append-only audit log. One store per deployment, shared by the catalogue
 * (which owns requests, grants and cohorts) and the kind subgraphs (which read grants and
 * append audit entries for record-level reads). Embedded SQLite by default; PostgreSQL when
 * CIG_DATABASE_URL names one. Every method is async so either can stand behind it.
 */

export type AccessRequestState = 'SUBMITTED' | 'UNDER_REVIEW' | 'APPROVED' | 'DECLINED' | 'WITHDRAWN';

export const ACCESS_REQUEST_STATES: readonly AccessRequestState[] = ['SUBMITTED', 'UNDER_REVIEW', 'APPROVED', 'DECLINED', 'WITHDRAWN'];

/**
 * The moves the store allows, whoever asks: forward only, and APPROVED, DECLINED and
 * WITHDRAWN are final. Who may make a move is the caller's rule (the catalogue's
 * workflow); the store refuses any other move so no bug above it can, say, approve a
 * declined request and create grants.
 */
export const ACCESS_REQUEST_TRANSITIONS: Readonly<Record<AccessRequestState, readonly AccessRequestState[]>> = {
  SUBMITTED: ['UNDER_REVIEW', 'DECLINED', 'WITHDRAWN'],
  UNDER_REVIEW: ['APPROVED', 'DECLINED', 'WITHDRAWN'],
  APPROVED: [],
  DECLINED: [],
  WITHDRAWN: [],
};

export function canTransition(from: AccessRequestState, to: AccessRequestState): boolean {
  return ACCESS_REQUEST_TRANSITIONS[from].includes(to);
}

export interface SavedCohortRecord {
  readonly id: string;
  /** The validated, normalised criteria (JSON-serialisable). */
  readonly criteria: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  /** Who saved it; undefined for an anonymous caller. */
  readonly ownerId?: string;
}

export interface AccessRequestEvent {
  readonly state: AccessRequestState;
  readonly actorId: string;
  readonly at: Date;
  readonly note?: string;
}

export interface AccessRequestRecord {
  readonly id: string;
  readonly requesterId: string;
  readonly datasetIds: readonly string[];
  readonly purpose: string;
  readonly cohortId?: string;
  readonly state: AccessRequestState;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Every state the request went through, oldest first (SUBMITTED first). */
  readonly history: readonly AccessRequestEvent[];
  /** Where the request went on to the BBMRI-ERIC Negotiator, when it was handed over. */
  readonly negotiatorUrl?: string;
}

export interface GrantRecord {
  readonly id: string;
  readonly datasetId: string;
  readonly granteeId: string;
  readonly expiresAt: Date;
  readonly grantedBy: string;
  readonly createdAt: Date;
  /** The access request that led to it, if any. */
  readonly requestId?: string;
  readonly revokedAt?: Date;
}

/** Audited operations: record-level reads, and every change to access. */
export type AuditAction =
  | 'READ_SUBJECTS' | 'READ_STUDIES' | 'READ_SERIES' | 'READ_SEGMENTATIONS' | 'ISSUE_RETRIEVE_LINK' | 'RETRIEVE_SERIES'
  | 'GRANT_CREATED' | 'GRANT_REVOKED' | 'REQUEST_STATE_CHANGED';

export interface AuditEntryInput {
  readonly actorId: string;
  readonly action: AuditAction;
  /** Graph id of the dataset concerned. */
  readonly datasetId: string;
  /** The GraphQL operation name (or `anonymous`), or the HTTP route for a retrieve. */
  readonly operationName: string;
  /** The gateway's request id (x-request-id), to find the matching log lines; not an access request's id. */
  readonly requestId?: string;
  readonly at: Date;
  /** A short, identifier-free detail (e.g. a grant id or a state). */
  readonly detail?: string;
}

export interface AuditEntry extends AuditEntryInput {
  /**
   * Ascending, assigned by the store: the log's order. Assigned in commit order, so a
   * reader paging with `afterSequence` never misses an entry committed after its last page.
   */
  readonly sequence: number;
}

/** The state of a request does not allow the move asked for (moved meanwhile, or a final state). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

/** The access request (or the saved cohort a new request names) does not exist. */
export class StoreNotFoundError extends Error {
  override name = 'StoreNotFoundError';
}

export interface GraphStore {
  readonly kind: 'sqlite' | 'postgres';

  saveCohort(input: { criteria: Readonly<Record<string, unknown>>; ownerId?: string }, now: Date): Promise<SavedCohortRecord>;
  /** Undefined for an unknown id, and for a string that is not an id at all (never an error). */
  findCohort(id: string): Promise<SavedCohortRecord | undefined>;

  /** Creates a SUBMITTED request with its first history event. StoreNotFoundError if `cohortId` names no saved cohort. */
  createAccessRequest(input: { requesterId: string; datasetIds: readonly string[]; purpose: string; cohortId?: string }, now: Date): Promise<AccessRequestRecord>;
  findAccessRequest(id: string): Promise<AccessRequestRecord | undefined>;
  /**
   * Requests, newest first; by requester when given, else all (for the committee). `states`
   * keeps requests in any of them; absent or empty means every state.
   */
  listAccessRequests(filter: { requesterId?: string; states?: readonly AccessRequestState[]; limit: number; offset: number }): Promise<{ items: AccessRequestRecord[]; totalCount: number }>;
  /**
   * Moves a request to `to` if `from` is its current state (throws StoreConflictError
   * otherwise), appends the history event and a REQUEST_STATE_CHANGED audit entry per
   * dataset, and, for APPROVED, creates the grants and their GRANT_CREATED audit entries:
   * all in one transaction.
   *
   * StoreConflictError when the move is not in ACCESS_REQUEST_TRANSITIONS or the request is
   * no longer in `from`; StoreNotFoundError for an unknown id. APPROVED needs `grants` with an
   * `expiresAt` after `now` (a TypeError / RangeError otherwise: the caller validates input).
   * Grants go to the requester, granted by `actorId`. `requestId` is the gateway's request
   * id for the audit entries; audit details name the access request and grant ids.
   */
  transitionAccessRequest(input: {
    id: string; from: AccessRequestState; to: AccessRequestState; actorId: string; note?: string;
    grants?: { expiresAt: Date }; operationName: string; requestId?: string;
  }, now: Date): Promise<{ request: AccessRequestRecord; grants: GrantRecord[] }>;
  /** StoreNotFoundError for an unknown id. */
  setNegotiatorUrl(id: string, url: string): Promise<void>;

  /**
   * Creates a grant outside a request (e.g. a provider administrator), audited in the same
   * transaction. `requestId` here is an access request's id (the grant's `requestId`).
   */
  createGrant(input: { datasetId: string; granteeId: string; expiresAt: Date; grantedBy: string; requestId?: string; operationName: string }, now: Date): Promise<GrantRecord>;
  /**
   * Revokes a grant at `now` with a GRANT_REVOKED audit entry. Undefined for an unknown id;
   * a grant already revoked is returned as it is, with no second entry.
   */
  revokeGrant(input: { id: string; actorId: string; operationName: string }, now: Date): Promise<GrantRecord | undefined>;
  /**
   * A grantee's grants active at `now`, oldest first: expiring after `now`, and not revoked
   * at or before it (so a check for an earlier instant sees the grant as it was then).
   */
  activeGrants(granteeId: string, now: Date): Promise<GrantRecord[]>;
  /** Grants, active and past, newest first. */
  listGrants(filter: { granteeId?: string; datasetId?: string; limit: number; offset: number }): Promise<{ items: GrantRecord[]; totalCount: number }>;

  /** Appends entries in one transaction; never updates or deletes. */
  appendAudit(entries: readonly AuditEntryInput[]): Promise<void>;
  /** Entries in log order, after `afterSequence` when given. */
  listAudit(filter: { datasetId?: string; actorId?: string; afterSequence?: number; limit: number }): Promise<AuditEntry[]>;

  close(): Promise<void>;
}
