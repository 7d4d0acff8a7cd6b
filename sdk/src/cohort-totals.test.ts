import { describe, expect, it } from 'vitest';
import type { CohortBySiteQuery } from './__generated__/graphql.js';
import { sumCohortCounts } from './cohort-totals.js';
import { formatProtectedSum } from './protected-sum.js';

type Site = CohortBySiteQuery['providers'][number];

const count = (value: number | null, precision: 'EXACT' | 'ROUNDED' | 'SUPPRESSED' | 'UNAVAILABLE', adjustedTo: number | null = 10) => ({ value, precision, adjustedTo });
const site = (id: string, cohort: Partial<NonNullable<Site['cohort']>> | null): Site => ({
  id, name: id, country: 'NL', kind: 'custom',
  cohort: cohort && {
    status: 'OK', latencyMs: 3, unsupportedCriteria: [], errorCode: null, datasets: [],
    subjects: count(0, 'EXACT'), studies: count(0, 'EXACT'), series: count(0, 'EXACT'), ...cohort,
  },
});

describe('sumCohortCounts', () => {
  it('sums each count over the sites of a cohortBySite answer', () => {
    const totals = sumCohortCounts([
      site('a', { subjects: count(120, 'ROUNDED'), studies: count(300, 'ROUNDED'), series: count(2_000, 'ROUNDED') }),
      site('b', { subjects: count(40, 'ROUNDED'), studies: count(90, 'ROUNDED'), series: count(650, 'ROUNDED') }),
    ]);
    expect(totals.sites).toBe(2);
    expect(totals.subjects).toMatchObject({ value: 160, precision: 'ROUNDED', roundingError: 10, isLowerBound: false });
    expect(totals.studies.value).toBe(390);
    expect(formatProtectedSum(totals.series)).toBe('≈ 2,650');
  });

  it('makes a total a lower bound where a site suppressed that count, and only that total', () => {
    const totals = sumCohortCounts([
      site('a', { subjects: count(null, 'SUPPRESSED'), studies: count(20, 'ROUNDED'), series: count(80, 'ROUNDED') }),
      site('b', { subjects: count(50, 'ROUNDED'), studies: count(60, 'ROUNDED'), series: count(400, 'ROUNDED') }),
    ]);
    expect(totals.subjects).toMatchObject({ value: 50, isLowerBound: true, suppressedParts: 1, unavailableParts: 0 });
    expect(totals.studies.isLowerBound).toBe(false);
  });

  it('counts a site whose kind was unreachable (no cohort) as unavailable in every total', () => {
    const totals = sumCohortCounts([site('a', { subjects: count(30, 'EXACT'), studies: count(31, 'EXACT'), series: count(32, 'EXACT') }), site('down', null)]);
    for (const total of [totals.subjects, totals.studies, totals.series]) {
      expect(total).toMatchObject({ precision: 'LOWER_BOUND', unavailableParts: 1 });
    }
    expect(formatProtectedSum(totals.subjects)).toBe('≥ 30');
  });
});
