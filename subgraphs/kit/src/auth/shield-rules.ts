import { createRequire } from 'node:module';
import type { IMiddlewareGenerator } from 'graphql-middleware';
import type { IRule, IRules } from 'graphql-shield';
import type { ProviderContext } from '../context.js';
import { codedError } from '../errors.js';
import type { KindTypeNames } from '../schema.js';
import { recordLevelFields, type RecordLevelField } from './record-level-fields.js';

// graphql-shield 7.6.5's ESM build imports `isUndefined` from node:util, which Node 23
// removed (maticzav/graphql-shield#1561), so `import 'graphql-shield'` fails to link there.
// Its CommonJS build only looks that function up inside the chain and race rules, which
// the kit does not use. protect-schema.ts loads graphql-middleware the same way, so the
// middleware generator shield returns is the class its applyMiddleware recognises.
// Loaded on first use: services that import the kit without building a kind subgraph (the
// catalogue) do not pay for it at start.
const require = createRequire(import.meta.url);
const shieldLibrary = () => require('graphql-shield') as typeof import('graphql-shield');

/** Messages are the same for every field and dataset: a refusal says nothing about the data. */
export const NEEDS_SIGN_IN = 'Record-level data needs a signed-in caller with a grant for the dataset.';
export const NEEDS_GRANT = 'Record-level data needs a grant for the dataset; you hold none that is in force.';

/**
 * The rule of one record-level field: an authenticated caller whom the access policy lets
 * read this parent's dataset (the default policy: an unexpired grant for it). Never cached:
 * the parents of one field in one request may belong to different datasets, and a
 * context-wide cache (shield's `contextual`) would let the first parent's answer stand for all.
 */
function mayReadRecords(field: RecordLevelField): IRule {
  return shieldLibrary().rule(`may-read-records:${field.type}.${field.field}`, { cache: 'no_cache' })(
    (parent: unknown, _args: unknown, context: ProviderContext) => {
      const { caller } = context;
      // Authentication first: a record-level read is always attributable to someone.
      if (caller.id === undefined) return codedError('UNAUTHENTICATED', NEEDS_SIGN_IN);
      if (!context.policy.canReadRecords(caller, field.datasetOf(parent), context.now)) return codedError('FORBIDDEN', NEEDS_GRANT);
      return true;
    },
  );
}

/** The rule tree: one rule per record-level field; every other field falls back to `allow`. */
export function recordLevelRuleTree(types: KindTypeNames): IRules {
  const tree: Record<string, Record<string, IRule>> = {};
  for (const field of recordLevelFields(types)) {
    tree[field.type] = { ...tree[field.type], [field.field]: mayReadRecords(field) };
  }
  return tree;
}

/**
 * The kit's graphql-shield middleware for a kind's schema. Aggregates (provider status,
 * cohorts and breakdowns, dataset counts) stay open: exact counts are the access policy's
 * call inside the cohort resolvers, not the shield's.
 * - `fallbackRule: allow`: only record-level fields are guarded.
 * - `allowExternalErrors: true`: resolvers' own coded errors (BAD_USER_INPUT, PROVIDER_*,
 *   the audit's refusals) reach the client instead of shield's generic error.
 * - `debug: false`; a rule that throws refuses with FORBIDDEN rather than leaking its error.
 */
export function recordLevelShield(types: KindTypeNames): IMiddlewareGenerator<unknown, ProviderContext, unknown> {
  const { shield, allow } = shieldLibrary();
  return shield(recordLevelRuleTree(types), {
    fallbackRule: allow,
    allowExternalErrors: true,
    debug: false,
    fallbackError: () => codedError('FORBIDDEN', NEEDS_GRANT),
  });
}
