import { newStoreId } from './store-ids.js';
import { canTransition, StoreConflictError, type AccessRequestState, type AuditEntryInput, type GrantRecord } from './types.js';

/**
 * What both engines write for a change of access, built once here so SQLite and
 * PostgreSQL record the same rows and the same audit entries.
 */

export interface TransitionInput {
  readonly id: string;
  readonly from: AccessRequestState;
  readonly to: AccessRequestState;
  readonly actorId: string;
  readonly note?: string;
  readonly grants?: { readonly expiresAt: Date };
  readonly operationName: string;
  readonly requestId?: string;
}

/** Refuses, before any read or write, a move the workflow never allows or an approval without a valid expiry. */
export function checkTransition(input: TransitionInput, now: Date): void {
  if (!canTransition(input.from, input.to)) {
    throw new StoreConflictError(`An access request cannot move from ${input.from} to ${input.to}.`);
  }
  if (input.to === 'APPROVED') {
    if (!input.grants) throw new TypeError('Approving an access request needs grants.expiresAt.');
    if (!(input.grants.expiresAt.getTime() > now.getTime())) throw new RangeError('grants.expiresAt must be after now.');
  }
}

/** The grants an approval creates: one per dataset, to the requester, granted by the approver. */
export function grantsForApproval(
  request: { readonly id: string; readonly requesterId: string; readonly datasetIds: readonly string[] },
  input: TransitionInput,
  now: Date,
): GrantRecord[] {
  if (input.to !== 'APPROVED' || !input.grants) return [];
  const expiresAt = input.grants.expiresAt;
  // A request naming a dataset twice still gives one grant for it.
  return [...new Set(request.datasetIds)].map((datasetId) => ({
    id: newStoreId(), datasetId, granteeId: request.requesterId, expiresAt, grantedBy: input.actorId, createdAt: now, requestId: request.id,
  }));
}

/** REQUEST_STATE_CHANGED per dataset of the request, then GRANT_CREATED per new grant. */
export function transitionAuditEntries(
  datasetIds: readonly string[],
  input: TransitionInput,
  grants: readonly GrantRecord[],
  now: Date,
): AuditEntryInput[] {
  const common = { actorId: input.actorId, operationName: input.operationName, at: now, ...(input.requestId !== undefined && { requestId: input.requestId }) };
  return [
    ...[...new Set(datasetIds)].map((datasetId): AuditEntryInput => ({
      ...common, action: 'REQUEST_STATE_CHANGED', datasetId, detail: `request=${input.id} from=${input.from} to=${input.to}`,
    })),
    ...grants.map((grant) => grantCreatedEntry(grant, input.operationName, input.requestId)),
  ];
}

export function grantCreatedEntry(grant: GrantRecord, operationName: string, requestId?: string): AuditEntryInput {
  return {
    actorId: grant.grantedBy, action: 'GRANT_CREATED', datasetId: grant.datasetId, operationName, at: grant.createdAt,
    detail: `grant=${grant.id}${grant.requestId ? ` request=${grant.requestId}` : ''} expires=${grant.expiresAt.toISOString()}`,
    ...(requestId !== undefined && { requestId }),
  };
}

export function grantRevokedEntry(grant: GrantRecord, actorId: string, operationName: string, now: Date): AuditEntryInput {
  return { actorId, action: 'GRANT_REVOKED', datasetId: grant.datasetId, operationName, at: now, detail: `grant=${grant.id}` };
}
