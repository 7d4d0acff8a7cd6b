import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileCriteria } from './custom-criteria.js';

describe('compileCriteria', () => {
  it('compiles empty criteria to no condition', () => {
    expect(compileCriteria({})).toEqual({ sql: '', params: [] });
  });

  it('treats an empty list as no restriction, as the kit does', () => {
    expect(compileCriteria({ modalities: [], manufacturers: [], datasetLocalIds: [] })).toEqual({ sql: '', params: [] });
  });

  it('makes any-of within a field an IN over DICOM terms and all-of across fields an AND', () => {
    const { sql, params } = compileCriteria({ modalities: ['CT', 'PT'], bodyParts: ['CHEST'], cancerTypes: ['LUNG'] });
    expect(sql).toBe('diagnosis IN (?) AND modality IN (?, ?) AND body_part IN (?)');
    expect(params).toEqual(['LUNG', 'CT', 'PT', 'CHEST']);
  });

  it('binds every value as a parameter, never in the SQL text', () => {
    const hostile = "x') OR 1=1 --";
    const { sql, params } = compileCriteria({
      manufacturers: [hostile], datasetLocalIds: [hostile], ageAtDiagnosis: { min: 1, max: 2 }, yearOfDiagnosis: { min: 2010 },
    });
    expect(sql).not.toContain(hostile);
    expect(sql).not.toMatch(/\d/);
    expect(params).toEqual([hostile, 1, 2, 2010, hostile]);
  });

  it('compiles inclusive ranges with either end open', () => {
    expect(compileCriteria({ ageAtDiagnosis: { min: 40 } })).toEqual({ sql: 'age_at_diagnosis >= ?', params: [40] });
    expect(compileCriteria({ yearOfDiagnosis: { max: 2015 } })).toEqual({ sql: 'year_of_diagnosis <= ?', params: [2015] });
  });

  it('maps sexes to DICOM codes, with UNKNOWN covering empty, NULL and unexpected values', () => {
    expect(compileCriteria({ sex: ['FEMALE', 'MALE'] })).toEqual({ sql: '(sex IN (?, ?))', params: ['F', 'M'] });
    expect(compileCriteria({ sex: ['UNKNOWN'] })).toEqual({ sql: '(sex IS NULL OR sex NOT IN (?, ?, ?))', params: ['F', 'M', 'O'] });
  });

  it('matches rows in SQLite as the semantics say: NULL never in a range, manufacturers case-insensitively, OR kept inside its field', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE series (id INTEGER, dataset_id TEXT, diagnosis TEXT, sex TEXT, age_at_diagnosis INTEGER, year_of_diagnosis INTEGER, modality TEXT, body_part TEXT, manufacturer TEXT)');
    const insert = db.prepare('INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run(1, 'd1', 'LUNG', 'F', 60, 2015, 'CT', 'CHEST', 'SIEMENS');
    insert.run(2, 'd1', 'LUNG', 'M', null, 2015, 'CT', null, 'Siemens');
    insert.run(3, 'd2', 'PROSTATE', '', 70, 2020, 'MR', 'PELVIS', 'PHILIPS');
    insert.run(4, 'd2', 'PROSTATE', 'O', 40, 2010, 'MR', 'PROSTATE', null);
    const ids = (criteria: Parameters<typeof compileCriteria>[0]) => {
      const where = compileCriteria(criteria);
      return db.prepare(`SELECT id FROM series${where.sql ? ` WHERE ${where.sql}` : ''} ORDER BY id`).pluck().all(...where.params);
    };
    expect(ids({})).toEqual([1, 2, 3, 4]);
    expect(ids({ ageAtDiagnosis: { min: 0 } })).toEqual([1, 3, 4]);
    expect(ids({ ageAtDiagnosis: { min: 60, max: 70 } })).toEqual([1, 3]);
    expect(ids({ manufacturers: ['siemens'] })).toEqual([1, 2]);
    expect(ids({ bodyParts: ['CHEST', 'PELVIS'] })).toEqual([1, 3]);
    // The UNKNOWN branch's OR must not escape into the other fields.
    expect(ids({ sex: ['UNKNOWN'], cancerTypes: ['LUNG'] })).toEqual([]);
    expect(ids({ sex: ['UNKNOWN', 'OTHER'], modalities: ['MR'] })).toEqual([3, 4]);
    expect(ids({ yearOfDiagnosis: { min: 2015, max: 2015 }, datasetLocalIds: ['d1'] })).toEqual([1, 2]);
    db.close();
  });
});
