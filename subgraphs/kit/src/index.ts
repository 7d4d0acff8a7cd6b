export * from './adapter.js';
export * from './errors.js';
export { BreakdownTally } from './breakdown-tally.js';
export * from './ids.js';
export * from './pagination.js';
export * from './registry.js';
export { startSubgraphServer, type RunningSubgraph, type SubgraphServerOptions, type SubgraphMetricsOptions } from './http-server.js';
export {
  createProviderSubgraph, kindSubgraphFactory, auditDestinationOf, PUBLIC_URL_HEADER,
  type KindSubgraphOptions, type ListenMetricsOption, type ProviderSubgraph, type ProviderSubgraphOptions,
} from './create-provider-subgraph.js';
export { signRetrieveTicket, verifyRetrieveTicket, deriveRetrieveSecret, RETRIEVE_TICKET_TTL_MS, type RetrieveTicket } from './retrieve-ticket.js';
export { buildProviderTypeDefs, kindTypeNames, type KindTypeNames } from './schema.js';
export { normalizeCriteria, toSiteCriteria, type CohortCriteriaInput, type NormalizedCriteria } from './criteria.js';
export { protectCount, UNAVAILABLE_COUNT, type ProtectedCount, type CountPrecision } from './privacy/protect-count.js';
export { ANONYMOUS, grantBasedPolicy, type AccessPolicy, type Caller, type Grant } from './privacy/access-policy.js';
export { scrubFreeText, toAgeBand } from './privacy/scrub.js';
export { withDeadline, settleWithDeadline } from './deadline.js';
export type { ProviderContext } from './context.js';
export type { ResolverMap } from './resolvers/build-resolvers.js';
export {
  loadProviderProcessConfig, runProviderProcess, openProviderAccess, PROVIDER_LOG_REDACT, DEFAULT_GRAPH_DATABASE_PATH, type ProviderAccess, type ProviderProcessConfig,
} from './provider-process.js';
export { decideCancerType, diagnosisOf, inRange, sexMatches, hasSeriesCriteria, type CancerTypeDecision } from './dataset-criteria.js';
export { UpstreamCallFailure, toTransportError as toUpstreamTransportError } from './upstream-errors.js';
export { ROLES, isRole, type Role } from './auth/roles.js';
export { CALLER_HEADER, MIN_INTERNAL_SECRET_LENGTH, signCallerClaims, verifyCallerClaims, type CallerClaims, type ClaimedGrant } from './auth/internal-claims.js';
export type * from './store/types.js';
export { StoreConflictError } from './store/types.js';
export { StoreNotFoundError, ACCESS_REQUEST_STATES, ACCESS_REQUEST_TRANSITIONS, canTransition } from './store/types.js';
export { openGraphStore, parseStoreUrl, StoreUrlError, type OpenGraphStoreOptions, type StoreLocation } from './store/open-store.js';
export { openSqliteGraphStore } from './store/sqlite-store.js';
export { openPostgresGraphStore, type PostgresStoreOptions } from './store/postgres-store.js';
export { isStoreId, newStoreId } from './store/store-ids.js';
export { createCallerResolver, DEFAULT_GRANT_CACHE_MS, type CallerResolver, type CallerResolverOptions, type HeaderSource } from './auth/resolve-caller.js';
export { recordLevelFields, type RecordLevelField, type RecordReadAction } from './auth/record-level-fields.js';
export { recordLevelShield, NEEDS_GRANT, NEEDS_SIGN_IN } from './auth/shield-rules.js';
export { AUDIT_FAILED, AUDIT_NOT_CONFIGURED, type AuditDestination } from './privacy/record-audit.js';
export { protectWithRoles, type RoleRequirement, type RoleRequirements } from './auth/role-shield.js';
export { freePort } from './net/free-port.js';
export { missingTestTool } from './missing-test-tool.js';
export { runAdapterOperation } from './adapter-operation.js';
export {
  createMetricsRegistry, createLabelCap, escapeLabelValue, escapeHelp, formatValue, PROMETHEUS_CONTENT_TYPE, DEFAULT_DURATION_BUCKETS,
  type MetricsRegistry, type Counter, type Histogram, type Gauge, type Labels, type HistogramOptions,
} from './metrics/registry.js';
export {
  createCircuitBreaker, CIRCUIT_STATE_VALUE, type CircuitBreaker, type CircuitBreakerOptions, type CircuitPermit, type CircuitState,
} from './resilience/circuit-breaker.js';
export { DEFAULT_SITE_CIRCUIT, SiteCircuitOpenError, type SiteCircuitSettings, type SiteCircuitsOption } from './resilience/site-circuit.js';
export { SITE_CALL_OUTCOMES, type SiteCallOutcome } from './metrics/site-metrics.js';
