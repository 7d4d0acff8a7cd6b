import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * The series-level index a custom site is served from: one row per DICOM series, with the
 * subject and study fields repeated on each row (as IDC's idc-index), plus the
 * segmentations that reference a series. The embedded demo builds one; a provider with a
 * home-grown repository can build its own with `writeIndex` and point a registry entry at
 * it with `baseUrl: file:/path/to/index.sqlite`.
 *
 * Values are stored normalised, as DICOM spells them: sex 'F' | 'M' | 'O' | '' (unknown),
 * modality and body part as DICOM defined terms, diagnosis as a CancerType name. The index
 * holds direct identifiers (patient_name, birth_date) because a real repository does; the
 * adapter never selects them.
 */

export type SqliteDatabase = Database.Database;

export type DicomSex = 'F' | 'M' | 'O' | '';
export type IndexSegmentationFormat = 'DICOM_SEG' | 'RTSTRUCT' | 'ROI_COLLECTION';

export interface SeriesIndexRow {
  readonly siteId: string;
  readonly datasetId: string;
  /** The site's native PatientID; unique within a dataset. */
  readonly patientId: string;
  /** DICOM PN, e.g. DOE^JANE. A direct identifier: never selected by the adapter. */
  readonly patientName: string | null;
  /** DICOM DA (YYYYMMDD). A direct identifier: never selected by the adapter. */
  readonly birthDate: string | null;
  readonly sex: DicomSex;
  readonly ageAtDiagnosis: number | null;
  /** A CancerType name, e.g. PROSTATE. */
  readonly diagnosis: string | null;
  readonly yearOfDiagnosis: number | null;
  readonly studyUid: string;
  readonly studyYear: number | null;
  readonly studyDescription: string | null;
  readonly seriesUid: string;
  /** DICOM Series Number (0020,0011): the order a site lists a study's series in. */
  readonly seriesNumber: number | null;
  /** DICOM Modality (0008,0060). */
  readonly modality: string;
  /** DICOM Body Part Examined (0018,0015). */
  readonly bodyPart: string | null;
  readonly manufacturer: string | null;
  readonly seriesDescription: string | null;
  readonly instanceCount: number | null;
}

export interface SegmentationIndexRow {
  readonly siteId: string;
  /** SeriesInstanceUID of the segmentation object itself. */
  readonly segUid: string;
  readonly format: IndexSegmentationFormat;
  /** SeriesInstanceUID of the image series it segments. */
  readonly seriesUid: string;
  readonly label: string | null;
}

/** The rows of one subject, as a generator or an import produces them. */
export interface SubjectIndexRows {
  readonly series: readonly SeriesIndexRow[];
  readonly segmentations: readonly SegmentationIndexRow[];
}

// The primary key clusters a site's rows by dataset, subject and study (WITHOUT ROWID), so
// counting and browsing a site read one contiguous range in the order they group by.
const TABLES_DDL = `
CREATE TABLE series (
  site_id            TEXT    NOT NULL,
  dataset_id         TEXT    NOT NULL,
  patient_id         TEXT    NOT NULL,
  patient_name       TEXT,
  birth_date         TEXT,
  sex                TEXT    NOT NULL DEFAULT '' CHECK (sex IN ('F', 'M', 'O', '')),
  age_at_diagnosis   INTEGER CHECK (age_at_diagnosis IS NULL OR age_at_diagnosis >= 0),
  diagnosis          TEXT,
  year_of_diagnosis  INTEGER,
  study_uid          TEXT    NOT NULL,
  study_year         INTEGER,
  study_description  TEXT,
  series_uid         TEXT    NOT NULL,
  series_number      INTEGER,
  modality           TEXT    NOT NULL,
  body_part          TEXT,
  manufacturer       TEXT,
  series_description TEXT,
  instance_count     INTEGER,
  PRIMARY KEY (site_id, dataset_id, patient_id, study_uid, series_uid)
) WITHOUT ROWID;
CREATE TABLE segmentation (
  site_id    TEXT NOT NULL,
  seg_uid    TEXT NOT NULL,
  format     TEXT NOT NULL CHECK (format IN ('DICOM_SEG', 'RTSTRUCT', 'ROI_COLLECTION')),
  series_uid TEXT NOT NULL,
  label      TEXT,
  PRIMARY KEY (site_id, series_uid, seg_uid)
) WITHOUT ROWID;
`;

// Built after the bulk load (cheaper than maintaining them row by row).
const INDEXES_DDL = `
CREATE UNIQUE INDEX series_by_uid ON series (site_id, series_uid);
CREATE INDEX series_by_study ON series (site_id, study_uid);
`;

/**
 * The count summary: the series table grouped by every column a criterion or a breakdown
 * reads, with the number of series in each group. Counting reads about a fifth of the rows
 * (the demo: 53k instead of 262k) and gives the same answers, because every group keeps
 * the values a WHERE tests and `n` restores the series count. Derived, so it is rebuilt
 * with the index; an index without it is counted from `series` directly.
 */
export const SUMMARY_TABLE = 'series_summary';
// patient_id and study_uid hold dense integers here, not the identifiers: counts only need
// them distinct, integers make rows a third smaller and scans faster, and keeping the column
// names lets one SQL text count from either table.
const SUMMARY_DDL = `
CREATE TABLE ${SUMMARY_TABLE} (
  site_id           TEXT    NOT NULL,
  dataset_id        TEXT    NOT NULL,
  patient_id        INTEGER NOT NULL,
  study_uid         INTEGER NOT NULL,
  part              INTEGER NOT NULL,
  sex               TEXT    NOT NULL,
  age_at_diagnosis  INTEGER,
  diagnosis         TEXT,
  year_of_diagnosis INTEGER,
  modality          TEXT    NOT NULL,
  body_part         TEXT,
  manufacturer      TEXT,
  n                 INTEGER NOT NULL,
  PRIMARY KEY (site_id, dataset_id, patient_id, study_uid, part)
) WITHOUT ROWID;
INSERT INTO ${SUMMARY_TABLE}
SELECT site_id, dataset_id,
       DENSE_RANK() OVER (ORDER BY site_id, dataset_id, patient_id),
       DENSE_RANK() OVER (ORDER BY site_id, study_uid),
       ROW_NUMBER() OVER (PARTITION BY site_id, dataset_id, patient_id, study_uid),
       sex, age_at_diagnosis, diagnosis, year_of_diagnosis, modality, body_part, manufacturer, n
FROM (
  SELECT site_id, dataset_id, patient_id, study_uid, sex, age_at_diagnosis, diagnosis, year_of_diagnosis,
         modality, body_part, manufacturer, COUNT(*) AS n
  FROM series
  GROUP BY site_id, dataset_id, patient_id, study_uid, sex, age_at_diagnosis, diagnosis, year_of_diagnosis, modality, body_part, manufacturer
);
`;

/** Does the index carry the count summary (indexes built by writeIndex do)? */
export function hasSummary(db: SqliteDatabase): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(SUMMARY_TABLE) !== undefined;
}

