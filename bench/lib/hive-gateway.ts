import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { CALLER_HEADER } from '@cancer-imaging/provider-kit';

/**
 * The committed supergraph served by Hive Gateway (The Guild's federation gateway) instead of
 * ours: the interoperability check (the supergraph is plain Federation 2, not something only
 * our gateway plans) and the baseline our gateway's throughput is measured against.
 *
 * Configured as a deployment of Hive would be, with nothing of ours in it:
 * - `supergraph`: the SDL of schema/supergraph.graphql, unchanged;
 * - `transportEntries`: each subgraph's `location` by its join__graph name (`catalogue`,
 *   `custom`), Hive's own override of the URLs the SDL carries, over its standard HTTP
 *   transport (`@graphql-mesh/transport-http`, which the runtime loads by name);
 * - `propagateHeaders.fromClientToSubgraphs`: the client's `x-cig-caller` header forwarded to
 *   every subgraph call. Hive verifies no token: whoever calls it must already hold a caller
 *   header signed with CIG_INTERNAL_SECRET, and the subgraphs verify it, as they do whatever
 *   gateway is in front of them.
 */
export interface HiveGatewayOptions {
  /** The supergraph SDL (schema/supergraph.graphql). */
  readonly supergraphSdl: string;
  /** Subgraph URLs by join__graph name, e.g. { catalogue: 'http://127.0.0.1:4001/graphql' }. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  /** Client request headers forwarded to every subgraph. @default [CALLER_HEADER] */
  readonly propagateHeaders?: readonly string[];
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
}

export interface RunningHiveGateway {
  /** Its GraphQL endpoint, http://host:port/graphql. */
  readonly url: string;
  close(): Promise<void>;
}

/** The Hive Gateway runtime over the supergraph, as a WHATWG/Node request handler. */
export function createHiveGateway(options: Pick<HiveGatewayOptions, 'supergraphSdl' | 'subgraphUrls' | 'propagateHeaders'>) {
  const forwarded = options.propagateHeaders ?? [CALLER_HEADER];
  return createGatewayRuntime({
    supergraph: options.supergraphSdl,
    transportEntries: Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, location]) => [name, { location }])),
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => Object.fromEntries(forwarded.map((name) => [name, request.headers.get(name)])),
    },
    logging: 'error',
    landingPage: false,
    graphiql: false,
  });
}

/** Hive Gateway over node:http, listening on loopback (a free port unless one is given). */
export async function startHiveGateway(options: HiveGatewayOptions): Promise<RunningHiveGateway> {
  const gateway = createHiveGateway(options);
  const server = createServer(gateway);
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    await gateway.dispose();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.dispose();
    },
  };
}
