/**
 * Who is asking, as the subgraph knows it: from the gateway's signed caller header
 * (auth/resolve-caller.ts), anonymous when it is missing or does not verify.
 */
export interface Caller {
  /** Stable subject of the verified token; undefined for anonymous callers. */
  readonly id?: string;
  /**
   * Roles of the verified token (see auth/roles.ts). Typed as strings, not `Role`, so code
   * that asks `roles.includes(someString)` keeps compiling; the resolver only ever puts
   * known roles here.
   */
  readonly roles: readonly string[];
  /** Datasets (graph ids) the caller holds a grant for, with the grant's expiry. */
  readonly grants: readonly Grant[];
  /** Display name from the token, for logs and request history; never used to decide access. */
  readonly name?: string;
}

export interface Grant {
  readonly datasetId: string;
  readonly expiresAt: Date;
}

export const ANONYMOUS: Caller = Object.freeze({ roles: [], grants: [] });

/**
 * The access-policy hook. The kit asks it before any record-level field (subjects, studies,
 * series, segmentations, retrieve links) and before giving an exact count.
 */
export interface AccessPolicy {
  /** May the caller read record-level data of this dataset (graph id)? */
  canReadRecords(caller: Caller, datasetId: string, now: Date): boolean;
  /** May the caller see exact (unrounded) counts for this dataset? */
  canSeeExactCounts(caller: Caller, datasetId: string, now: Date): boolean;
}

function holdsGrant(caller: Caller, datasetId: string, now: Date): boolean {
  return caller.grants.some((grant) => grant.datasetId === datasetId && grant.expiresAt.getTime() > now.getTime());
}

/** The default: record-level data and exact counts only under an unexpired grant. */
export const grantBasedPolicy: AccessPolicy = {
  canReadRecords: holdsGrant,
  canSeeExactCounts: holdsGrant,
};
