import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seriesSchema, simplifiedTagsSchema, studySchema, type SeriesDto } from './orthanc-dto.js';
import {
  compareStudiesByDate, parseDicomAge, representativeSeries, toDicomDate, toInstanceFacts, toSegmentationFacts,
  toSeriesRecord, toSeriesSummary, toStudyEntry, toStudyRecord, wholeYearsBetween,
} from './orthanc-mappers.js';

// Responses recorded from a real Orthanc 1.10.1: see test/adapter/fixtures/README.md.
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/adapter/fixtures/${name}`, import.meta.url), 'utf8'));

const studyP1 = studySchema.parse(fixture('study.json'));
const seriesP1 = seriesSchema.array().parse(fixture('study-series-expand.json'));

describe('DICOM ages and dates', () => {
  it('reads DICOM Age Strings in completed years', () => {
    expect(parseDicomAge('063Y')).toBe(63);
    expect(parseDicomAge('006M')).toBe(0);
    expect(parseDicomAge('030M')).toBe(2);
    expect(parseDicomAge('104W')).toBe(1);
    expect(parseDicomAge('400D')).toBe(1);
    expect(parseDicomAge(' 63Y ')).toBe(63);
    for (const bad of ['', 'Y', '63', 'abcY', '063X', null, undefined]) expect(parseDicomAge(bad)).toBeNull();
  });

  it('counts whole years between dates, a birthday counting on its day', () => {
    expect(wholeYearsBetween('19600101', '20200101')).toBe(60);
    expect(wholeYearsBetween('19600102', '20200101')).toBe(59);
    expect(wholeYearsBetween('19600229', '20200228')).toBe(59);
    expect(wholeYearsBetween('20200101', '19600101')).toBeNull();
  });

  it('accepts DA values and the old dotted form, nothing else', () => {
    expect(toDicomDate('20200101')).toBe('20200101');
    expect(toDicomDate('2020.01.01')).toBe('20200101');
    for (const bad of ['', '2020', '20201301', '20200100', 'yesterday', undefined]) expect(toDicomDate(bad)).toBeNull();
  });
});

describe('toStudyEntry: allow-listed fields only', () => {
  it('keeps the UID, PatientID (as nativePatientId), sex, date and description; computes the age and drops the birth date', () => {
    const entry = toStudyEntry(studyP1);
    expect(entry).toMatchObject({
      orthancId: studyP1.ID,
      studyInstanceUid: '2.25.1',
      nativePatientId: 'P1',
      sex: 'FEMALE',
      studyDate: '20200101',
      description: 'LUNG baseline',
      groupingTags: { InstitutionName: 'Hosp' },
      // PatientBirthDate 19600101 and StudyDate 20200101, computed here.
      ageFromBirthDate: 60,
    });
    const text = JSON.stringify(entry);
    for (const forbidden of ['19600101', 'Doe', 'PatientName', 'AccessionNumber', 'ReferringPhysician', 'PatientBirthDate']) {
      expect(text).not.toContain(forbidden);
    }
  });

  it('maps an empty PatientSex to UNKNOWN and a missing StudyDate to no age', () => {
    const dto = studySchema.parse({ ...studyP1, MainDicomTags: { StudyInstanceUID: '1.2' }, PatientMainDicomTags: { PatientID: 'X', PatientSex: '', PatientBirthDate: '19600101' } });
    expect(toStudyEntry(dto)).toMatchObject({ sex: 'UNKNOWN', studyDate: null, ageFromBirthDate: null, description: null });
  });

  it('orders a subject\'s studies by date, then time, undated last', () => {
    const base = toStudyEntry(studyP1);
    const studies = [
      { ...base, studyInstanceUid: '1.3', studyDate: null },
      { ...base, studyInstanceUid: '1.2', studyDate: '20200101', studyTime: '120000' },
      { ...base, studyInstanceUid: '1.1', studyDate: '20200101', studyTime: '080000' },
      { ...base, studyInstanceUid: '1.4', studyDate: '20190101', studyTime: '235959' },
    ].sort(compareStudiesByDate);
    expect(studies.map((s) => s.studyInstanceUid)).toEqual(['1.4', '1.1', '1.2', '1.3']);
  });
});

describe('series, studies and segmentations', () => {
  it('maps a series with Orthanc id and DICOM UID kept apart, and no operator name', () => {
    const ct = seriesP1.find((s) => s.MainDicomTags.Modality === 'CT')!;
    const record = toSeriesRecord(toSeriesSummary(ct));
    expect(record).toEqual({
      localId: ct.ID,
      seriesInstanceUid: '2.25.1.1',
      modality: 'CT',
      bodyPart: 'CHEST',
      manufacturer: 'Siemens',
      description: 'sd',
      instanceCount: 1,
    });
  });

  it('reports a modality outside the vocabulary as OT and an unknown body part as null', () => {
    const dto: SeriesDto = { ...seriesP1[0]!, MainDicomTags: { SeriesInstanceUID: '1.2.3', Modality: 'KO', BodyPartExamined: 'ELBOW' } };
    expect(toSeriesRecord(toSeriesSummary(dto))).toMatchObject({ modality: 'OT', bodyPart: null, manufacturer: null });
  });

  it('takes a study\'s modalities from its series and its most frequent body part', () => {
    const summaries = seriesP1.map((s) => toSeriesSummary(s));
    const record = toStudyRecord(toStudyEntry(studyP1), summaries);
    expect(record).toEqual({
      localId: studyP1.ID, studyInstanceUid: '2.25.1', year: 2020, modalities: ['CT', 'RTSTRUCT'], bodyPart: 'CHEST', description: 'LUNG baseline',
    });
  });

  it('prefers an image series over SEG/RTSTRUCT as the study\'s representative', () => {
    const summaries = seriesP1.map((s) => toSeriesSummary(s));
    expect(representativeSeries(summaries)?.modality).toBe('CT');
    expect(representativeSeries(summaries.filter((s) => s.modality === 'RTSTRUCT'))?.modality).toBe('RTSTRUCT');
    expect(representativeSeries([])).toBeUndefined();
  });

  it('reads only PatientAge and the grouping tag from an instance', () => {
    const tags = simplifiedTagsSchema.parse(fixture('instance-ct-simplified-tags.json'));
    expect(toInstanceFacts(tags, 'ClinicalTrialProtocolID')).toEqual({ patientAge: '063Y', groupingValue: 'LUNG-1' });
    expect(toInstanceFacts(tags, undefined)).toEqual({ patientAge: '063Y', groupingValue: null });
  });

  it('finds the series an RTSTRUCT references and its label', () => {
    const tags = simplifiedTagsSchema.parse(fixture('instance-rtstruct-simplified-tags.json'));
    expect(toSegmentationFacts(tags)).toEqual({ referencedSeriesUids: ['2.25.1.1'], label: 'GTV' });
  });

  it('finds the series a SEG references and its segment labels', () => {
    const tags = simplifiedTagsSchema.parse({
      Modality: 'SEG',
      ReferencedSeriesSequence: [{ SeriesInstanceUID: '1.2.3', ReferencedInstanceSequence: [] }, { SeriesInstanceUID: '1.2.4' }],
      SegmentSequence: [{ SegmentLabel: 'Tumour' }, { SegmentLabel: 'Oedema' }, { SegmentLabel: 'Tumour' }],
    });
    expect(toSegmentationFacts(tags)).toEqual({ referencedSeriesUids: ['1.2.3', '1.2.4'], label: 'Tumour, Oedema' });
  });
});
