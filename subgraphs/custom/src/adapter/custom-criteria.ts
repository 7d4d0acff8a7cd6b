import { BODY_PARTS, MODALITIES, SEXES } from '@cancer-imaging/schema';
import type { CriteriaField, SiteCriteria } from '@cancer-imaging/provider-kit';

/**
 * Compiles cohort criteria into a parameterised WHERE clause over the `series` table.
 * Values are only ever bound as parameters, never spliced into the SQL text.
 *
 * Semantics (the same in every query, test and document of this kind):
 * - any-of within a field (IN), all-of across fields (AND); an absent or empty list is no
 *   restriction, as the kit's normalizeCriteria drops empty lists;
 * - ranges are inclusive, and a row whose value is unknown (NULL) never matches a range;
 * - subject-level fields (cancerTypes, sex, ageAtDiagnosis, yearOfDiagnosis) filter
 *   subjects; series-level fields (modalities, bodyParts, manufacturers) select series.
 *   Both sit on every series row, so one WHERE selects the matching series, and:
 *     series   = the number of matching series,
 *     studies  = distinct studies holding at least one matching series,
 *     subjects = distinct subjects (dataset, PatientID) holding at least one matching series.
 *   A subject with a CT series and an MR series in different studies therefore counts for
 *   `modalities: [CT, MR]` (any-of) once, with both studies and both series.
 * - manufacturers compare case-insensitively (ASCII), as vendors spell themselves
 *   inconsistently (SIEMENS, Siemens); body parts, modalities and sex use DICOM terms.
 */

export interface SqlCondition {
  /** Conditions joined with AND; empty when nothing restricts. */
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

/** The criteria fields this kind applies exactly (datasetIds/providerIds are the kit's). */
export const EXACT_CRITERIA: readonly CriteriaField[] = [
  'cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis', 'yearOfDiagnosis',
];

export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

const KNOWN_SEX_CODES = ['F', 'M', 'O'] as const;

export function compileCriteria(criteria: SiteCriteria): SqlCondition {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const anyOf = (column: string, values: readonly string[] | undefined, collate = '') => {
    if (!values || values.length === 0) return;
    clauses.push(`${column}${collate} IN (${placeholders(values.length)})`);
    params.push(...values);
  };
  const range = (column: string, bounds: SiteCriteria['ageAtDiagnosis']) => {
    if (bounds?.min !== undefined) {
      clauses.push(`${column} >= ?`);
      params.push(bounds.min);
    }
    if (bounds?.max !== undefined) {
      clauses.push(`${column} <= ?`);
      params.push(bounds.max);
    }
  };

  anyOf('dataset_id', criteria.datasetLocalIds);
  anyOf('diagnosis', criteria.cancerTypes);
  if (criteria.sex && criteria.sex.length > 0) {
    const known = criteria.sex.filter((sex) => sex !== 'UNKNOWN').map((sex) => SEXES[sex].dicom);
    const parts: string[] = [];
    if (known.length > 0) {
      parts.push(`sex IN (${placeholders(known.length)})`);
      params.push(...known);
    }
    // UNKNOWN is whatever sexFromDicom maps to it: empty, NULL or any other value.
    if (criteria.sex.includes('UNKNOWN')) {
      parts.push(`sex IS NULL OR sex NOT IN (${placeholders(KNOWN_SEX_CODES.length)})`);
      params.push(...KNOWN_SEX_CODES);
    }
    clauses.push(`(${parts.join(' OR ')})`);
  }
  range('age_at_diagnosis', criteria.ageAtDiagnosis);
  range('year_of_diagnosis', criteria.yearOfDiagnosis);
  anyOf('modality', criteria.modalities?.map((modality) => MODALITIES[modality].dicom));
  anyOf('body_part', criteria.bodyParts?.map((part) => BODY_PARTS[part].dicom));
  anyOf('manufacturer', criteria.manufacturers, ' COLLATE NOCASE');

  return { sql: clauses.join(' AND '), params };
}
