import type { SubjectRef } from '@cancer-imaging/provider-kit';
import type Database from 'better-sqlite3';
import { placeholders, type SqlCondition } from './custom-criteria.js';
import type { CountRow, SegmentationRowDto, SeriesRowDto, StudyPartRow, SubjectRow } from './custom-dto.js';
import { hasSummary, SUMMARY_TABLE, type SqliteDatabase } from './custom-index.js';

/**
 * The SQL the adapter runs against one site's rows, as prepared statements. No query
 * selects patient_name or birth_date: the column lists below are the whole of what leaves
 * the index.
 */
export interface IndexQueries {
  /** Proves the index answers; cheap. */
  ping(): void;
  /** The aggregate queries, run inline on this connection. */
  readonly aggregates: AggregateQueries;
  subjectCount(datasetId: string): number;
  subjectPage(datasetId: string, offset: number, limit: number): SubjectRow[];
  /** At most MAX_BATCH_PARAMETERS / 2 refs per call. */
  studyParts(refs: readonly SubjectRef[]): StudyPartRow[];
  /** At most MAX_BATCH_PARAMETERS ids per call; each study's series by Series Number, then UID. */
  series(studyUids: readonly string[]): SeriesRowDto[];
  segmentations(seriesUids: readonly string[]): SegmentationRowDto[];
}

/** Index columns a breakdown groups by (a closed list: column names are spliced into SQL). */
export const BREAKDOWN_COLUMNS = ['modality', 'body_part', 'manufacturer', 'diagnosis', 'sex', 'age_at_diagnosis'] as const;
export type BreakdownColumn = (typeof BREAKDOWN_COLUMNS)[number];

export interface BreakdownCountRow {
  readonly datasetId: string;
  readonly value: string | number | null;
  readonly subjects: number;
}

/**
 * The aggregate queries (counts and breakdowns): the heavy ones, which the adapter may run
 * on a pool of reader threads (read-pool.ts) instead of inline.
 */
export interface AggregateQueries {
  /** Counts per dataset of the series matching `where` (see custom-criteria.ts for the semantics). */
  countByDataset(where: SqlCondition): Promise<CountRow[]>;
  /**
   * Distinct subjects per dataset and raw column value, for a breakdown. Series-level
   * columns count a subject under each value of its matching series; subject-level ones
   * under the subject's one value (MIN, as subjectPage reads it).
   */
  breakdownByDataset(column: BreakdownColumn, level: 'series' | 'subject', where: SqlCondition): Promise<BreakdownCountRow[]>;
  /** Distinct subjects of one dataset having a matching series whose column is one of `values`. */
  subjectsWithAnyOf(column: BreakdownColumn, values: readonly (string | number | null)[], datasetId: string, where: SqlCondition): Promise<number>;
}

/** Where counts read from: the summary when the index has one (the same answers from fewer rows). */
export interface CountSource {
  readonly table: string;
  /** The expression that counts series in a row of `table`. */
  readonly series: string;
}

export function countSourceOf(db: SqliteDatabase): CountSource {
  return hasSummary(db) ? { table: SUMMARY_TABLE, series: 'n' } : { table: 'series', series: '1' };
}

/** The aggregate queries of one site over `run`, which executes read-only SQL somewhere. */
export function createAggregateQueries(
  siteId: string,
  counted: CountSource,
  run: <T>(sql: string, params: readonly unknown[]) => Promise<T[]>,
): AggregateQueries {
  return {
    countByDataset(where) {
      // Grouping by subject first turns "distinct subjects" and "distinct studies" into
      // small per-subject groups read in primary-key order, which is faster than
      // COUNT(DISTINCT) over the whole site.
      const sql = `
        SELECT dataset_id AS datasetId, COUNT(*) AS subjects, SUM(studies) AS studies, SUM(series_count) AS series
        FROM (
          SELECT dataset_id, patient_id, COUNT(DISTINCT study_uid) AS studies, SUM(${counted.series}) AS series_count
          FROM ${counted.table}
          WHERE site_id = ?${where.sql ? ` AND ${where.sql}` : ''}
          GROUP BY dataset_id, patient_id
        )
        GROUP BY dataset_id`;
      return run<CountRow>(sql, [siteId, ...where.params]);
    },

    breakdownByDataset(column, level, where) {
      if (!BREAKDOWN_COLUMNS.includes(column)) return Promise.reject(new RangeError(`not a breakdown column: ${column}`));
      const filter = `site_id = ?${where.sql ? ` AND ${where.sql}` : ''}`;
      const sql = level === 'series'
        ? `SELECT dataset_id AS datasetId, ${column} AS value, COUNT(DISTINCT patient_id) AS subjects
           FROM ${counted.table} WHERE ${filter} GROUP BY dataset_id, ${column}`
        : `SELECT dataset_id AS datasetId, value, COUNT(*) AS subjects
           FROM (SELECT dataset_id, MIN(${column}) AS value FROM ${counted.table} WHERE ${filter} GROUP BY dataset_id, patient_id)
           GROUP BY dataset_id, value`;
      return run<BreakdownCountRow>(sql, [siteId, ...where.params]);
    },

    async subjectsWithAnyOf(column, values, datasetId, where) {
      if (!BREAKDOWN_COLUMNS.includes(column)) throw new RangeError(`not a breakdown column: ${column}`);
      const nulls = values.includes(null);
      const given = values.filter((value): value is string | number => value !== null);
      const anyOf = [given.length > 0 ? `${column} IN (${placeholders(given.length)})` : '', nulls ? `${column} IS NULL` : ''].filter(Boolean).join(' OR ');
      const rows = await run<{ n: number }>(`
        SELECT COUNT(DISTINCT patient_id) AS n FROM ${counted.table}
        WHERE site_id = ? AND dataset_id = ? AND (${anyOf})${where.sql ? ` AND ${where.sql}` : ''}`,
      [siteId, datasetId, ...given, ...where.params]);
      return rows[0]?.n ?? 0;
    },
  };
}

