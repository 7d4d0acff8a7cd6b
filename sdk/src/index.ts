export { createClient, type CancerImagingClient, type ClientOptions, type PartialResult } from './client.js';
export { CancerImagingError, type GraphQLErrorPayload } from './errors.js';
export { formatProtectedSum, sumProtectedCounts, type CompleteSum, type CountPart, type LowerBoundSum, type PartPrecision, type ProtectedSum } from './protected-sum.js';
export * from './__generated__/graphql.js';
