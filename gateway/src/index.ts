export { createGateway, type CreateGatewayOptions, type Gateway } from './server.js';
export {
  loadGatewayConfig,
  resolveGatewayEnvironment,
  toSubgraphEnvName,
  DEFAULT_SUPERGRAPH_PATH,
  DEFAULT_DEV_KEYS_DIR,
  DEFAULT_DEV_AUDIENCE,
  MIN_INTERNAL_SECRET_LENGTH,
  TOKEN_ALGORITHMS,
  type AuthConfig,
  type GatewayConfig,
  type GatewayEnvironment,
  type LoadGatewayConfigOptions,
  type LogLevel,
  type OperationLimitsConfig,
  type RateLimitConfig,
  type TokenAlgorithm,
  type TokenIssuerConfig,
} from './config.js';
export { createTokenVerifier, InvalidTokenError, KeysUnavailableError, type TokenVerifier, type TrustedIssuer, type InvalidTokenReason } from './auth/token-verifier.js';
export { toCallerClaims, claimAt, toRoles, toGrants, MAX_TOKEN_GRANTS, type ClaimMapping } from './auth/token-claims.js';
export { parsePublicKey, loadPublicKeyFile, remoteKeys, type VerificationKey } from './auth/key-sources.js';
export { loadTrustedIssuers } from './auth/trusted-issuers.js';
export { createRequestAuthenticator, type Authentication, type RequestAuthenticator } from './auth/authenticate-request.js';
export { createCallerHeaderSigner, type CallerHeaderSigner } from './auth/caller-header.js';
export { loadDevKeyPair, DEV_TOKEN_ISSUER, DEV_TOKEN_ALGORITHM, DEV_KEY_FILE, type DevKeyPair } from './auth/dev-keys.js';
export { createDevToken, parseDuration, MAX_DEV_TOKEN_SECONDS, type DevTokenOptions } from './auth/dev-token.js';
export { measureOperation, DEFAULT_FIELD_WEIGHTS, DEFAULT_LIST_SIZE, type CostModel, type OperationMeasure, type PageRequest } from './limits/measure-operation.js';
export {
  useOperationLimits,
  parseOptionsFor,
  DEFAULT_OPERATION_LIMITS,
  OPERATION_TOO_COMPLEX,
  type OperationLimit,
  type UseOperationLimitsOptions,
} from './plugins/use-operation-limits.js';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions, type RateLimitDecision } from './rate-limit/rate-limiter.js';
export { createMemoryWindowCounter } from './rate-limit/memory-counter.js';
export { createRedisWindowCounter, type RedisWindowCounterOptions } from './rate-limit/redis-counter.js';
export type { WindowCounter } from './rate-limit/window-counter.js';
export { clientAddress, rateLimitKey } from './rate-limit/client-key.js';
export { createRequestGuard, type RequestGuard, type RequestGuardOptions } from './request-guard.js';
export type { GatewayContext } from './context.js';
export { SubgraphDataSource, classifySubgraphFailure, type SubgraphDataSourceOptions } from './subgraph-data-source.js';
export { readSubgraphEndpoints, applySubgraphUrlOverrides, resolveSubgraphUrl, type SubgraphEndpoint } from './supergraph.js';
export { createSupergraphSource, type SupergraphReload, type SupergraphSource, type SupergraphSourceOptions } from './supergraph-reload.js';
export { watchSupergraphFile, type SupergraphFileWatch, type SupergraphFileWatchOptions } from './supergraph-file-watch.js';
export { checkReadiness, type Readiness, type SubgraphState, type CheckReadinessOptions } from './readiness.js';
export { createGraphiQL, type GraphiQL, type GraphiQLOptions } from './graphiql.js';
export {
  useRequestId,
  resolveRequestId,
  createRequestContext,
  DEFAULT_REQUEST_ID_HEADER,
  type UseRequestIdOptions,
} from './plugins/use-request-id.js';
export {
  useErrorMasking,
  createErrorFormatter,
  stripInternalAddresses,
  SAFE_ERROR_CODES,
  INTERNAL_CODE,
  type UseErrorMaskingOptions,
} from './plugins/use-error-masking.js';
export {
  useInputErrors,
  locateInputError,
  findArgumentPath,
  type UseInputErrorsOptions,
  type InputErrorLocation,
} from './plugins/use-input-errors.js';
