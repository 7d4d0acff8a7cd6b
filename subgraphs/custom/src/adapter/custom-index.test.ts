import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { missingColumns, openIndexFile, writeIndex, type SeriesIndexRow } from './custom-index.js';

const row = (overrides: Partial<SeriesIndexRow> = {}): SeriesIndexRow => ({
  siteId: 's', datasetId: 'd', patientId: 'PAT1', patientName: 'DOE^JANE', birthDate: '19600101', sex: 'F', ageAtDiagnosis: 60,
  diagnosis: 'BREAST', yearOfDiagnosis: 2020, studyUid: '2.25.1', studyYear: 2020, studyDescription: 'MG', seriesUid: '2.25.2',
  seriesNumber: 1, modality: 'MG', bodyPart: 'BREAST', manufacturer: 'HOLOGIC', seriesDescription: 'L CC', instanceCount: 1, ...overrides,
});

describe('writeIndex', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'cig-index-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes every row and segmentation in one go, into an index the adapter accepts', () => {
    const file = path.join(dir, 'index.sqlite');
    const result = writeIndex(file, [
      { series: [row(), row({ seriesUid: '2.25.3', modality: 'SEG' })], segmentations: [{ siteId: 's', segUid: '2.25.3', format: 'DICOM_SEG', seriesUid: '2.25.2', label: 'Lesion' }] },
      { series: [row({ patientId: 'PAT2', studyUid: '2.25.4', seriesUid: '2.25.5' })], segmentations: [] },
    ]);
    expect(result).toEqual({ series: 3, segmentations: 1 });
    const db = openIndexFile(file);
    try {
      expect(missingColumns(db)).toEqual([]);
      expect(db.readonly).toBe(true);
      expect(db.prepare('SELECT COUNT(*) FROM series').pluck().get()).toBe(3);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'series_by_%' ORDER BY name").pluck().all())
        .toEqual(['series_by_study', 'series_by_uid']);
    } finally {
      db.close();
    }
  });

  it('refuses a series UID twice at one site and a sex outside the DICOM codes', () => {
    expect(() => writeIndex(path.join(dir, 'dup.sqlite'), [{ series: [row(), row({ patientId: 'PAT2' })], segmentations: [] }])).toThrow(/UNIQUE/);
    expect(() => writeIndex(path.join(dir, 'sex.sqlite'), [{ series: [row({ sex: 'female' as never })], segmentations: [] }])).toThrow(/CHECK/);
  });

  it('does not write into an existing file', () => {
    const file = path.join(dir, 'index.sqlite');
    writeIndex(file, []);
    expect(() => writeIndex(file, [])).toThrow(/exists: writeIndex only creates new index files/);
  });
});

describe('missingColumns', () => {
  it('names the columns an index lacks', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE series (site_id TEXT, dataset_id TEXT, patient_id TEXT)');
    const missing = missingColumns(db);
    expect(missing).toContain('series.modality');
    expect(missing).toContain('segmentation.seg_uid');
    expect(missing).not.toContain('series.site_id');
    db.close();
  });
});
