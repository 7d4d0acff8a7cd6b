import { readFile } from 'node:fs/promises';
import { repoPath } from '../../scripts/generate/paths.js';
import { startHiveGateway } from './hive-gateway.js';

// Hive Gateway over the committed supergraph in a process of its own, as bench/gateway-throughput.ts
// runs it beside ours (each gateway gets its own process and event loop). Environment:
//   CIG_HIVE_PORT           port on 127.0.0.1 (default 4010)
//   CIG_HIVE_SUPERGRAPH     supergraph SDL file (default schema/supergraph.graphql)
//   CIG_HIVE_SUBGRAPH_URLS  JSON object of subgraph URLs by join__graph name,
//                           e.g. {"catalogue":"http://127.0.0.1:4001/graphql","custom":"http://127.0.0.1:4002/graphql"}
// Ready when GET /readiness answers 200; SIGTERM or SIGINT stops it.

const port = Number(process.env.CIG_HIVE_PORT ?? '4010');
const supergraphPath = process.env.CIG_HIVE_SUPERGRAPH ?? repoPath('schema/supergraph.graphql');
const subgraphUrls = JSON.parse(process.env.CIG_HIVE_SUBGRAPH_URLS ?? '{}') as Record<string, string>;
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`CIG_HIVE_PORT must be a port number; got "${process.env.CIG_HIVE_PORT}".`);

const hive = await startHiveGateway({ supergraphSdl: await readFile(supergraphPath, 'utf8'), subgraphUrls, port });
console.log(`Hive Gateway: ${hive.url}`);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  hive.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('Hive Gateway did not stop cleanly:', error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
