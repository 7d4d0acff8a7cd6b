import type { RoleRequirements } from '@cancer-imaging/provider-kit';

/**
 * Who may call the catalogue's access fields (graphql-shield, via the kit). Ownership
 * checks that depend on the data (a requester's own request) are in access-resolvers.ts.
 * Catalogue metadata, saved cohorts and reports stay open to anyone.
 */
export const ACCESS_ROLE_REQUIREMENTS: RoleRequirements = {
  Query: {
    myAccessRequests: 'signed-in',
    accessRequest: 'signed-in',
    myGrants: 'signed-in',
    accessRequests: ['committee'],
    grants: ['committee'],
    auditLog: ['committee'],
  },
  Mutation: {
    requestAccess: ['researcher'],
    withdrawAccessRequest: 'signed-in',
    startAccessReview: ['committee'],
    approveAccessRequest: ['committee'],
    declineAccessRequest: ['committee'],
    grantAccess: ['provider-admin'],
    revokeGrant: ['committee', 'provider-admin'],
  },
};
