import type { BodyPart, CancerType, Modality, Sex } from '@cancer-imaging/schema';
import {
  manufacturerKey, subjectRefKey, UNKNOWN_KEY, type BreakdownDimension, type CountsRecord, type CriteriaField, type ProviderAdapter, type SegmentationRecord,
  type SeriesRecord, type SiteCriteria, type StudyRecord, type SubjectRecord,
} from '../adapter.js';
import { BreakdownTally } from '../breakdown-tally.js';
import { ProviderTimeoutError } from '../errors.js';
import { toAgeBand } from '../privacy/scrub.js';

/** One row per series, the shape of a series-level index (as IDC's idc-index). */
export interface SeriesRow {
  readonly datasetId: string;
  readonly patientId: string;
  /** Direct identifiers a source holds; the adapter never returns them. */
  readonly patientName?: string;
  readonly birthDate?: string;
  readonly sex: Sex;
  readonly ageAtDiagnosis: number | null;
  readonly diagnosis: CancerType;
  readonly yearOfDiagnosis: number | null;
  readonly studyUid: string;
  readonly studyYear?: number | null;
  readonly seriesUid: string;
  readonly modality: Modality;
  readonly bodyPart: BodyPart | null;
  readonly manufacturer: string | null;
  readonly instanceCount: number;
}

function inRange(value: number | null, range: SiteCriteria['ageAtDiagnosis']): boolean {
  if (!range) return true;
  if (value == null) return false;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

/** Does a row match every criterion? Any-of within a field, all-of across fields. */
export function rowMatches(row: SeriesRow, criteria: SiteCriteria): boolean {
  return (!criteria.cancerTypes || criteria.cancerTypes.includes(row.diagnosis))
    && (!criteria.modalities || criteria.modalities.includes(row.modality))
    && (!criteria.bodyParts || (row.bodyPart !== null && criteria.bodyParts.includes(row.bodyPart)))
    && (!criteria.manufacturers || (row.manufacturer !== null && criteria.manufacturers.some((m) => m.toLowerCase() === row.manufacturer!.toLowerCase())))
    && (!criteria.sex || criteria.sex.includes(row.sex))
    && inRange(row.ageAtDiagnosis, criteria.ageAtDiagnosis)
    && inRange(row.yearOfDiagnosis, criteria.yearOfDiagnosis)
    && (!criteria.datasetLocalIds || criteria.datasetLocalIds.includes(row.datasetId));
}

/** Counts rows: distinct subjects and studies having a matching series, and the series. */
export function countRows(rows: readonly SeriesRow[]): CountsRecord {
  return {
    subjects: new Set(rows.map((r) => `${r.datasetId}\u0000${r.patientId}`)).size,
    studies: new Set(rows.map((r) => r.studyUid)).size,
    series: rows.length,
  };
}

const ALL_FIELDS: readonly CriteriaField[] = ['cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis', 'yearOfDiagnosis'];

/**
 * A complete adapter over rows held in memory: the reference implementation of the
 * contract, used by the kit's own tests and as a model for new kinds.
 */
export function createInMemoryAdapter(rows: readonly SeriesRow[], options: { exactCriteria?: readonly CriteriaField[]; apiVersion?: string } = {}): ProviderAdapter & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = (name: string, signal: AbortSignal) => {
    if (signal.aborted) throw new ProviderTimeoutError();
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const byDataset = (matching: readonly SeriesRow[]) => {
    const groups = new Map<string, SeriesRow[]>();
    for (const row of matching) groups.set(row.datasetId, [...(groups.get(row.datasetId) ?? []), row]);
    return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([datasetLocalId, group]) => ({ datasetLocalId, ...countRows(group) }));
  };
  return {
    calls,
    async describe(ctx) {
      count('describe', ctx.signal);
      return { apiVersion: options.apiVersion ?? 'in-memory/1', exactCriteria: options.exactCriteria ?? ALL_FIELDS };
    },
    async listDatasets(ctx) {
      count('listDatasets', ctx.signal);
      return byDataset(rows).map(({ datasetLocalId, ...counts }) => ({ localId: datasetLocalId, ...counts }));
    },
    async countCohort(criteria, ctx) {
      count('countCohort', ctx.signal);
      const matching = rows.filter((row) => rowMatches(row, criteria));
      return { ...countRows(matching), byDataset: byDataset(matching), unsupportedCriteria: [] };
    },
    async breakdownCohort(criteria, by, ctx) {
      count('breakdownCohort', ctx.signal);
      const tally = new BreakdownTally();
      for (const row of rows) if (rowMatches(row, criteria)) tally.add(row.datasetId, row.patientId, breakdownKey(row, by));
      return tally.rows();
    },
    async listSubjects(datasetLocalId, page, ctx) {
      count('listSubjects', ctx.signal);
      const subjects = new Map<string, SubjectRecord>();
      for (const row of rows) {
        if (row.datasetId !== datasetLocalId || subjects.has(row.patientId)) continue;
        subjects.set(row.patientId, { nativePatientId: row.patientId, datasetLocalId, sex: row.sex, ageAtDiagnosis: row.ageAtDiagnosis, diagnosis: row.diagnosis, yearOfDiagnosis: row.yearOfDiagnosis });
      }
      const ordered = [...subjects.values()].sort((a, b) => a.nativePatientId.localeCompare(b.nativePatientId));
      return { items: ordered.slice(page.offset, page.offset + page.limit), totalCount: ordered.length };
    },
    async listStudies(refs, ctx) {
      count('listStudies', ctx.signal);
      const wanted = new Set(refs.map(subjectRefKey));
      const result = new Map<string, StudyRecord[]>();
      const seen = new Set<string>();
      for (const row of [...rows].sort((a, b) => a.studyUid.localeCompare(b.studyUid))) {
        const key = subjectRefKey({ nativePatientId: row.patientId, datasetLocalId: row.datasetId });
        if (!wanted.has(key) || seen.has(row.studyUid)) continue;
        seen.add(row.studyUid);
        const studyRows = rows.filter((r) => r.studyUid === row.studyUid);
        result.set(key, [...(result.get(key) ?? []), {
          localId: row.studyUid, studyInstanceUid: row.studyUid, year: row.studyYear ?? null,
          modalities: [...new Set(studyRows.map((r) => r.modality))].sort(), bodyPart: row.bodyPart, description: null,
        }]);
      }
      return result;
    },
    async listSeries(studyIds, ctx) {
      count('listSeries', ctx.signal);
      const wanted = new Set(studyIds);
      const result = new Map<string, SeriesRecord[]>();
      for (const row of [...rows].sort((a, b) => a.seriesUid.localeCompare(b.seriesUid))) {
        if (!wanted.has(row.studyUid)) continue;
        result.set(row.studyUid, [...(result.get(row.studyUid) ?? []), {
          localId: row.seriesUid, seriesInstanceUid: row.seriesUid, modality: row.modality, bodyPart: row.bodyPart,
          manufacturer: row.manufacturer, description: null, instanceCount: row.instanceCount,
        }]);
      }
      return result;
    },
    async listSegmentations(_seriesIds, ctx): Promise<ReadonlyMap<string, SegmentationRecord[]>> {
      count('listSegmentations', ctx.signal);
      return new Map();
    },
  };
}

