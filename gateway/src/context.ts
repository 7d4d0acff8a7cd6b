import type { CallerClaims } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';

/**
 * What every GraphQL request carries through Apollo Server, the plugins and the subgraph
 * data source: the request id (forwarded to subgraphs), a pino child logger that stamps it
 * on every line, and the caller the gateway verified (absent: anonymous), which the data
 * source signs into the x-cig-caller header of every subgraph call.
 */
export interface GatewayContext {
  readonly requestId: string;
  readonly logger: Logger;
  readonly caller?: CallerClaims;
}
