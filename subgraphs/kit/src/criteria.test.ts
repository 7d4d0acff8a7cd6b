import { describe, expect, it } from 'vitest';
import { normalizeCriteria, toSiteCriteria } from './criteria.js';

describe('normalizeCriteria', () => {
  it('drops empty lists and de-duplicates values', () => {
    const criteria = normalizeCriteria({ cancerTypes: ['LUNG', 'LUNG'], modalities: [], sex: null });
    expect(criteria.cancerTypes).toEqual(['LUNG']);
    expect('modalities' in criteria).toBe(false);
    expect(criteria.fields).toEqual(['cancerTypes']);
  });

  it('refuses an inverted age range, naming the argument', () => {
    expect(() => normalizeCriteria({ ageAtDiagnosis: { min: 70, max: 20 } })).toThrow(/criteria\.ageAtDiagnosis/);
  });

  it('refuses an out-of-range year with BAD_USER_INPUT', () => {
    try {
      normalizeCriteria({ yearOfDiagnosis: { min: 1200 } });
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
      expect((error as Error).message).toContain('criteria.yearOfDiagnosis.min');
    }
  });

  it('refuses a dataset id that is not a graph id', () => {
    expect(() => normalizeCriteria({ datasetIds: ['nope'] })).toThrow(/criteria\.datasetIds/);
  });
});

describe('toSiteCriteria', () => {
  it('excludes a site not named in providerIds', () => {
    expect(toSiteCriteria(normalizeCriteria({ providerIds: ['a'] }), 'b', 'custom')).toBeNull();
  });

  it('keeps only the datasets of this site and kind, as local ids', () => {
    const criteria = normalizeCriteria({ datasetIds: ['a:custom:one', 'b:custom:two', 'a:xnat:three'] });
    expect(toSiteCriteria(criteria, 'a', 'custom')).toEqual({ datasetLocalIds: ['one'] });
    expect(toSiteCriteria(criteria, 'c', 'custom')).toBeNull();
  });
});
