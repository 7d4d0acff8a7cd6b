import { describe, expect, it } from 'vitest';
import { createGrouping, OrthancOptionsError, parseOrthancSiteOptions, SITE_DATASET_ID } from './orthanc-options.js';
import type { InstanceFacts, StudyEntry } from './orthanc-mappers.js';
import type { DatasetMetadata } from '@cancer-imaging/provider-kit';

const study = (overrides: Partial<StudyEntry> = {}): StudyEntry => ({
  orthancId: 'a', studyInstanceUid: '1.2', nativePatientId: 'P', sex: 'FEMALE', studyDate: '20200101', studyTime: '',
  description: 'LUNG-CT baseline', groupingTags: { InstitutionName: 'Hospital A' }, labels: ['trial-x', 'other'],
  ageFromBirthDate: 50, seriesIds: [], lastUpdate: '', ...overrides,
});
const facts: InstanceFacts = { patientAge: '050Y', groupingValue: 'LUNG-CT-01' };
const curated = (localId: string) => ({ localId } as unknown as DatasetMetadata);

describe('Orthanc site options', () => {
  it('defaults to grouping by ClinicalTrialProtocolID, 8 calls in flight, 100 UIDs per find', () => {
    expect(parseOrthancSiteOptions({ id: 's', options: {} })).toEqual({
      grouping: { by: 'tag', tag: 'ClinicalTrialProtocolID' }, parallelism: 8, batchSize: 100, changesLimit: 1_000,
    });
  });

  it('refuses unknown keys, identifying grouping tags and empty prefixes, naming the site', () => {
    for (const options of [
      { grouping: { by: 'tag', tag: 'AccessionNumber' } },
      { grouping: { by: 'tag', tag: 'PatientID' } },
      { grouping: { by: 'studyDescriptionPrefix', prefixes: [] } },
      { grouping: { by: 'site', extra: true } },
      { parallelism: 0 },
      { unknown: 1 },
    ]) {
      expect(() => parseOrthancSiteOptions({ id: 'site-x', options })).toThrow(OrthancOptionsError);
      expect(() => parseOrthancSiteOptions({ id: 'site-x', options })).toThrow(/site-x/);
    }
  });
});

describe('grouping studies into datasets', () => {
  it('by a non-main tag: the instance fact, read from one instance', () => {
    const grouping = createGrouping({ by: 'tag', tag: 'ClinicalTrialProtocolID' }, []);
    expect(grouping.instanceTag).toBe('ClinicalTrialProtocolID');
    expect(grouping.datasetsOf(study(), facts)).toEqual(['LUNG-CT-01']);
    expect(grouping.datasetsOf(study(), { patientAge: null, groupingValue: null })).toEqual([]);
  });

  it('by InstitutionName: a study main tag in Orthanc 1.10, no instance read', () => {
    const grouping = createGrouping({ by: 'tag', tag: 'InstitutionName' }, []);
    expect(grouping.instanceTag).toBeUndefined();
    expect(grouping.datasetsOf(study(), undefined)).toEqual(['Hospital A']);
  });

  it('by site: "all", or the only curated dataset', () => {
    expect(createGrouping({ by: 'site' }, []).datasetsOf(study(), undefined)).toEqual([SITE_DATASET_ID]);
    expect(createGrouping({ by: 'site' }, [curated('only-one')]).datasetsOf(study(), undefined)).toEqual(['only-one']);
    expect(createGrouping({ by: 'site' }, [curated('a'), curated('b')]).datasetsOf(study(), undefined)).toEqual([SITE_DATASET_ID]);
  });

  it('by study description prefix: the longest matching prefix', () => {
    const grouping = createGrouping({ by: 'studyDescriptionPrefix', prefixes: ['LUNG', 'LUNG-CT', 'BREAST'] }, []);
    expect(grouping.datasetsOf(study(), undefined)).toEqual(['LUNG-CT']);
    expect(grouping.datasetsOf(study({ description: 'lung ct' }), undefined)).toEqual([]);
    expect(grouping.datasetsOf(study({ description: null }), undefined)).toEqual([]);
  });

  it('by label: each (allowed) label of the study', () => {
    expect(createGrouping({ by: 'label' }, []).datasetsOf(study(), undefined)).toEqual(['trial-x', 'other']);
    const allowed = createGrouping({ by: 'label', labels: ['trial-x'] }, []);
    expect(allowed.needsLabels).toBe(true);
    expect(allowed.datasetsOf(study(), undefined)).toEqual(['trial-x']);
  });
});
