import type { ScaffoldOptions, ScaffoldResult } from './scaffold.js';

/** What the provider does after the scaffold, in order, as printed by `npm run new-provider`. */
export function nextSteps(result: ScaffoldResult, options: Pick<ScaffoldOptions, 'registry'> & { installed?: boolean }): string[] {
  const { kind, envName, typePrefix } = result.names;
  const dir = `subgraphs/${kind}`;
  const steps: string[] = [];
  if (!options.installed) {
    steps.push(`npm install    # links ${result.names.packageName}${result.workspaceAdded ? ' (now in the root workspaces)' : ''} and updates package-lock.json`);
  }
  steps.push(`Write ${dir}/src/adapter.ts: every method throws NotImplementedError until then (docs/providers.md explains each one).`);
  steps.push(`Point ${dir}/test/conformance.test.ts at test data, then run the contract suite: CI=true npx vitest run ${dir}`);
  if (options.registry) {
    steps.push(`Describe the new site's datasets (EUCAIM DCAT-AP fields) in the dataset file of ${options.registry.file}.`);
  } else {
    steps.push(`Add a site with \`kind: ${kind}\` to a registry (or run again with --registry): the catalogue then generates ${typePrefix}Provider and ${typePrefix}Dataset.`);
  }
  steps.push(options.installed
    ? 'The supergraph, API schema and SDK types were regenerated (npm run generate).'
    : `npm run generate    # recomposes every supergraph and regenerates the API schema and SDK types${result.composed.length > 0 ? ` (${result.composed.join(', ')} already recomposed)` : ''}`);
  steps.push(`Start the subgraph: CIG_${envName}_PORT=${result.port} node --conditions=development --import tsx ${dir}/src/main.ts`
    + ` (the gateway calls ${result.url}, or CIG_GATEWAY_SUBGRAPH_${envName}_URL).`);
  steps.push('Roll out: restart the catalogue with the registry that has the new site, then put the recomposed supergraph where the gateway reads it'
    + ' (CIG_GATEWAY_SUPERGRAPH): the gateway swaps it in within a second, no restart (docs/providers.md, "Order of a roll-out").');
  if (result.composed.length > 0) {
    steps.push(`A gateway that watches ${result.composed.join(' or ')} itself (npm start) has already reloaded it: restart the catalogue now, or the providers query fails until you do.`);
  }
  return steps;
}
