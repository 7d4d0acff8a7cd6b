export { createClient, type CancerImagingClient, type ClientOptions, type PartialResult } from './client.js';
export { CancerImagingError, type GraphQLErrorPayload } from './errors.js';
export * from './__generated__/graphql.js';
