import type { Logger } from 'pino';

/**
 * What every GraphQL request carries through Apollo Server, the plugins and the subgraph
 * data source: the request id (forwarded to subgraphs) and a pino child logger that
 * stamps it on every line.
 */
export interface GatewayContext {
  readonly requestId: string;
  readonly logger: Logger;
}
