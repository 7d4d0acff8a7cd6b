import { buildAccessMethods, type AccessMethods } from './access-methods.js';
import { buildCatalogueMethods, type CatalogueMethods } from './catalogue-methods.js';
import { buildCohortMethods, type CohortMethods } from './cohort-methods.js';
import { buildRecordMethods, type RecordMethods } from './record-methods.js';
import { createTransport, type Transport, type TransportOptions } from './transport.js';

/** Options of `createClient`: the endpoint, a token, how to fetch and retry, and whether to send operations by hash. */
export type ClientOptions = TransportOptions;

/**
 * The typed client: every method is one of the SDK's operations (sdk/src/operations),
 * with `execute` and `request` for documents of your own (docs/sdk.md).
 */
export interface CancerImagingClient extends Transport, CatalogueMethods, CohortMethods, RecordMethods, AccessMethods {}

export function createClient(options: ClientOptions): CancerImagingClient {
  const transport = createTransport(options);
  return {
    ...transport,
    ...buildCatalogueMethods(transport),
    ...buildCohortMethods(transport),
    ...buildRecordMethods(transport),
    ...buildAccessMethods(transport),
  };
}
