import { normalizeCriteria, type CohortCriteriaInput } from '@cancer-imaging/provider-kit';

/** The SavedCriteria type: CohortCriteria validated and normalised, absent fields left out. */
export type SavedCriteria = Omit<ReturnType<typeof normalizeCriteria>, 'fields'>;

/**
 * Validates criteria as every kind subgraph will (BAD_USER_INPUT naming the argument), so
 * a cohort that saves is one every site can count, and keeps the normalised form: lists
 * de-duplicated, empty lists and open ranges dropped.
 */
export function toSavedCriteria(input: CohortCriteriaInput): SavedCriteria {
  const { fields: _fields, ...criteria } = normalizeCriteria(input);
  return criteria;
}
