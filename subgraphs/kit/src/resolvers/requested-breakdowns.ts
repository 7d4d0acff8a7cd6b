import {
  getArgumentValues, isObjectType, Kind, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode,
} from 'graphql';
import { BREAKDOWN_DIMENSIONS, type BreakdownDimension } from '../adapter.js';

/**
 * The breakdown dimensions a `cohort` selection asks for, read ahead from the query so the
 * site can compute them within the same deadline as the counts (a breakdown resolved after
 * the cohort would need a second budget, and could outlive the answer's deadline).
 * Follows aliases, inline fragments and named fragments; `@skip`/`@include` are honoured
 * by graphql's own rules only at execution, so a skipped breakdown is computed and unused.
 */
export function requestedBreakdowns(info: GraphQLResolveInfo): BreakdownDimension[] {
  const cohortType = info.schema.getType('ProviderCohort');
  const field = isObjectType(cohortType) ? cohortType.getFields()['breakdown'] : undefined;
  if (!field) return [];
  const found = new Set<BreakdownDimension>();
  const visitedFragments = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === 'breakdown') addDimension(found, field, selection, info.variableValues);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!visitedFragments.has(selection.name.value)) {
        visitedFragments.add(selection.name.value);
        visit(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return [...found];
}

function addDimension(found: Set<BreakdownDimension>, field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): void {
  try {
    const { by } = getArgumentValues(field, node, variables) as { by?: unknown };
    if ((BREAKDOWN_DIMENSIONS as readonly unknown[]).includes(by)) found.add(by as BreakdownDimension);
  } catch {
    // An invalid argument fails validation before execution; nothing to compute for it.
  }
}