/** The key of a row under one breakdown dimension. */
export function breakdownKey(row: SeriesRow, by: BreakdownDimension): string {
  switch (by) {
    case 'MODALITY': return row.modality;
    case 'BODY_PART': return row.bodyPart ?? UNKNOWN_KEY;
    case 'CANCER_TYPE': return row.diagnosis;
    case 'SEX': return row.sex;
    case 'AGE_BAND': return toAgeBand(row.ageAtDiagnosis) ?? UNKNOWN_KEY;
    case 'MANUFACTURER': return manufacturerKey(row.manufacturer);
  }
}

/** A small deterministic fixture: `subjects` patients over two datasets. */
export function buildFixtureRows(subjects = 40): SeriesRow[] {
  const rows: SeriesRow[] = [];
  const modalities: Modality[] = ['MR', 'CT', 'PT'];
  for (let p = 0; p < subjects; p++) {
    const datasetId = p % 3 === 0 ? 'lung-ct' : 'prostate-mr';
    const diagnosis: CancerType = datasetId === 'lung-ct' ? 'LUNG' : 'PROSTATE';
    for (let s = 0; s < 1 + (p % 2); s++) {
      const studyUid = `2.25.${1000 + p}.${s}`;
      for (let k = 0; k < 2 + (p % 3); k++) {
        rows.push({
          datasetId, patientId: `PAT${String(p).padStart(5, '0')}`, patientName: `DOE^PATIENT${p}`, birthDate: `19${50 + (p % 40)}0101`,
          sex: diagnosis === 'PROSTATE' || p % 2 === 0 ? 'MALE' : 'FEMALE', ageAtDiagnosis: 40 + (p % 40), diagnosis,
          yearOfDiagnosis: 2012 + (p % 10), studyUid, studyYear: 2012 + (p % 10), seriesUid: `${studyUid}.${k}`,
          modality: diagnosis === 'LUNG' ? (k === 0 ? 'CT' : modalities[k % 3]!) : 'MR', bodyPart: diagnosis === 'LUNG' ? 'CHEST' : 'PROSTATE',
          manufacturer: p % 2 === 0 ? 'SIEMENS' : 'GE MEDICAL SYSTEMS', instanceCount: 10 + k,
        });
      }
    }
  }
  return rows;
}
