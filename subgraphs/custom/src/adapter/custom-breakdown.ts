import { modalityFromDicom, sexFromDicom } from '@cancer-imaging/schema';
import {
  manufacturerKey, toAgeBand, UNKNOWN_KEY, type BreakdownDimension, type BreakdownRow, type SiteCriteria,
} from '@cancer-imaging/provider-kit';
import { compileCriteria } from './custom-criteria.js';
import { toBodyPart, toCancerType } from './custom-mappers.js';
import type { AggregateQueries, BreakdownColumn } from './custom-queries.js';

interface DimensionPlan {
  readonly column: BreakdownColumn;
  readonly level: 'series' | 'subject';
  readonly keyOf: (value: string | number | null) => string;
}

/** Where each dimension lives in the index and how a raw value becomes a bucket key. */
const PLANS: Readonly<Record<BreakdownDimension, DimensionPlan>> = {
  // Out of the vocabulary (KO, PR) is UNKNOWN, not OT: no modalities criterion selects it.
  MODALITY: { column: 'modality', level: 'series', keyOf: (value) => modalityFromDicom(value === null ? null : String(value)) ?? UNKNOWN_KEY },
  BODY_PART: { column: 'body_part', level: 'series', keyOf: (value) => toBodyPart(value === null ? null : String(value)) ?? UNKNOWN_KEY },
  MANUFACTURER: { column: 'manufacturer', level: 'series', keyOf: (value) => manufacturerKey(value === null ? null : String(value)) },
  CANCER_TYPE: { column: 'diagnosis', level: 'subject', keyOf: (value) => toCancerType(value === null ? null : String(value)) ?? UNKNOWN_KEY },
  SEX: { column: 'sex', level: 'subject', keyOf: (value) => sexFromDicom(value === null ? null : String(value)) },
  AGE_BAND: { column: 'age_at_diagnosis', level: 'subject', keyOf: (value) => toAgeBand(typeof value === 'number' ? value : null) ?? UNKNOWN_KEY },
};

/**
 * A cohort's breakdown from the index: SQL groups by the raw column, then raw values become
 * keys. A subject-level value is one per subject, so merging raw values that share a key
 * (F and f) is a sum. A series-level subject may hold several raw values of one key
 * (SIEMENS and Siemens): such a key is counted again with one DISTINCT query, so no
 * subject is counted twice in a bucket.
 */
export async function breakdownFromIndex(q: AggregateQueries, criteria: SiteCriteria, by: BreakdownDimension): Promise<BreakdownRow[]> {
  const plan = PLANS[by];
  const where = compileCriteria(criteria);
  const grouped = new Map<string, { datasetId: string; key: string; subjects: number; values: (string | number | null)[] }>();
  for (const row of await q.breakdownByDataset(plan.column, plan.level, where)) {
    const key = plan.keyOf(row.value);
    const id = `${row.datasetId}\u0000${key}`;
    const bucket = grouped.get(id);
    if (!bucket) grouped.set(id, { datasetId: row.datasetId, key, subjects: row.subjects, values: [row.value] });
    else {
      bucket.subjects += row.subjects;
      bucket.values.push(row.value);
    }
  }
  return Promise.all([...grouped.values()].map(async (bucket) => ({
    datasetLocalId: bucket.datasetId,
    key: bucket.key,
    subjects: plan.level === 'series' && bucket.values.length > 1
      ? await q.subjectsWithAnyOf(plan.column, bucket.values, bucket.datasetId, where)
      : bucket.subjects,
  })));
}
