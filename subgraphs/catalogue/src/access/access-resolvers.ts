import type { GraphQLResolveInfo } from 'graphql';
import {
  badUserInput, codedError, StoreConflictError, toConnection, toPageWindow,
  type AccessRequestRecord, type AccessRequestState, type AuditEntry, type Caller, type GrantRecord, type GraphStore,
} from '@cancer-imaging/provider-kit';
import type { Catalogue } from '../catalogue/catalogue.js';
import { isCohortId } from '../cohorts/cohort-store.js';
import { ACCESS_ACTIONS, canStartFrom, mayAct, type AccessAction } from './access-state.js';
import type { NegotiatorClient } from './negotiator.js';

/** What the catalogue's resolvers get per request. */
export interface CatalogueContext {
  readonly caller: Caller;
  readonly requestId: string;
}

export interface AccessResolverOptions {
  readonly catalogue: Catalogue;
  readonly store: GraphStore;
  readonly negotiator?: NegotiatorClient;
  readonly now?: () => Date;
  readonly logger?: { warn(obj: object, msg: string): void };
}

const MAX_DATASETS_PER_REQUEST = 50;
const PURPOSE_LENGTH = { min: 20, max: 5_000 } as const;
const MAX_GRANT_YEARS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function operationNameOf(info: GraphQLResolveInfo): string {
  return info.operation.name?.value ?? 'anonymous';
}

/** Refuses anonymous callers; names nothing about the data. */
export function requireSignedIn(caller: Caller): string {
  if (caller.id === undefined) throw codedError('UNAUTHENTICATED', 'This needs a signed-in caller.');
  return caller.id;
}


function expiryFrom(argument: string, value: string, now: Date): Date {
  const expiresAt = new Date(value);
  if (Number.isNaN(expiresAt.getTime())) throw badUserInput(argument, 'is not an ISO 8601 instant.');
  if (expiresAt.getTime() <= now.getTime()) throw badUserInput(argument, 'must be in the future.');
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_GRANT_YEARS);
  if (expiresAt.getTime() > latest.getTime()) throw badUserInput(argument, `must be at most ${MAX_GRANT_YEARS} years ahead.`);
  return expiresAt;
}

/**
 * The access workflow over the store. Roles are checked before these resolvers run, by the
 * kit's graphql-shield rules (access-rules.ts); ownership, which depends on the request, is
 * checked here before the store is touched; the store's compare-and-set keeps two
 * reviewers from both deciding.
 */
