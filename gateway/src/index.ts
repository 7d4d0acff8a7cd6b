export { createGateway, type CreateGatewayOptions, type Gateway } from './server.js';
export {
  loadGatewayConfig,
  toSubgraphEnvName,
  DEFAULT_SUPERGRAPH_PATH,
  type GatewayConfig,
  type GatewayEnvironment,
  type LoadGatewayConfigOptions,
  type LogLevel,
} from './config.js';
export type { GatewayContext } from './context.js';
export { SubgraphDataSource, classifySubgraphFailure, type SubgraphDataSourceOptions } from './subgraph-data-source.js';
export { readSubgraphEndpoints, applySubgraphUrlOverrides, resolveSubgraphUrl, type SubgraphEndpoint } from './supergraph.js';
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