/** The columns the adapter reads; an index missing one is refused at open. */
export const REQUIRED_COLUMNS = {
  series: [
    'site_id', 'dataset_id', 'patient_id', 'sex', 'age_at_diagnosis', 'diagnosis', 'year_of_diagnosis',
    'study_uid', 'study_year', 'study_description', 'series_uid', 'series_number', 'modality', 'body_part', 'manufacturer',
    'series_description', 'instance_count',
  ],
  segmentation: ['site_id', 'seg_uid', 'format', 'series_uid', 'label'],
} as const;

export interface WriteIndexResult {
  readonly series: number;
  readonly segmentations: number;
}

/**
 * Writes a new index file from subjects' rows in one transaction. The file must not exist
 * yet: callers write to a temporary name and rename (see ensureDemoIndex). Journal and
 * fsync are off because a half-written file is discarded, never opened.
 */
export function writeIndex(file: string, subjects: Iterable<SubjectIndexRows>): WriteIndexResult {
  if (existsSync(file)) throw new Error(`${file} exists: writeIndex only creates new index files`);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536'); // 64 MiB: the whole demo fits while it is loaded
    db.exec(TABLES_DDL);
    const insertSeries = db.prepare(`INSERT INTO series (
      site_id, dataset_id, patient_id, patient_name, birth_date, sex, age_at_diagnosis, diagnosis, year_of_diagnosis,
      study_uid, study_year, study_description, series_uid, series_number, modality, body_part, manufacturer, series_description, instance_count
    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertSegmentation = db.prepare('INSERT INTO segmentation (site_id, seg_uid, format, series_uid, label) VALUES (?, ?, ?, ?, ?)');
    const counts = { series: 0, segmentations: 0 };
    db.transaction(() => {
      for (const subject of subjects) {
        for (const r of subject.series) {
          insertSeries.run(
            r.siteId, r.datasetId, r.patientId, r.patientName, r.birthDate, r.sex, r.ageAtDiagnosis, r.diagnosis, r.yearOfDiagnosis,
            r.studyUid, r.studyYear, r.studyDescription, r.seriesUid, r.seriesNumber, r.modality, r.bodyPart, r.manufacturer, r.seriesDescription, r.instanceCount,
          );
          counts.series++;
        }
        for (const s of subject.segmentations) {
          insertSegmentation.run(s.siteId, s.segUid, s.format, s.seriesUid, s.label);
          counts.segmentations++;
        }
      }
      db.exec(INDEXES_DDL);
      db.exec(SUMMARY_DDL);
    })();
    // Statistics let the planner pick the clustered scan for counts and the UID indexes for batches.
    db.exec('ANALYZE');
    return counts;
  } finally {
    db.close();
  }
}

/** Opens an existing index read-only; the adapter never writes. */
export function openIndexFile(file: string): SqliteDatabase {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** The required columns an index lacks, e.g. ['series.modality']; empty when usable. */
export function missingColumns(db: SqliteDatabase): string[] {
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
    // PRAGMA arguments cannot be bound; the table names come from the constant above.
    const present = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    for (const column of columns) if (!present.has(column)) missing.push(`${table}.${column}`);
  }
  return missing;
}
