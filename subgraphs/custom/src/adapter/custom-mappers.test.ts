import { describe, expect, it } from 'vitest';
import { ProviderBadResponseError } from '@cancer-imaging/provider-kit';
import type { StudyPartRow } from './custom-dto.js';
import { toSegmentationRecord, toSeriesRecord, toStudyRecords, toSubjectRecord } from './custom-mappers.js';

const part = (overrides: Partial<StudyPartRow>): StudyPartRow => ({
  datasetId: 'd', patientId: 'p', studyUid: '2.25.1', studyYear: 2020, studyDescription: 'CT', modality: 'CT', bodyPart: 'CHEST', seriesCount: 1, ...overrides,
});

describe('custom mappers', () => {
  it('maps DICOM sex codes and unknown diagnoses of a subject', () => {
    expect(toSubjectRecord({ patientId: 'PAT1', sex: 'F', ageAtDiagnosis: 50, diagnosis: 'BREAST', yearOfDiagnosis: 2019 }, 'd'))
      .toEqual({ nativePatientId: 'PAT1', datasetLocalId: 'd', sex: 'FEMALE', ageAtDiagnosis: 50, diagnosis: 'BREAST', yearOfDiagnosis: 2019 });
    expect(toSubjectRecord({ patientId: 'PAT2', sex: '', ageAtDiagnosis: null, diagnosis: 'toString', yearOfDiagnosis: null }, 'd'))
      .toMatchObject({ sex: 'UNKNOWN', diagnosis: null, ageAtDiagnosis: null });
  });

  it('maps a modality outside the vocabulary to OT and an unknown body part to null', () => {
    const series = toSeriesRecord({ studyUid: 's', seriesUid: '2.25.9', modality: 'KO', bodyPart: 'KNEE', manufacturer: null, seriesDescription: null, instanceCount: 1 });
    expect(series).toMatchObject({ localId: '2.25.9', seriesInstanceUid: '2.25.9', modality: 'OT', bodyPart: null });
  });

  it('folds a study\'s series groups into its modalities and most frequent body part', () => {
    const [study] = toStudyRecords([
      part({ modality: 'PT', bodyPart: 'WHOLEBODY', seriesCount: 3 }),
      part({ modality: 'CT', bodyPart: 'WHOLEBODY', seriesCount: 1 }),
      part({ modality: 'CT', bodyPart: 'CHEST', seriesCount: 2 }),
      part({ modality: 'CT', bodyPart: null, seriesCount: 5 }),
    ]);
    expect(study).toEqual({ localId: '2.25.1', studyInstanceUid: '2.25.1', year: 2020, modalities: ['CT', 'PT'], bodyPart: 'WHOLEBODY', description: 'CT' });
  });

  it('orders a subject\'s studies by year, unknown years last, then by UID', () => {
    const studies = toStudyRecords([
      part({ studyUid: '2.25.3', studyYear: null }),
      part({ studyUid: '2.25.2', studyYear: 2021 }),
      part({ studyUid: '2.25.1', studyYear: 2021 }),
      part({ studyUid: '2.25.0', studyYear: 2018 }),
    ]);
    expect(studies.map((s) => s.studyInstanceUid)).toEqual(['2.25.0', '2.25.1', '2.25.2', '2.25.3']);
  });

  it('refuses a segmentation format outside the contract', () => {
    expect(toSegmentationRecord({ seriesUid: 'a', segUid: 'b', format: 'RTSTRUCT', label: 'GTV' }))
      .toEqual({ localId: 'b', format: 'RTSTRUCT', seriesInstanceUid: 'b', label: 'GTV' });
    expect(() => toSegmentationRecord({ seriesUid: 'a', segUid: 'b', format: 'MESH', label: null })).toThrow(ProviderBadResponseError);
  });
});
