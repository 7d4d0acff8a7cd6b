import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { graphql, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { pino, type Logger } from 'pino';
import { parseRegistry, type Registry } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph, type CatalogueSubgraph } from '../src/index.js';

/** The test registry: five sites (custom, xnat) in five countries, nine datasets. */
export const FIXTURE_REGISTRY_PATH = fileURLToPath(new URL('./fixtures/registry.yaml', import.meta.url));

export const silentLogger: Logger = pino({ level: 'silent' });

export async function loadFixtureRegistry(): Promise<Registry> {
  return parseRegistry(await readFile(FIXTURE_REGISTRY_PATH, 'utf8'), FIXTURE_REGISTRY_PATH);
}

export async function createFixtureSubgraph(): Promise<CatalogueSubgraph> {
  return createCatalogueSubgraph({ registry: await loadFixtureRegistry(), logger: silentLogger });
}

/** Every fixture dataset id in the catalogue's order: by site id, then local id by code unit. */
export const ALL_DATASET_IDS = [
  'demo-es:custom:colorectal-ct',
  'demo-es:custom:lung-ct-1',
  'demo-nl:custom:breast-mg-1',
  'demo-nl:custom:prostate-mr-1',
  'xnat-de:xnat:GLIOMA_MR',
  'xnat-de:xnat:LIVER_CT',
  'xnat-de:xnat:PROSTATE_PET',
  'xnat-it:xnat:BREAST_MR',
  'xnat-it:xnat:NB:2020',
] as const;

/** Runs one operation against a schema, as the gateway would send it (with the request context, when given). */
export async function run<TData = Record<string, unknown>>(
  schema: GraphQLSchema,
  source: string,
  variableValues?: Record<string, unknown>,
  contextValue?: unknown,
): Promise<ExecutionResult<TData>> {
  return (await graphql({ schema, source, variableValues, contextValue })) as ExecutionResult<TData>;
}

/** Plain JSON, as a client sees it (graphql-js returns null-prototype objects). */
export function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
