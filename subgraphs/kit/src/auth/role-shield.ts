import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import type { IRule } from 'graphql-shield';
import { codedError } from '../errors.js';
import type { Caller } from '../privacy/access-policy.js';
import type { Role } from './roles.js';

// The CommonJS builds, for the reason given in shield-rules.ts.
const require = createRequire(import.meta.url);
const shieldLibrary = () => require('graphql-shield') as typeof import('graphql-shield');

/** Who may call a field: any signed-in caller, or one holding any of these roles. */
export type RoleRequirement = 'signed-in' | readonly Role[];

/** Field requirements by type and field, e.g. `{ Mutation: { requestAccess: ['researcher'] } }`. */
export type RoleRequirements = Readonly<Record<string, Readonly<Record<string, RoleRequirement>>>>;

function ruleFor(type: string, field: string, requirement: RoleRequirement): IRule {
  return shieldLibrary().rule(`role:${type}.${field}`, { cache: 'contextual' })(
    (_parent: unknown, _args: unknown, context: { caller: Caller }) => {
      if (context.caller.id === undefined) return codedError('UNAUTHENTICATED', 'This needs a signed-in caller.');
      if (requirement === 'signed-in' || requirement.some((role) => context.caller.roles.includes(role))) return true;
      return codedError('FORBIDDEN', `This needs the ${requirement.join(' or ')} role.`);
    },
  );
}

/**
 * Guards fields by role with graphql-shield: what the catalogue's access workflow uses for
 * its queries and mutations (record-level fields of kinds are guarded by shield-rules.ts).
 * Everything not listed stays open; resolvers' own coded errors pass through. Ownership
 * ("only the requester may withdraw") depends on the data and stays in the resolvers.
 */
export function protectWithRoles<TContext extends { caller: Caller }>(schema: GraphQLSchema, requirements: RoleRequirements): GraphQLSchema {
  const { shield, allow } = shieldLibrary();
  const { applyMiddleware } = require('graphql-middleware') as typeof import('graphql-middleware');
  const tree: Record<string, Record<string, IRule>> = {};
  for (const [type, fields] of Object.entries(requirements)) {
    tree[type] = Object.fromEntries(Object.entries(fields).map(([field, requirement]) => [field, ruleFor(type, field, requirement)]));
  }
  const middleware = shield<unknown, TContext, unknown>(tree, {
    fallbackRule: allow, allowExternalErrors: true, debug: false,
    fallbackError: () => codedError('FORBIDDEN', 'This is not allowed.'),
  });
  return applyMiddleware(schema, middleware);
}
