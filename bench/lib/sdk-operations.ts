import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';
import { repoPath } from '../../scripts/generate/paths.js';

/**
 * The SDK's operations (sdk/src/operations/*.graphql) as clients send them: one named
 * operation with the fragments it spreads, directly or through other fragments. Benchmarks
 * and interoperability tests send these rather than queries of their own, so they measure
 * and compare what clients really ask.
 */
export async function loadSdkOperations(dir: string = repoPath('sdk/src/operations')): Promise<(name: string) => string> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.graphql')).sort();
  const definitions: DefinitionNode[] = [];
  for (const file of files) definitions.push(...parse(await readFile(path.join(dir, file), 'utf8')).definitions);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const spreadsOf = (node: DefinitionNode): string[] => {
    const names: string[] = [];
    visit(node, { FragmentSpread: (spread) => void names.push(spread.name.value) });
    return names;
  };

  return (name) => {
    const operation = definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name);
    if (!operation) throw new Error(`No operation ${name} in ${dir}`);
    const needed = new Set<string>();
    const pending = spreadsOf(operation);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (needed.has(next)) continue;
      const fragment = fragments.get(next);
      if (!fragment) throw new Error(`Operation ${name} spreads unknown fragment ${next}`);
      needed.add(next);
      pending.push(...spreadsOf(fragment));
    }
    return print({ kind: Kind.DOCUMENT, definitions: [operation, ...[...needed].sort().map((fragment) => fragments.get(fragment)!)] });
  };
}

/**
 * The call a gateway makes to the subgraph that owns an operation's root entity, for a
 * "subgraph directly" baseline: `query Op($datasetId: ID!, ...) { dataset(id: $datasetId) { S } }`
 * becomes `query OpEntities($representations: [_Any!]!, ...) { _entities(representations:
 * $representations) { ... on <typename> { S } } }` with the same fragments. The operation must
 * have one root field; variables used only in its arguments give way to the representations.
 */
export function toEntitiesOperation(document: string, typename: string): string {
  const parsed = parse(document);
  const operations = parsed.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  const root = operation?.selectionSet.selections[0];
  if (operations.length !== 1 || !operation || operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD || !root.selectionSet) {
    throw new Error('toEntitiesOperation needs one operation with one root field that has a selection');
  }
  const rootVariables = new Set<string>();
  for (const argument of root.arguments ?? []) visit(argument, { Variable: (variable) => void rootVariables.add(variable.name.value) });
  const usedBelow = new Set<string>();
  visit(root.selectionSet, { Variable: (variable) => void usedBelow.add(variable.name.value) });
  const kept = (operation.variableDefinitions ?? []).filter((definition) => {
    const name = definition.variable.name.value;
    return !rootVariables.has(name) || usedBelow.has(name);
  });
  const name = `${operation.name?.value ?? 'Operation'}Entities`;
  const variables = ['$representations: [_Any!]!', ...kept.map((definition) => print(definition))].join(', ');
  const query = `query ${name}(${variables}) { _entities(representations: $representations) { ... on ${typename} ${print(root.selectionSet)} } }`;
  const fragments = parsed.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION).map((definition) => print(definition));
  return print(parse([query, ...fragments].join('\n\n')));
}