/** Bound parameters per batched statement; batches are split into chunks that fit. */
export const MAX_BATCH_PARAMETERS = 500;

/** Prepared statements kept per connection; criteria and batch sizes vary the SQL text. */
const STATEMENT_CACHE_SIZE = 256;

export function createIndexQueries(db: SqliteDatabase, siteId: string): IndexQueries {
  const cache = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let prepared = cache.get(sql);
    if (!prepared) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      prepared = db.prepare(sql);
      cache.set(sql, prepared);
    }
    return prepared;
  };
  const all = <T>(sql: string, params: readonly unknown[]): T[] => statement(sql).all(...params) as T[];

  return {
    aggregates: createAggregateQueries(siteId, countSourceOf(db), <T>(sql: string, params: readonly unknown[]) => Promise.resolve(all<T>(sql, params))),

    ping() {
      statement('SELECT 1 FROM series WHERE site_id = ? LIMIT 1').get(siteId);
    },

    subjectCount(datasetId) {
      const row = statement(`
        SELECT COUNT(*) AS n FROM (SELECT 1 FROM series WHERE site_id = ? AND dataset_id = ? GROUP BY patient_id)`)
        .get(siteId, datasetId) as { n: number };
      return row.n;
    },

    subjectPage(datasetId, offset, limit) {
      // Subject fields repeat on every series row; MIN makes a subject one row even in an
      // index whose rows disagree.
      return all<SubjectRow>(`
        SELECT patient_id AS patientId, MIN(sex) AS sex, MIN(age_at_diagnosis) AS ageAtDiagnosis,
               MIN(diagnosis) AS diagnosis, MIN(year_of_diagnosis) AS yearOfDiagnosis
        FROM series
        WHERE site_id = ? AND dataset_id = ?
        GROUP BY patient_id
        ORDER BY patient_id
        LIMIT ? OFFSET ?`, [siteId, datasetId, limit, offset]);
    },

    studyParts(refs) {
      if (refs.length === 0) return [];
      const values = refs.map(() => '(?, ?)').join(', ');
      return all<StudyPartRow>(`
        SELECT dataset_id AS datasetId, patient_id AS patientId, study_uid AS studyUid,
               MIN(study_year) AS studyYear, MIN(study_description) AS studyDescription,
               modality, body_part AS bodyPart, COUNT(*) AS seriesCount
        FROM series
        WHERE site_id = ? AND (dataset_id, patient_id) IN (VALUES ${values})
        GROUP BY dataset_id, patient_id, study_uid, modality, body_part
        ORDER BY dataset_id, patient_id, study_uid, modality, body_part`,
      [siteId, ...refs.flatMap((ref) => [ref.datasetLocalId, ref.nativePatientId])]);
    },

    series(studyUids) {
      if (studyUids.length === 0) return [];
      return all<SeriesRowDto>(`
        SELECT study_uid AS studyUid, series_uid AS seriesUid, modality, body_part AS bodyPart, manufacturer,
               series_description AS seriesDescription, instance_count AS instanceCount
        FROM series
        WHERE site_id = ? AND study_uid IN (${placeholders(studyUids.length)})
        ORDER BY study_uid, series_number IS NULL, series_number, series_uid`, [siteId, ...studyUids]);
    },

    segmentations(seriesUids) {
      if (seriesUids.length === 0) return [];
      return all<SegmentationRowDto>(`
        SELECT series_uid AS seriesUid, seg_uid AS segUid, format, label
        FROM segmentation
        WHERE site_id = ? AND series_uid IN (${placeholders(seriesUids.length)})
        ORDER BY series_uid, seg_uid`, [siteId, ...seriesUids]);
    },
  };
}
