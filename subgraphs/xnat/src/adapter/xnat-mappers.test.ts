import { describe, expect, it } from 'vitest';
import {
  ageAt, compareScanIds, parseSeriesLocalId, scanModality, toIsoDate, toModality, toSegmentationFormat, toSex,
  toStudyRecord, wholeYearsBetween,
} from './xnat-mappers.js';

describe('xnat mappers', () => {
  it('reads XNAT gender values as stored (male, female, other, unknown), and M/F, as the contract\'s Sex', () => {
    expect(['male', 'Female', 'M', 'f', 'unknown', '', 'other'].map(toSex)).toEqual(['MALE', 'FEMALE', 'MALE', 'FEMALE', 'UNKNOWN', 'UNKNOWN', 'OTHER']);
  });

  it('takes a scan\'s modality from its stored DICOM Modality only: none stays none (OT in records)', () => {
    expect(scanModality(' ct ')).toBe('CT');
    expect(scanModality('')).toBe('');
    expect(toModality(scanModality(''))).toBe('OT');
    expect(toModality(scanModality('SR'))).toBe('OT');
  });

  it('computes the age at the earliest session from age, else date of birth, else year of birth', () => {
    expect(ageAt({ age: '63', dob: '1900-01-01', yob: '1900' }, '2020-01-01')).toBe(63);
    expect(ageAt({ age: '63.7', dob: '', yob: '' }, null)).toBe(63);
    expect(ageAt({ age: '', dob: '1960-05-17', yob: '' }, '2021-05-16')).toBe(60);
    expect(ageAt({ age: '', dob: '1960-05-17', yob: '' }, '2021-05-17')).toBe(61);
    expect(ageAt({ age: '', dob: '', yob: '1958' }, '2019-07-22')).toBe(61);
    expect(ageAt({ age: '', dob: '', yob: '' }, '2019-07-22')).toBeNull();
    expect(ageAt({ age: '', dob: '1960-05-17', yob: '' }, null)).toBeNull();
    expect(wholeYearsBetween('2030-01-01', '2020-01-01')).toBeNull();
  });

  it('reads XNAT dates in their ISO, timestamp, US and DICOM forms', () => {
    expect(['2021-03-04', '2021-03-04 10:00:00.0', '03/04/2021', '20210304', '', 'n/a', '2021-13-01'].map(toIsoDate))
      .toEqual(['2021-03-04', '2021-03-04', '2021-03-04', '2021-03-04', null, null, null]);
  });

  it('orders scan ids numerically, then the others by text', () => {
    expect(['11', '2', '1', 'a', '10', 'B'].sort(compareScanIds)).toEqual(['1', '2', '10', '11', 'B', 'a']);
  });

  it('maps ROI collection types to segmentation formats', () => {
    expect(['RTSTRUCT', 'seg', 'AIM', 'NIFTI', ''].map(toSegmentationFormat)).toEqual(['RTSTRUCT', 'DICOM_SEG', 'ROI_COLLECTION', 'ROI_COLLECTION', 'ROI_COLLECTION']);
  });

  it('splits series local ids into session and scan', () => {
    expect(parseSeriesLocalId('XNAT_E00001/11')).toEqual({ sessionId: 'XNAT_E00001', scanId: '11' });
    expect(parseSeriesLocalId('XNAT_E00001')).toBeUndefined();
    expect(parseSeriesLocalId('/1')).toBeUndefined();
  });

  it('builds a study record with no label and an empty UID when XNAT has none', () => {
    const record = toStudyRecord(
      { id: 'XNAT_E00004', subjectId: 'XNAT_S00003', date: null, scans: [{ scanId: '1', modality: 'MR', bodyPart: 'Brain', manufacturer: null }, { scanId: '2', modality: 'SR', bodyPart: null, manufacturer: null }] },
      { uid: 'not-a-uid', date: '2019-01-02' },
    );
    expect(record).toEqual({ localId: 'XNAT_E00004', studyInstanceUid: '', year: 2019, modalities: ['MR', 'OT'], bodyPart: 'BRAIN', description: null });
  });
});