export function buildAccessResolvers({ catalogue, store, negotiator, now = () => new Date(), logger }: AccessResolverOptions) {
  const findRequest = async (id: string): Promise<AccessRequestRecord | undefined> =>
    (UUID.test(id) ? store.findAccessRequest(id) : undefined);

  async function act(action: AccessAction, args: { id: string; note?: string | null; expiresAt?: string }, context: CatalogueContext, info: GraphQLResolveInfo) {
    const actorId = requireSignedIn(context.caller);
    const at = now();
    const expiresAt = action === 'approve' ? expiryFrom('expiresAt', args.expiresAt ?? '', at) : undefined;
    const request = await findRequest(args.id);
    // Someone who is neither its requester nor on the committee learns nothing about a
    // request, not even that it exists.
    if (!request || (request.requesterId !== actorId && !context.caller.roles.includes('committee'))) {
      throw codedError('NOT_FOUND', 'No access request has this id.');
    }
    if (!mayAct(action, context.caller, request.requesterId)) {
      throw codedError('FORBIDDEN', `Only ${ACCESS_ACTIONS[action].allowed.join(' or ')} may do this.`);
    }
    if (!canStartFrom(action, request.state)) {
      throw codedError('CONFLICT', `The request is ${request.state}; it cannot be ${ACCESS_ACTIONS[action].to.toLowerCase().replace('_', ' ')} from there.`);
    }
    try {
      const { request: moved } = await store.transitionAccessRequest({
        id: request.id, from: request.state, to: ACCESS_ACTIONS[action].to, actorId,
        ...(args.note && { note: args.note.slice(0, 2_000) }),
        ...(expiresAt && { grants: { expiresAt } }),
        operationName: operationNameOf(info), requestId: context.requestId,
      }, at);
      return moved;
    } catch (error) {
      if (error instanceof StoreConflictError) throw codedError('CONFLICT', 'The request changed meanwhile; read it again.');
      throw error;
    }
  }

  const page = <T>(args: { first?: number | null; after?: string | null }, load: (window: { offset: number; limit: number }) => Promise<{ items: T[]; totalCount: number }>) => {
    const window = toPageWindow(args);
    return load({ offset: window.offset, limit: window.limit }).then(({ items, totalCount }) => {
      const connection = toConnection(items, window, totalCount);
      return { totalCount: connection.totalCount, nodes: connection.nodes, pageInfo: connection.pageInfo };
    });
  };

  return {
    Query: {
      myAccessRequests(_: unknown, args: { first?: number | null; after?: string | null }, context: CatalogueContext) {
        const requesterId = requireSignedIn(context.caller);
        return page(args, (w) => store.listAccessRequests({ requesterId, limit: w.limit, offset: w.offset }));
      },
      accessRequests(_: unknown, args: { states?: AccessRequestState[] | null; first?: number | null; after?: string | null }, context: CatalogueContext) {
        requireSignedIn(context.caller);
        return page(args, (w) => store.listAccessRequests({ ...(args.states?.length && { states: args.states }), limit: w.limit, offset: w.offset }));
      },
      async accessRequest(_: unknown, args: { id: string }, context: CatalogueContext) {
        const id = requireSignedIn(context.caller);
        const request = await findRequest(args.id);
        return request && (request.requesterId === id || context.caller.roles.includes('committee')) ? request : null;
      },
      async myGrants(_: unknown, __: unknown, context: CatalogueContext) {
        const granteeId = requireSignedIn(context.caller);
        return (await store.listGrants({ granteeId, limit: 500, offset: 0 })).items;
      },
      grants(_: unknown, args: { datasetId?: string | null; granteeId?: string | null; first?: number | null; after?: string | null }, context: CatalogueContext) {
        requireSignedIn(context.caller);
        return page(args, (w) => store.listGrants({ ...(args.datasetId && { datasetId: args.datasetId }), ...(args.granteeId && { granteeId: args.granteeId }), limit: w.limit, offset: w.offset }));
      },
      auditLog(_: unknown, args: { datasetId?: string | null; actorId?: string | null; afterSequence?: number | null; first?: number | null }, context: CatalogueContext): Promise<AuditEntry[]> {
        requireSignedIn(context.caller);
        const limit = args.first ?? 100;
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badUserInput('first', `must be between 1 and 100; got ${limit}.`);
        return store.listAudit({
          ...(args.datasetId && { datasetId: args.datasetId }), ...(args.actorId && { actorId: args.actorId }),
          ...(args.afterSequence != null && { afterSequence: args.afterSequence }), limit,
        });
      },
    },

    Mutation: {
      async requestAccess(_: unknown, args: { input: { datasetIds: string[]; purpose: string; cohortId?: string | null } }, context: CatalogueContext) {
        const requesterId = requireSignedIn(context.caller);
        const { input } = args;
        const datasetIds = [...new Set(input.datasetIds)];
        if (datasetIds.length === 0 || datasetIds.length > MAX_DATASETS_PER_REQUEST) throw badUserInput('input.datasetIds', `must name 1 to ${MAX_DATASETS_PER_REQUEST} datasets.`);
        const unknown = datasetIds.filter((id) => !catalogue.dataset(id));
        if (unknown.length > 0) throw badUserInput('input.datasetIds', `no dataset has the id "${unknown[0]!.slice(0, 80)}".`);
        const purpose = input.purpose.trim();
        if (purpose.length < PURPOSE_LENGTH.min || purpose.length > PURPOSE_LENGTH.max) {
          throw badUserInput('input.purpose', `must be ${PURPOSE_LENGTH.min} to ${PURPOSE_LENGTH.max} characters; got ${purpose.length}.`);
        }
        if (input.cohortId != null && (!isCohortId(input.cohortId) || !(await store.findCohort(input.cohortId)))) {
          throw badUserInput('input.cohortId', 'no saved cohort has this id.');
        }
        const request = await store.createAccessRequest({ requesterId, datasetIds, purpose, ...(input.cohortId != null && { cohortId: input.cohortId }) }, now());
        if (!negotiator) return request;
        // The hand-over is a convenience: the request stands in our store whatever the Negotiator says.
        try {
          const redirectUrl = await negotiator.handOver(request, datasetIds.map((id) => catalogue.dataset(id)!));
          await store.setNegotiatorUrl(request.id, redirectUrl);
          return { ...request, negotiatorUrl: redirectUrl };
        } catch (error) {
          logger?.warn({ err: error, requestId: context.requestId }, 'hand-over to the Negotiator failed');
          return request;
        }
      },
      withdrawAccessRequest: (_: unknown, args: { id: string; note?: string | null }, context: CatalogueContext, info: GraphQLResolveInfo) => act('withdraw', args, context, info),
      startAccessReview: (_: unknown, args: { id: string }, context: CatalogueContext, info: GraphQLResolveInfo) => act('startReview', args, context, info),
      approveAccessRequest: (_: unknown, args: { id: string; expiresAt: string; note?: string | null }, context: CatalogueContext, info: GraphQLResolveInfo) => act('approve', args, context, info),
      declineAccessRequest: (_: unknown, args: { id: string; note?: string | null }, context: CatalogueContext, info: GraphQLResolveInfo) => act('decline', args, context, info),
      async grantAccess(_: unknown, args: { input: { datasetId: string; granteeId: string; expiresAt: string } }, context: CatalogueContext, info: GraphQLResolveInfo) {
        const grantedBy = requireSignedIn(context.caller);
        const at = now();
        if (!catalogue.dataset(args.input.datasetId)) throw badUserInput('input.datasetId', 'no dataset has this id.');
        const granteeId = args.input.granteeId.trim();
        if (granteeId.length === 0 || granteeId.length > 256) throw badUserInput('input.granteeId', 'must be 1 to 256 characters.');
        return store.createGrant({
          datasetId: args.input.datasetId, granteeId, expiresAt: expiryFrom('input.expiresAt', args.input.expiresAt, at),
          grantedBy, operationName: operationNameOf(info),
        }, at);
      },
      async revokeGrant(_: unknown, args: { id: string }, context: CatalogueContext, info: GraphQLResolveInfo) {
        const actorId = requireSignedIn(context.caller);
        const revoked = UUID.test(args.id) ? await store.revokeGrant({ id: args.id, actorId, operationName: operationNameOf(info) }, now()) : undefined;
        if (!revoked) throw codedError('NOT_FOUND', 'No grant has this id.');
        return revoked;
      },
    },

    AccessRequest: {
      requester: (request: AccessRequestRecord) => request.requesterId,
      datasets: (request: AccessRequestRecord) => request.datasetIds.map((id) => catalogue.dataset(id)).filter((d) => d !== undefined),
      cohort: (request: AccessRequestRecord) => (request.cohortId ? store.findCohort(request.cohortId) : null),
      createdAt: (request: AccessRequestRecord) => request.createdAt.toISOString(),
      updatedAt: (request: AccessRequestRecord) => request.updatedAt.toISOString(),
      history: (request: AccessRequestRecord) => request.history.map((event) => ({ state: event.state, actor: event.actorId, at: event.at.toISOString(), note: event.note ?? null })),
      async grants(request: AccessRequestRecord) {
        if (request.state !== 'APPROVED') return [];
        const { items } = await store.listGrants({ granteeId: request.requesterId, limit: 500, offset: 0 });
        return items.filter((grant) => grant.requestId === request.id);
      },
      negotiatorUrl: (request: AccessRequestRecord) => request.negotiatorUrl ?? null,
    },

    Grant: {
      dataset: (grant: GrantRecord) => catalogue.dataset(grant.datasetId) ?? null,
      grantee: (grant: GrantRecord) => grant.granteeId,
      expiresAt: (grant: GrantRecord) => grant.expiresAt.toISOString(),
      createdAt: (grant: GrantRecord) => grant.createdAt.toISOString(),
      revokedAt: (grant: GrantRecord) => grant.revokedAt?.toISOString() ?? null,
      active: (grant: GrantRecord) => grant.revokedAt === undefined && grant.expiresAt.getTime() > now().getTime(),
      requestId: (grant: GrantRecord) => grant.requestId ?? null,
    },

    AuditEntry: {
      actor: (entry: AuditEntry) => entry.actorId,
      at: (entry: AuditEntry) => entry.at.toISOString(),
      requestId: (entry: AuditEntry) => entry.requestId ?? null,
      detail: (entry: AuditEntry) => entry.detail ?? null,
    },
  };
}
