import { describe, expect, it } from 'vitest';
import { toEucaimAnswer } from './eucaim-answer.js';
import type { DatasetCohortAnswer, ProviderAnswer } from './eucaim-operation.js';

function row(id: string, subjects: DatasetCohortAnswer['subjects'], studies: DatasetCohortAnswer['studies']): DatasetCohortAnswer {
  return {
    dataset: {
      id,
      title: `Title of ${id}`,
      description: `About ${id}`,
      modalities: ['MR', 'SEG'],
      bodyParts: ['BREAST', 'WHOLEBODY'],
      sex: ['FEMALE', 'MALE'],
      ageRange: { min: 24, max: 92 },
    },
    subjects,
    studies,
  };
}

const rounded = (value: number) => ({ value, precision: 'ROUNDED' as const });
const suppressed = { value: null, precision: 'SUPPRESSED' as const };

describe('toEucaimAnswer', () => {
  it('gives one collection per protected dataset, fields encoded as EUCAIM\'s explorer reads them', () => {
    const answer = toEucaimAnswer('Example node', {
      providers: [{ id: 'site-a', cohort: { status: 'OK', unsupportedCriteria: [], datasets: [row('site-a:custom:breast', rounded(890), rounded(1900))] } }],
    });
    expect(answer).toEqual({
      provider: 'Example node',
      collections: [{
        id: 'site-a:custom:breast',
        name: 'Title of site-a:custom:breast',
        description: 'About site-a:custom:breast',
        subjects_count: 890,
        studies_count: 1900,
        age_range: { min: 24, max: 92 },
        gender: ['Female', 'Male'],
        modalities: ['MR', 'SEG'],
        body_parts: ['BREAST', 'WHOLEBODY'],
      }],
      total: { subjects_count: 890, studies_count: 1900 },
      unavailable_providers: [],
    });
    // The keys come in the order EUCAIM's node agent expects to prepend its own to.
    expect(Object.keys(answer)[0]).toBe('provider');
  });

  it('keeps the graph\'s order across sites and sums the protected counts', () => {
    const answer = toEucaimAnswer('n', {
      providers: [
        { id: 'a', cohort: { status: 'OK', unsupportedCriteria: [], datasets: [row('a:custom:1', rounded(10), rounded(20)), row('a:custom:2', rounded(30), rounded(40))] } },
        { id: 'b', cohort: { status: 'OK', unsupportedCriteria: [], datasets: [row('b:custom:1', rounded(50), rounded(60))] } },
      ],
    });
    expect(answer.collections.map((collection) => collection.id)).toEqual(['a:custom:1', 'a:custom:2', 'b:custom:1']);
    expect(answer.total).toEqual({ subjects_count: 90, studies_count: 120 });
  });

  it('never turns a count without a value into a number: such a dataset is left out', () => {
    const answer = toEucaimAnswer('n', {
      providers: [{
        id: 'a',
        cohort: {
          status: 'OK',
          unsupportedCriteria: [],
          datasets: [
            row('a:custom:suppressed', suppressed, rounded(20)),
            row('a:custom:studies-suppressed', rounded(10), suppressed),
            row('a:custom:unavailable', { value: null, precision: 'UNAVAILABLE' }, rounded(10)),
            row('a:custom:kept', rounded(10), rounded(10)),
          ],
        },
      }],
    });
    expect(answer.collections.map((collection) => collection.id)).toEqual(['a:custom:kept']);
    expect(answer.total).toEqual({ subjects_count: 10, studies_count: 10 });
  });

  it('passes exact counts through only as the graph gave them (to a caller holding a grant)', () => {
    const answer = toEucaimAnswer('n', {
      providers: [{ id: 'a', cohort: { status: 'OK', unsupportedCriteria: [], datasets: [row('a:custom:1', { value: 7, precision: 'EXACT' }, { value: 9, precision: 'EXACT' })] } }],
    });
    expect(answer.collections[0]).toMatchObject({ subjects_count: 7, studies_count: 9 });
  });

  it('lists failed sites and sites that could not apply a parameter exactly, with no collection of theirs', () => {
    const providers: ProviderAnswer[] = [
      { id: 'ok', cohort: { status: 'OK', unsupportedCriteria: [], datasets: [row('ok:custom:1', rounded(10), rounded(10))] } },
      { id: 'down', cohort: null },
      { id: 'slow', cohort: { status: 'TIMEOUT', unsupportedCriteria: [], datasets: [] } },
      { id: 'broken', cohort: { status: 'ERROR', unsupportedCriteria: [], datasets: [] } },
      { id: 'partial', cohort: { status: 'PARTIAL', unsupportedCriteria: ['sex', 'manufacturers'], datasets: [row('partial:orthanc:1', rounded(40), rounded(40))] } },
    ];
    const answer = toEucaimAnswer('n', { providers });
    expect(answer.collections.map((collection) => collection.id)).toEqual(['ok:custom:1']);
    expect(answer.unavailable_providers).toEqual([
      { id: 'down', status: 'UNREACHABLE' },
      { id: 'slow', status: 'TIMEOUT' },
      { id: 'broken', status: 'ERROR' },
      { id: 'partial', status: 'PARTIAL', unsupported_parameters: ['gender', 'manufacturer'] },
    ]);
  });

  it('gives an age range with open ends when the catalogue publishes none', () => {
    const base = row('a:custom:1', rounded(10), rounded(10));
    const answer = toEucaimAnswer('n', {
      providers: [{ id: 'a', cohort: { status: 'OK', unsupportedCriteria: [], datasets: [{ ...base, dataset: { ...base.dataset, ageRange: null } }] } }],
    });
    expect(answer.collections[0]!.age_range).toEqual({ min: null, max: null });
  });
});
