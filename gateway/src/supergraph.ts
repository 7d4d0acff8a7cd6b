import { Kind, parse, type ConstDirectiveNode } from 'graphql';
import { toSubgraphEnvName } from './config.js';

/** One subgraph of the supergraph, with the URL the gateway actually calls. */
export interface SubgraphEndpoint {
  readonly name: string;
  readonly url: string;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const argument = directive.arguments?.find((arg) => arg.name.value === name);
  return argument?.value.kind === Kind.STRING ? argument.value.value : undefined;
}

/**
 * Lists the subgraphs a composed supergraph names in its `join__Graph` enum
 * (`KIND @join__graph(name: "kind", url: "http://...")`), in declaration order.
 * Reading the SDL ourselves keeps the gateway off @apollo/federation-internals.
 */
export function readSubgraphEndpoints(supergraphSdl: string): SubgraphEndpoint[] {
  const document = parse(supergraphSdl, { noLocation: true });
  const endpoints: SubgraphEndpoint[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      if (!directive) continue;
      const name = stringArgument(directive, 'name') ?? value.name.value.toLowerCase();
      endpoints.push({ name, url: stringArgument(directive, 'url') ?? '' });
    }
  }
  if (endpoints.length === 0) {
    throw new Error('The supergraph names no subgraph (no join__Graph enum): is it a composed supergraph?');
  }
  return endpoints;
}

/** The URL to call for a subgraph: its `CIG_GATEWAY_SUBGRAPH_<NAME>_URL` override, else the supergraph's. */
export function resolveSubgraphUrl(name: string, supergraphUrl: string, overrides: Readonly<Record<string, string>>): string {
  return overrides[toSubgraphEnvName(name)] ?? supergraphUrl;
}

/**
 * Applies `CIG_GATEWAY_SUBGRAPH_<NAME>_URL` overrides to the supergraph's endpoints and
 * reports the overrides that matched no subgraph (a typo would otherwise go unnoticed).
 */
export function applySubgraphUrlOverrides(
  endpoints: readonly SubgraphEndpoint[],
  overrides: Readonly<Record<string, string>>,
): { endpoints: SubgraphEndpoint[]; unmatched: string[] } {
  const known = new Set(endpoints.map((endpoint) => toSubgraphEnvName(endpoint.name)));
  const resolved = endpoints.map((endpoint) => ({
    name: endpoint.name,
    url: resolveSubgraphUrl(endpoint.name, endpoint.url, overrides),
  }));
  for (const endpoint of resolved) {
    if (endpoint.url === '') {
      throw new Error(
        `The supergraph gives no URL for subgraph "${endpoint.name}": set CIG_GATEWAY_SUBGRAPH_${toSubgraphEnvName(endpoint.name)}_URL.`,
      );
    }
  }
  return { endpoints: resolved, unmatched: Object.keys(overrides).filter((key) => !known.has(key)) };
}
