import { describe, expect, it } from 'vitest';
import {
  decideCancerType, diagnosisOf, exactCriteriaFor, hasSeriesCriteria, inRange, seriesMatches, toSeriesQuery,
} from './orthanc-criteria.js';
import type { DatasetMetadata } from '@cancer-imaging/provider-kit';

const dataset = (cancerTypes: string[]) => ({ cancerTypes } as unknown as DatasetMetadata);

describe('series-level criteria', () => {
  it('builds an Orthanc list-matching query from the contract codes', () => {
    expect(toSeriesQuery({ modalities: ['MR', 'CT'], bodyParts: ['CHEST', 'WHOLEBODY'], manufacturers: ['Siemens', 'GE MEDICAL SYSTEMS'] })).toEqual({
      Modality: 'MR\\CT',
      BodyPartExamined: 'CHEST\\WHOLEBODY',
      Manufacturer: 'Siemens\\GE MEDICAL SYSTEMS',
    });
    expect(toSeriesQuery({ sex: ['MALE'] })).toEqual({});
  });

  it('leaves out of the query a manufacturer holding Orthanc matching syntax (checked in memory instead)', () => {
    expect(toSeriesQuery({ manufacturers: ['ACME*'] })).toEqual({});
    expect(toSeriesQuery({ manufacturers: ['A\\B', 'Siemens'] })).toEqual({});
  });

  it('checks a series exactly: modality and body part by DICOM term, manufacturer case-insensitively', () => {
    const series = { modality: 'CT', bodyPart: 'Chest', manufacturer: ' GE Medical Systems ' };
    expect(seriesMatches(series, { modalities: ['CT'], bodyParts: ['CHEST'], manufacturers: ['ge medical systems'] })).toBe(true);
    expect(seriesMatches(series, { modalities: ['MR'] })).toBe(false);
    expect(seriesMatches(series, { bodyParts: ['PELVIS'] })).toBe(false);
    expect(seriesMatches(series, { manufacturers: ['GE'] })).toBe(false);
    expect(seriesMatches({ modality: 'KO', bodyPart: null, manufacturer: null }, { modalities: ['OT'] })).toBe(false);
    expect(seriesMatches({ modality: 'CT', bodyPart: null, manufacturer: null }, { bodyParts: ['CHEST'] })).toBe(false);
    expect(seriesMatches({ modality: 'CT', bodyPart: null, manufacturer: null }, {})).toBe(true);
  });

  it('knows which criteria are series-level', () => {
    expect(hasSeriesCriteria({ sex: ['MALE'], ageAtDiagnosis: { min: 1 } })).toBe(false);
    expect(hasSeriesCriteria({ manufacturers: ['X'] })).toBe(true);
  });
});

describe('subject-level criteria', () => {
  it('decides cancer types per dataset from its curated types', () => {
    expect(decideCancerType(['LUNG'], ['LUNG', 'BREAST'])).toBe('include');
    expect(decideCancerType(['LUNG'], ['BREAST'])).toBe('exclude');
    expect(decideCancerType(['LUNG', 'BREAST'], ['LUNG', 'BREAST', 'PROSTATE'])).toBe('include');
    expect(decideCancerType(['LUNG', 'BREAST'], ['PROSTATE'])).toBe('exclude');
    expect(decideCancerType(['LUNG', 'BREAST'], ['LUNG'])).toBe('undecidable');
    expect(decideCancerType(undefined, ['LUNG'])).toBe('undecidable');
  });

  it('gives subjects their dataset\'s cancer type only when it has exactly one', () => {
    expect(diagnosisOf(['lung'])).toBe('LUNG');
    expect(diagnosisOf(['LUNG', 'BREAST'])).toBeNull();
    expect(diagnosisOf(undefined)).toBeNull();
  });

  it('never matches an unknown age against a range', () => {
    expect(inRange(63, { min: 60, max: 70 })).toBe(true);
    expect(inRange(59, { min: 60 })).toBe(false);
    expect(inRange(null, { min: 0 })).toBe(false);
    expect(inRange(null, undefined)).toBe(true);
  });

  it('reports cancerTypes as exact only when every curated dataset has one type; never yearOfDiagnosis', () => {
    expect(exactCriteriaFor([dataset(['LUNG']), dataset(['PROSTATE'])])).toEqual(['cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis']);
    expect(exactCriteriaFor([dataset(['LUNG', 'BREAST'])])).not.toContain('cancerTypes');
    expect(exactCriteriaFor([])).not.toContain('cancerTypes');
    expect(exactCriteriaFor([dataset(['LUNG'])])).not.toContain('yearOfDiagnosis');
  });

  it('checks the dataset ids a grouping fixes (site, prefixes) against the curated ones', () => {
    const lung = { localId: 'lung', cancerTypes: ['LUNG'] } as unknown as DatasetMetadata;
    expect(exactCriteriaFor([lung], ['lung'])).toContain('cancerTypes');
    // Grouped as one "all" dataset that the registry does not describe: not exact.
    expect(exactCriteriaFor([lung, { ...lung, localId: 'other' }], ['all'])).not.toContain('cancerTypes');
    expect(exactCriteriaFor([lung], ['lung', 'LIVER-'])).not.toContain('cancerTypes');
  });
});
