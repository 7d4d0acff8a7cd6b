import { readFileSync } from 'node:fs';

export * from './codes.js';
export { ERROR_CODES, type ErrorCode } from './errors.js';
export { buildCodesSDL, GENERATED_HEADER } from './build-codes-sdl.js';

function read(relative: string): string {
  return readFileSync(new URL(relative, import.meta.url), 'utf8');
}

/** Enums, scalars and value types every subgraph carries verbatim (catalogue included). */
export function sharedTypeDefs(): string {
  return `${read('./shared.graphql')}\n${read('./__generated__/codes.graphql')}`;
}

/** The provider contract every kind subgraph implements (see provider-contract.graphql). */
export function providerContractTypeDefs(): string {
  return read('./provider-contract.graphql');
}

/** The federation directives every subgraph imports. */
export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@inaccessible", "@tag"])\n';

/** Path of the committed supergraph and of the client-facing API schema. */
export const SUPERGRAPH_PATH = new URL('../supergraph.graphql', import.meta.url);
export const API_SCHEMA_PATH = new URL('../api.graphql', import.meta.url);
