import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import { auditRecordReads } from '../privacy/audit-middleware.js';
import type { KindTypeNames } from '../schema.js';
import { recordLevelShield } from './shield-rules.js';

// The CommonJS build, as graphql-shield's (see shield-rules.ts): applyMiddleware recognises
// shield's middleware generator only when both come from the same build. Loaded on first use.
const require = createRequire(import.meta.url);

/**
 * A kind subgraph's executable schema with the kit's authorization and audit around its
 * record-level fields: the shield decides (outermost), then the read is audited, then the
 * resolver runs. The schema's SDL, and so what `_service { sdl }` reports and composition
 * sees, is unchanged: middleware only wraps resolvers. Federation's `_entities` keeps
 * working because the reference resolvers live in the types' extensions, which the
 * middleware's schema copy keeps.
 */
export function protectProviderSchema(schema: GraphQLSchema, types: KindTypeNames): GraphQLSchema {
  const { applyMiddleware } = require('graphql-middleware') as typeof import('graphql-middleware');
  return applyMiddleware(schema, recordLevelShield(types), auditRecordReads(types));
}
