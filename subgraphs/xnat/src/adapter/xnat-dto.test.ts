import { describe, expect, it } from 'vitest';
import { experimentRowSchema, normalisedRow, resultSetSchema, scanSearchSchemaFor, subjectRowSchema } from './xnat-dto.js';

describe('xnat DTO schemas', () => {
  it('take the first non-empty alias, by exact key then case-insensitively', () => {
    const schema = normalisedRow({ id: ['ID', 'xnat:a/id'], gender: ['gender', 'xnat:a/demographics[@xsi:type=xnat:b]/gender'] }, ['id']);
    expect(schema.parse({ 'XNAT:A/ID': 'X1', 'xnat:a/demographics[@xsi:type=xnat:b]/gender': 'F' })).toMatchObject({ id: 'X1', gender: 'F' });
    expect(schema.parse({ ID: '', 'xnat:a/id': 'X2' })).toMatchObject({ id: 'X2', gender: '', present: { id: true, gender: false } });
    expect(schema.safeParse({ ID: '' }).success).toBe(false);
    expect(schema.safeParse({ ID: { nested: true } }).success).toBe(false);
    expect(schema.safeParse(['X1']).success).toBe(false);
  });

  it('read a scan search row by display-field keys, the body part also by its xpath key', () => {
    const schema = scanSearchSchemaFor('xnat:segScanData');
    const parsed = schema.parse({ ResultSet: { Result: [
      { id: '301', session_id: 'E1', modality: 'SEG', scanner_manufacturer: 'QIICR', xnat_col_segscandatabodypartexamined: 'CHEST' },
      { id: '302', session_id: 'E1', modality: 'SEG', scanner_manufacturer: 'QIICR' },
    ], totalRecords: '2' } }).ResultSet.Result;
    expect(parsed.map((r) => [r.scanId, r.sessionId, r.bodyPart, r.present.bodyPart])).toEqual([['301', 'E1', 'CHEST', true], ['302', 'E1', '', false]]);
    // A row without the session (SESSION_ID not resolved) is refused: the adapter lists instead.
    expect(schema.safeParse({ ResultSet: { Result: [{ id: '1', image_session_id: 'E1' }] } }).success).toBe(false);
  });

  it('turn numbers, booleans and nulls into the strings XNAT means', () => {
    const row = subjectRowSchema.parse({ ID: 'XNAT_S1', age: 63, gender: null, yob: true });
    expect(row).toMatchObject({ id: 'XNAT_S1', age: '63', gender: '', yob: 'true' });
  });

  it('read totalRecords as a string or a number, and refuse anything else', () => {
    const schema = resultSetSchema(experimentRowSchema);
    const row = { ID: 'E1', xsiType: 'xnat:mrSessionData' };
    expect(schema.parse({ ResultSet: { Result: [row], totalRecords: '1' } }).ResultSet.totalRecords).toBe(1);
    expect(schema.parse({ ResultSet: { Result: [row], totalRecords: 1 } }).ResultSet.totalRecords).toBe(1);
    expect(schema.parse({ ResultSet: { Result: [] } }).ResultSet.totalRecords).toBeUndefined();
    expect(schema.safeParse({ ResultSet: { Result: [], totalRecords: '-1' } }).success).toBe(false);
    expect(schema.safeParse({ Result: [] }).success).toBe(false);
  });

  it('require an experiment id and data type, and read the root id xpath XNAT adds', () => {
    expect(experimentRowSchema.parse({ 'xnat:subjectassessordata/id': 'E9', xsiType: 'xnat:ctSessionData' }).id).toBe('E9');
    expect(experimentRowSchema.safeParse({ ID: 'E9' }).success).toBe(false);
  });
});
