/**
 * The catalogue's access SDL: access requests, grants and the audit log. Appended to the
 * catalogue's own types (schema.ts). Who may call what is in access-rules.ts.
 */
export const ACCESS_TYPE_DEFS = `
"""Where an access request is in its review."""
enum AccessRequestState {
  """Sent by the researcher, not yet taken up by the committee."""
  SUBMITTED
  """The data-access committee is reviewing it."""
  UNDER_REVIEW
  """Approved: grants were created for every dataset of the request."""
  APPROVED
  """Declined by the committee."""
  DECLINED
  """Withdrawn by the researcher before a decision."""
  WITHDRAWN
}

"""One step in an access request's history."""
type AccessRequestEvent {
  """The state the request entered."""
  state: AccessRequestState!
  """Subject id of who moved it there."""
  actor: String!
  """When."""
  at: DateTime!
  """The committee's or researcher's note, if any."""
  note: String
}

"""A researcher's request for access to datasets, and its review."""
type AccessRequest {
  """Random id."""
  id: ID!
  """Subject id of the researcher who asked."""
  requester: String!
  """The datasets asked for."""
  datasets: [Dataset!]!
  """Why the researcher needs the data."""
  purpose: String!
  """The saved cohort the request refers to, if any (its report can be attached)."""
  cohort: SavedCohort
  """Where the request is now."""
  state: AccessRequestState!
  """When it was sent."""
  createdAt: DateTime!
  """When its state last changed."""
  updatedAt: DateTime!
  """Every state it went through, oldest first."""
  history: [AccessRequestEvent!]!
  """The grants its approval created (empty until approved)."""
  grants: [Grant!]!
  """The request at the BBMRI-ERIC Negotiator, when it was handed over there."""
  negotiatorUrl: String
}

"""Access to one dataset for one grantee until a time."""
type Grant {
  """Random id."""
  id: ID!
  """The dataset."""
  dataset: Dataset
  """Graph id of the dataset (kept when the dataset has left the catalogue)."""
  datasetId: ID!
  """Subject id of who may read it."""
  grantee: String!
  """When access ends."""
  expiresAt: DateTime!
  """Subject id of who granted it."""
  grantedBy: String!
  """When it was granted."""
  createdAt: DateTime!
  """When it was revoked, if it was."""
  revokedAt: DateTime
  """Neither expired nor revoked, now."""
  active: Boolean!
  """The access request it came from, if any."""
  requestId: ID
}

"""What an audit entry records."""
enum AuditAction {
  READ_SUBJECTS
  READ_STUDIES
  READ_SERIES
  READ_SEGMENTATIONS
  ISSUE_RETRIEVE_LINK
  RETRIEVE_SERIES
  GRANT_CREATED
  GRANT_REVOKED
  REQUEST_STATE_CHANGED
}

"""One entry of the append-only audit log."""
type AuditEntry {
  """Position in the log; entries are never rewritten."""
  sequence: Int!
  """Subject id of who acted."""
  actor: String!
  """What they did."""
  action: AuditAction!
  """Graph id of the dataset concerned."""
  datasetId: ID!
  """The GraphQL operation (or HTTP route) it happened in."""
  operationName: String!
  """The request id, to find the matching log lines."""
  requestId: String
  """When."""
  at: DateTime!
  """A short detail (a grant id, a state)."""
  detail: String
}

"""One page of access requests, newest first."""
type AccessRequestConnection {
  """Number of requests matching, over all pages."""
  totalCount: Int!
  """The requests of this page."""
  nodes: [AccessRequest!]!
  """Where this page ends and whether another follows."""
  pageInfo: PageInfo!
}

"""One page of grants, newest first."""
type GrantConnection {
  """Number of grants matching, over all pages."""
  totalCount: Int!
  """The grants of this page."""
  nodes: [Grant!]!
  """Where this page ends and whether another follows."""
  pageInfo: PageInfo!
}

"""What a researcher asks for."""
input RequestAccessInput {
  """Graph ids of the datasets (1 to 50, all in the catalogue)."""
  datasetIds: [ID!]!
  """Why the data is needed: 20 to 5,000 characters."""
  purpose: String!
  """A saved cohort to attach (its report shows the counts asked about)."""
  cohortId: ID
}

"""A grant made outside a request, by a provider administrator."""
input GrantAccessInput {
  """Graph id of the dataset."""
  datasetId: ID!
  """Subject id of who may read it."""
  granteeId: String!
  """When access ends: in the future, at most five years ahead."""
  expiresAt: DateTime!
}
`;

/** Fields added to Query and Mutation (merged into the catalogue's root types). */
export const ACCESS_QUERY_FIELDS = `
  """The signed-in caller's own access requests, newest first."""
  myAccessRequests(
    """Page size, 0 to 100."""
    first: Int = 20
    """A cursor from a previous page."""
    after: String
  ): AccessRequestConnection!
  """Every access request, newest first (data-access committee)."""
  accessRequests(
    """Only requests in these states."""
    states: [AccessRequestState!]
    """Page size, 0 to 100."""
    first: Int = 20
    """A cursor from a previous page."""
    after: String
  ): AccessRequestConnection!
  """One access request: its requester's or the committee's; null for anyone else."""
  accessRequest(
    """The request's id."""
    id: ID!
  ): AccessRequest
  """The signed-in caller's grants, active and past."""
  myGrants: [Grant!]!
  """Grants by dataset or grantee (data-access committee)."""
  grants(
    """Only grants of this dataset."""
    datasetId: ID
    """Only grants of this grantee."""
    granteeId: String
    """Page size, 0 to 100."""
    first: Int = 20
    """A cursor from a previous page."""
    after: String
  ): GrantConnection!
  """The audit log in order (data-access committee)."""
  auditLog(
    """Only entries about this dataset."""
    datasetId: ID
    """Only entries of this actor."""
    actorId: String
    """Only entries after this sequence number."""
    afterSequence: Int
    """At most this many entries, 1 to 100."""
    first: Int = 100
  ): [AuditEntry!]!
`;

export const ACCESS_MUTATION_FIELDS = `
  """Asks for access to datasets (researcher). Handed over to the BBMRI-ERIC Negotiator when one is configured."""
  requestAccess(
    """What is asked for, and why."""
    input: RequestAccessInput!
  ): AccessRequest!
  """Withdraws one's own request before a decision (its requester)."""
  withdrawAccessRequest(
    """The request's id."""
    id: ID!
    """Why, optionally."""
    note: String
  ): AccessRequest!
  """Takes a submitted request into review (data-access committee)."""
  startAccessReview(
    """The request's id."""
    id: ID!
  ): AccessRequest!
  """Approves a request under review, granting every dataset until expiresAt (data-access committee)."""
  approveAccessRequest(
    """The request's id."""
    id: ID!
    """When the grants end: in the future, at most five years ahead."""
    expiresAt: DateTime!
    """The committee's note."""
    note: String
  ): AccessRequest!
  """Declines a request (data-access committee)."""
  declineAccessRequest(
    """The request's id."""
    id: ID!
    """Why."""
    note: String
  ): AccessRequest!
  """Grants access outside a request (provider administrator)."""
  grantAccess(
    """Who, what and until when."""
    input: GrantAccessInput!
  ): Grant!
  """Revokes a grant at once (data-access committee or provider administrator)."""
  revokeGrant(
    """The grant's id."""
    id: ID!
  ): Grant!
`;
