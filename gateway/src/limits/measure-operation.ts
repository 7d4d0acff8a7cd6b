import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The cost model, kept simple so that a client can work it out by hand:
 *
 *   cost(field) = weight + multiplier × cost(its selections)
 *
 * - weight: 1 for every field, `fieldWeights[name]` for fields that cost more to answer
 *   (`cohort`: a count run at a site, 10 by default).
 * - multiplier: for a paged field (one that takes `first`/`last`), the page size asked
 *   for (or the argument's default); for a list of objects, `listSize` (default 30, the
 *   number of sites we design for: `providers` has one entry per site); 1 otherwise. A
 *   list directly inside a paged field (`nodes`, `edges`) is already counted by the page
 *   size, so it multiplies by 1.
 * - Introspection (`__schema`, `__type`) is answered from the gateway's memory without
 *   calling a subgraph: it counts towards depth and aliases, not cost.
 *
 * Fragments are measured once per use context (memoised), so a fragment spread many times
 * costs what its expansion costs, without expanding it (no fragment bombs).
 */
export interface CostModel {
  /** Multiplier of a list of objects without a page size. @default 30 */
  readonly listSize?: number;
  /** Weight of fields by name (default weight 1). @default { cohort: 10 } */
  readonly fieldWeights?: Readonly<Record<string, number>>;
  /** Arguments that ask for a page of that many items. @default ['first', 'last'] */
  readonly pageArguments?: readonly string[];
  /** Page size assumed when one cannot be known before execution (null, or not a number). */
  readonly unknownPageSize: number;
}

export const DEFAULT_FIELD_WEIGHTS: Readonly<Record<string, number>> = { cohort: 10 };
export const DEFAULT_LIST_SIZE = 30;
const DEFAULT_PAGE_ARGUMENTS = ['first', 'last'];

/** The largest page an operation asks for, to check against the page-size limit. */
export interface PageRequest {
  /** `Query.datasets`, `Dataset.subjects`. */
  readonly field: string;
  readonly argument: string;
  readonly value: number;
}

export interface OperationMeasure {
  /** Deepest field nesting: `{ a { b } }` is 2. */
  readonly depth: number;
  /** Aliased fields, fragments expanded. */
  readonly aliases: number;
  readonly cost: number;
  readonly largestPage?: PageRequest;
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
  largestPage?: PageRequest;
}

const ZERO: Measure = { depth: 0, aliases: 0, cost: 0 };

function largerPage(a: PageRequest | undefined, b: PageRequest | undefined): PageRequest | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.value > a.value ? b : a;
}

/** Fields of a composite type, with the meta fields every type answers. */
function fieldOf(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__schema' || name === '__type' || name === '__typename') return undefined;
  if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
  return parent.getFields()[name];
}

/** Measures one operation of a validated document against the schema. */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  model: CostModel,
): OperationMeasure {
  const listSize = model.listSize ?? DEFAULT_LIST_SIZE;
  const weights = model.fieldWeights ?? DEFAULT_FIELD_WEIGHTS;
  const pageArguments = model.pageArguments ?? DEFAULT_PAGE_ARGUMENTS;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  const memo = new Map<string, Measure>();
  const visiting = new Set<string>();

  /** The page a field asks for, if it is a paged field. */
  function pageOf(node: FieldNode, field: GraphQLField<unknown, unknown> | undefined, parentName: string): PageRequest | undefined {
    if (!field) return undefined;
    for (const argument of field.args) {
      if (!pageArguments.includes(argument.name)) continue;
      const given = node.arguments?.find((arg) => arg.name.value === argument.name);
      let value: unknown = argument.defaultValue;
      if (given) {
        value = given.value.kind === Kind.VARIABLE
          ? (Object.hasOwn(variables, given.value.name.value) ? variables[given.value.name.value] : variableDefaults.get(given.value.name.value) ?? argument.defaultValue)
          : valueFromASTUntyped(given.value);
      }
      const size = typeof value === 'number' && Number.isFinite(value) ? value : model.unknownPageSize;
      return { field: `${parentName}.${field.name}`, argument: argument.name, value: size };
    }
    return undefined;
  }

  function measureSelections(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, insidePaged: boolean, introspection: boolean): Measure {
    const total: Measure = { ...ZERO };
    const add = (part: Measure) => {
      total.depth = Math.max(total.depth, part.depth);
      total.aliases += part.aliases;
      total.cost += part.cost;
      total.largestPage = largerPage(total.largestPage, part.largestPage);
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        add(measureField(selection, parent, insidePaged, introspection));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) ?? parent : parent;
        add(measureSelections(selection.selectionSet, type, insidePaged, introspection));
      } else {
        add(measureFragment(selection.name.value, insidePaged, introspection));
      }
    }
    return total;
  }

  function measureFragment(name: string, insidePaged: boolean, introspection: boolean): Measure {
    const key = `${name}|${insidePaged}|${introspection}`;
    const known = memo.get(key);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic fragments fail validation first; measuring them as nothing is safe.
    if (!fragment || visiting.has(key)) return ZERO;
    visiting.add(key);
    const measured = measureSelections(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), insidePaged, introspection);
    visiting.delete(key);
    memo.set(key, measured);
    return measured;
  }

  function measureField(node: FieldNode, parent: GraphQLNamedType | undefined, insidePaged: boolean, introspection: boolean): Measure {
    const name = node.name.value;
    const meta = introspection || name === '__schema' || name === '__type';
    const field = fieldOf(parent, name);
    const page = pageOf(node, field, parent?.name ?? '?');
    const own = node.alias ? 1 : 0;
    if (!node.selectionSet) {
      return { depth: 1, aliases: own, cost: meta ? 0 : 1, ...(page && { largestPage: page }) };
    }
    const returnType = name === '__schema' ? schema.getType('__Schema') : name === '__type' ? schema.getType('__Type') : field && getNamedType(field.type);
    const list = field !== undefined && isListType(getNullableType(field.type));
    const child = measureSelections(node.selectionSet, returnType ?? undefined, page !== undefined, meta);
    const multiplier = page ? page.value : list && !insidePaged ? listSize : 1;
    return {
      depth: 1 + child.depth,
      aliases: own + child.aliases,
      cost: meta ? 0 : (weights[name] ?? 1) + multiplier * child.cost,
      ...((page || child.largestPage) && { largestPage: largerPage(page, child.largestPage) }),
    };
  }

  const root = schema.getRootType(operation.operation);
  return measureSelections(operation.selectionSet, root ?? undefined, false, false);
}
