import type { GraphQLResolveInfo } from 'graphql';
import type { IMiddlewareFieldMap, IMiddlewareTypeMap } from 'graphql-middleware';
import { recordLevelFields, type RecordLevelField } from '../auth/record-level-fields.js';
import type { ProviderContext } from '../context.js';
import type { KindTypeNames } from '../schema.js';

type FieldMiddleware = (
  resolve: (parent: unknown, args: unknown, context: ProviderContext, info: GraphQLResolveInfo) => unknown,
  parent: unknown, args: unknown, context: ProviderContext, info: GraphQLResolveInfo,
) => Promise<unknown>;

function auditThenResolve(field: RecordLevelField): FieldMiddleware {
  return async (resolve, parent, args, context, info) => {
    // Awaited before the resolver runs: if the entry cannot be written, no data is read.
    // The executed operation's name: GraphQL knows it even when the request sent no operationName.
    if (field.audited?.(parent) !== false) await context.audit.record(field.action, field.datasetOf(parent), info.operation?.name?.value);
    return resolve(parent, args, context, info);
  };
}

/**
 * graphql-middleware that writes every record-level read to the request's audit trail
 * before resolving it. Applied inside the shield, so only reads the shield allowed are
 * audited, and a refused read leaves no entry.
 */
export function auditRecordReads(types: KindTypeNames): IMiddlewareTypeMap<unknown, ProviderContext, unknown> {
  const map: Record<string, IMiddlewareFieldMap<unknown, ProviderContext, unknown>> = {};
  for (const field of recordLevelFields(types)) {
    map[field.type] = { ...map[field.type], [field.field]: auditThenResolve(field) };
  }
  return map;
}
