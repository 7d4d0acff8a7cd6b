import type { BodyPart, CancerType, Modality, Sex } from '@cancer-imaging/schema';
import type { CriteriaField, Range, SiteCriteria } from './adapter.js';
import { badUserInput } from './errors.js';
import { parseGraphId } from './ids.js';

/** The CohortCriteria input as GraphQL hands it to a resolver. */
export interface CohortCriteriaInput {
  readonly cancerTypes?: readonly CancerType[] | null;
  readonly modalities?: readonly Modality[] | null;
  readonly bodyParts?: readonly BodyPart[] | null;
  readonly manufacturers?: readonly string[] | null;
  readonly sex?: readonly Sex[] | null;
  readonly ageAtDiagnosis?: { readonly min?: number | null; readonly max?: number | null } | null;
  readonly yearOfDiagnosis?: { readonly min?: number | null; readonly max?: number | null } | null;
  readonly datasetIds?: readonly string[] | null;
  readonly providerIds?: readonly string[] | null;
}

/** Criteria validated once per request, before any site is asked. */
export interface NormalizedCriteria extends Omit<SiteCriteria, 'datasetLocalIds'> {
  readonly datasetIds?: readonly string[];
  readonly providerIds?: readonly string[];
  /** The fields the caller set, for unsupportedCriteria. */
  readonly fields: readonly CriteriaField[];
}

function list<T>(values: readonly T[] | null | undefined): readonly T[] | undefined {
  if (values == null || values.length === 0) return undefined;
  return [...new Set(values)];
}

function range(name: string, value: CohortCriteriaInput['ageAtDiagnosis'], lowest: number, highest: number): Range | undefined {
  if (value == null) return undefined;
  const min = value.min ?? undefined;
  const max = value.max ?? undefined;
  if (min === undefined && max === undefined) return undefined;
  for (const [end, v] of [['min', min], ['max', max]] as const) {
    if (v !== undefined && (v < lowest || v > highest)) {
      throw badUserInput(`criteria.${name}.${end}`, `must be between ${lowest} and ${highest}; got ${v}.`);
    }
  }
  if (min !== undefined && max !== undefined && min > max) {
    throw badUserInput(`criteria.${name}`, `min (${min}) is greater than max (${max}).`);
  }
  return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
}

/** Validates and normalises CohortCriteria; throws BAD_USER_INPUT naming the argument. */
export function normalizeCriteria(input: CohortCriteriaInput): NormalizedCriteria {
  const manufacturers = list(input.manufacturers?.map((m) => m.trim()).filter((m) => m.length > 0));
  if (manufacturers?.some((m) => m.length > 128)) throw badUserInput('criteria.manufacturers', 'a manufacturer name is at most 128 characters.');
  const datasetIds = list(input.datasetIds);
  for (const id of datasetIds ?? []) {
    if (!parseGraphId(id)) throw badUserInput('criteria.datasetIds', `"${id.slice(0, 80)}" is not a dataset id.`);
  }
  const normalized = {
    cancerTypes: list(input.cancerTypes),
    modalities: list(input.modalities),
    bodyParts: list(input.bodyParts),
    manufacturers,
    sex: list(input.sex),
    ageAtDiagnosis: range('ageAtDiagnosis', input.ageAtDiagnosis, 0, 150),
    yearOfDiagnosis: range('yearOfDiagnosis', input.yearOfDiagnosis, 1900, 2200),
    datasetIds,
    providerIds: list(input.providerIds),
  };
  const fields = (Object.keys(normalized) as CriteriaField[]).filter((key) => normalized[key] !== undefined);
  // Absent fields are dropped rather than kept as undefined, so adapters can test `in`.
  const present = Object.fromEntries(Object.entries(normalized).filter(([, v]) => v !== undefined));
  return Object.freeze({ ...present, fields }) as unknown as NormalizedCriteria;
}

/**
 * Narrows criteria to one site: null when the providerIds/datasetIds filters exclude the
 * site entirely (it then counts zero without being asked).
 */
export function toSiteCriteria(criteria: NormalizedCriteria, siteId: string, kind: string): SiteCriteria | null {
  if (criteria.providerIds && !criteria.providerIds.includes(siteId)) return null;
  let datasetLocalIds: string[] | undefined;
  if (criteria.datasetIds) {
    datasetLocalIds = criteria.datasetIds
      .map((id) => parseGraphId(id))
      .filter((id) => id !== undefined && id.siteId === siteId && id.kind === kind)
      .map((id) => id!.localId);
    if (datasetLocalIds.length === 0) return null;
  }
  const { fields: _fields, datasetIds: _datasetIds, providerIds: _providerIds, ...rest } = criteria;
  return datasetLocalIds ? { ...rest, datasetLocalIds } : rest;
}
