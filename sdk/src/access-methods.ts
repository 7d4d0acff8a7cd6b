import {
  AccessRequestDocument, AccessRequestsDocument, ApproveAccessRequestDocument, AuditLogDocument, DeclineAccessRequestDocument,
  GrantAccessDocument, GrantsDocument, MyAccessRequestsDocument, MyGrantsDocument, RequestAccessDocument, RevokeGrantDocument,
  StartAccessReviewDocument, WithdrawAccessRequestDocument,
  type AccessRequestFieldsFragment, type AccessRequestState, type AuditEntryFieldsFragment, type GrantAccessInput,
  type GrantFieldsFragment, type RequestAccessInput,
} from './__generated__/graphql.js';
import { paginate, toPageSize, type PageOptions, type Paginated } from './paginate.js';
import type { Transport } from './transport.js';

/** An instant for the graph's DateTime: a Date, or an ISO 8601 string with offset. */
export type DateTimeInput = Date | string;

/**
 * Access: a researcher's requests and grants; the data-access committee's review,
 * decisions and audit log. Each needs a token with the role named (UNAUTHENTICATED
 * without one, FORBIDDEN with the wrong role).
 */
export interface AccessMethods {
  /** Asks for access to datasets, with a purpose (20 to 5,000 characters) and optionally a saved cohort (researcher). */
  requestAccess(input: RequestAccessInput): Promise<AccessRequestFieldsFragment>;
  /** The caller's own requests, newest first. */
  myAccessRequests(options?: PageOptions): Paginated<AccessRequestFieldsFragment>;
  /** One request: its requester's or the committee's; null for anyone else. */
  accessRequest(id: string): Promise<AccessRequestFieldsFragment | null>;
  /** Withdraws one's own request before a decision. */
  withdrawAccessRequest(id: string, options?: { readonly note?: string }): Promise<AccessRequestFieldsFragment>;
  /** Every request, newest first, optionally only in some states (committee). */
  accessRequests(options?: PageOptions & { readonly states?: readonly AccessRequestState[] }): Paginated<AccessRequestFieldsFragment>;
  /** Takes a submitted request into review (committee). */
  startAccessReview(id: string): Promise<AccessRequestFieldsFragment>;
  /** Approves a request under review, granting each of its datasets until `expiresAt` (committee). */
  approveAccessRequest(id: string, options: { readonly expiresAt: DateTimeInput; readonly note?: string }): Promise<AccessRequestFieldsFragment>;
  /** Declines a request (committee). */
  declineAccessRequest(id: string, options?: { readonly note?: string }): Promise<AccessRequestFieldsFragment>;
  /** The caller's grants, active and past. */
  myGrants(): Promise<GrantFieldsFragment[]>;
  /** Grants by dataset or grantee, newest first (committee). */
  grants(options?: PageOptions & { readonly datasetId?: string; readonly granteeId?: string }): Paginated<GrantFieldsFragment>;
  /** Grants access outside a request (provider administrator). */
  grantAccess(input: Omit<GrantAccessInput, 'expiresAt'> & { readonly expiresAt: DateTimeInput }): Promise<GrantFieldsFragment>;
  /** Revokes a grant at once (committee or provider administrator). */
  revokeGrant(id: string): Promise<GrantFieldsFragment>;
  /** The audit log in order, after `afterSequence` if given (committee). */
  auditLog(options?: PageOptions & { readonly datasetId?: string; readonly actorId?: string; readonly afterSequence?: number }): Paginated<AuditEntryFieldsFragment>;
}

function toDateTime(value: DateTimeInput): string {
  return value instanceof Date ? value.toISOString() : value;
}

export function buildAccessMethods(transport: Transport): AccessMethods {
  return {
    async requestAccess(input) {
      return (await transport.request(RequestAccessDocument, { input })).requestAccess;
    },
    myAccessRequests(options = {}) {
      const first = toPageSize(options.pageSize);
      return paginate(async (after) => {
        const { myAccessRequests: page } = await transport.request(MyAccessRequestsDocument, { first, after }, { signal: options.signal });
        return { totalCount: page.totalCount, nodes: page.nodes, ...page.pageInfo };
      });
    },
    async accessRequest(id) {
      return (await transport.request(AccessRequestDocument, { id })).accessRequest;
    },
    async withdrawAccessRequest(id, { note } = {}) {
      return (await transport.request(WithdrawAccessRequestDocument, { id, note })).withdrawAccessRequest;
    },
    accessRequests(options = {}) {
      const first = toPageSize(options.pageSize);
      const states = options.states ? [...options.states] : undefined;
      return paginate(async (after) => {
        const { accessRequests: page } = await transport.request(AccessRequestsDocument, { states, first, after }, { signal: options.signal });
        return { totalCount: page.totalCount, nodes: page.nodes, ...page.pageInfo };
      });
    },
    async startAccessReview(id) {
      return (await transport.request(StartAccessReviewDocument, { id })).startAccessReview;
    },
    async approveAccessRequest(id, { expiresAt, note }) {
      return (await transport.request(ApproveAccessRequestDocument, { id, expiresAt: toDateTime(expiresAt), note })).approveAccessRequest;
    },
    async declineAccessRequest(id, { note } = {}) {
      return (await transport.request(DeclineAccessRequestDocument, { id, note })).declineAccessRequest;
    },
    async myGrants() {
      return (await transport.request(MyGrantsDocument)).myGrants;
    },
    grants(options = {}) {
      const first = toPageSize(options.pageSize);
      return paginate(async (after) => {
        const { grants: page } = await transport.request(GrantsDocument, { datasetId: options.datasetId, granteeId: options.granteeId, first, after }, { signal: options.signal });
        return { totalCount: page.totalCount, nodes: page.nodes, ...page.pageInfo };
      });
    },
    async grantAccess(input) {
      return (await transport.request(GrantAccessDocument, { input: { ...input, expiresAt: toDateTime(input.expiresAt) } })).grantAccess;
    },
    async revokeGrant(id) {
      return (await transport.request(RevokeGrantDocument, { id })).revokeGrant;
    },
    auditLog(options = {}) {
      const first = toPageSize(options.pageSize);
      // The log pages by sequence number, not by cursor: the cursor here is the last sequence
      // seen, and a page shorter than asked for is the last.
      return paginate(async (after) => {
        const afterSequence = after === null ? options.afterSequence : Number(after);
        const { auditLog: entries } = await transport.request(
          AuditLogDocument,
          { datasetId: options.datasetId, actorId: options.actorId, afterSequence, first },
          { signal: options.signal },
        );
        const last = entries.at(-1);
        return { totalCount: undefined, nodes: entries, hasNextPage: entries.length === first && last !== undefined, endCursor: last ? String(last.sequence) : null };
      });
    },
  };
}
