import { GraphQLError } from 'graphql';
import { parseRegistry } from '@cancer-imaging/provider-kit';
import { BODY_PARTS, CANCER_TYPES, MODALITIES, type BodyPart, type CancerType, type Modality } from '@cancer-imaging/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatasetIndex, MAX_TEXT_LENGTH, type DatasetFilterInput, type DatasetIndex } from './dataset-index.js';
import { buildCatalogueRecords, type AccessRights, type DatasetRecord } from './records.js';

/**
 * A generated catalogue of 70 datasets over 7 sites: more than two 32-bit words of bits, so
 * the word boundaries of the bitsets are exercised. Values cycle deterministically.
 */
const CANCERS = Object.keys(CANCER_TYPES) as CancerType[];
const MODS = Object.keys(MODALITIES) as Modality[];
const PARTS = Object.keys(BODY_PARTS) as BodyPart[];
const RIGHTS: AccessRights[] = ['PUBLIC', 'RESTRICTED', 'NON_PUBLIC'];
const COUNTRIES = ['NL', 'ES', 'DE', 'IT', 'FR', 'SE', 'PT'];
const WORDS = ['tumour', 'Staging', 'follow-up', 'Überweisung', 'screening', 'contrast', 'paediatric'];

function pick<T>(values: readonly T[], index: number): T {
  return values[index % values.length] as T;
}

let datasets: readonly DatasetRecord[];
let index: DatasetIndex;

beforeAll(async () => {
  const sites = COUNTRIES.map((country, i) => ({ id: `site-${i}`, name: `Site ${i}`, country, kind: i % 2 ? 'xnat' : 'custom', baseUrl: 'file:x' }));
  const metadata = Array.from({ length: 70 }, (_, i) => ({
    site: `site-${i % 7}`,
    localId: `ds-${String(i).padStart(2, '0')}`,
    title: `${pick(WORDS, i)} study ${i}`,
    description: `${pick(WORDS, i * 3 + 1)} cohort`,
    keywords: [pick(WORDS, i * 5 + 2)],
    cancerTypes: [pick(CANCERS, i), pick(CANCERS, i * 7 + 3)],
    modalities: [pick(MODS, i), pick(MODS, i * 11 + 5)],
    bodyParts: [pick(PARTS, i * 3)],
    accessRights: pick(RIGHTS, i),
    publisher: { name: 'P' },
  }));
  const registry = await parseRegistry(JSON.stringify({ sites, datasets: metadata }), '/virtual/registry.yaml');
  datasets = buildCatalogueRecords(registry).datasets;
  index = buildDatasetIndex(datasets);
});

/** The filter semantics written out plainly, to check the bitsets against. */
function reference(filter: DatasetFilterInput): DatasetRecord[] {
  const anyOf = (wanted: readonly string[] | null | undefined, have: readonly string[]): boolean =>
    wanted == null || wanted.length === 0 || wanted.some((value) => have.includes(value));
  const tokens = (filter.text ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean);
  return datasets.filter((d) =>
    anyOf(filter.cancerTypes, d.cancerTypes) && anyOf(filter.modalities, d.modalities) && anyOf(filter.bodyParts, d.bodyParts)
    && anyOf(filter.countries, [d.provider.country]) && anyOf(filter.accessRights, [d.accessRights])
    && anyOf(filter.providerIds, [d.provider.id])
    && tokens.every((token) => [d.title, d.description, ...d.keywords].some((field) => field.toLowerCase().includes(token))));
}

const ALL = { offset: 0, limit: 1000 };
const ids = (records: readonly DatasetRecord[]): string[] => records.map((d) => d.id);

function badInput(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a GraphQLError');
}

describe('buildDatasetIndex', () => {
  it('returns every dataset in the stable order when nothing restricts', () => {
    for (const filter of [undefined, null, {}, { cancerTypes: [], text: '   ' }, { text: '' }]) {
      const page = index.find(filter, ALL);
      expect(page.totalCount).toBe(70);
      expect(ids(page.items)).toEqual(ids(datasets));
    }
  });

  it('agrees with the plain reading of the filter on 500 seeded random filters', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const some = <T>(values: readonly T[]): T[] | undefined => {
      const count = random(4);
      return count === 0 ? undefined : Array.from({ length: count }, () => pick(values, random(values.length)));
    };
    let nonEmpty = 0;
    for (let run = 0; run < 500; run++) {
      const filter: DatasetFilterInput = {
        cancerTypes: some(CANCERS), modalities: some(MODS), bodyParts: some(PARTS),
        countries: some([...COUNTRIES, 'US']), accessRights: some(RIGHTS),
        providerIds: some(['site-0', 'site-3', 'site-6', 'nowhere']),
        text: random(3) === 0 ? `${pick(WORDS, random(7)).toUpperCase()} ${random(2) ? 'study' : ''}` : undefined,
      };
      const expected = ids(reference(filter));
      const page = index.find(filter, ALL);
      expect(ids(page.items), JSON.stringify(filter)).toEqual(expected);
      expect(page.totalCount).toBe(expected.length);
      if (expected.length > 0) nonEmpty++;
    }
    // The comparison means something only if many filters match some datasets.
    expect(nonEmpty).toBeGreaterThan(100);
  });

  it('counts every match but keeps only the requested window', () => {
    const filter = { accessRights: ['PUBLIC' as const] };
    const all = ids(reference(filter));
    const page = index.find(filter, { offset: 5, limit: 7 });
    expect(page.totalCount).toBe(all.length);
    expect(ids(page.items)).toEqual(all.slice(5, 12));
    expect(index.find(filter, { offset: 500, limit: 7 })).toEqual({ items: [], totalCount: all.length });
    expect(index.find(undefined, { offset: 68, limit: 7 }).items.map((d) => d.localId)).toEqual(['ds-62', 'ds-69']);
  });

  it('matches words case-insensitively in title, description or keywords, every word required', () => {
    expect(ids(index.find({ text: 'überweisung' }, ALL).items)).toEqual(ids(reference({ text: 'überweisung' })));
    expect(index.find({ text: 'ÜBERWEISUNG' }, ALL).totalCount).toBeGreaterThan(0);
    const both = index.find({ text: 'screening   TUMOUR' }, ALL);
    expect(both.totalCount).toBeGreaterThan(0);
    expect(both.totalCount).toBeLessThan(index.find({ text: 'screening' }, ALL).totalCount);
    for (const d of both.items) {
      const text = [d.title, d.description, ...d.keywords].join(' ').toLowerCase();
      expect(text).toContain('screening');
      expect(text).toContain('tumour');
    }
    expect(index.find({ text: 'staging nonexistentword' }, ALL).totalCount).toBe(0);
  });

  it('treats composed and decomposed accents as the same letter', () => {
    const decomposed = 'U\u0308berweisung';
    expect(index.find({ text: decomposed }, ALL).totalCount).toBe(index.find({ text: 'Überweisung' }, ALL).totalCount);
  });

  it('never matches a word across the end of one field and the start of the next', async () => {
    const registry = await parseRegistry(JSON.stringify({
      sites: [{ id: 's', name: 'S', country: 'NL', kind: 'custom', baseUrl: 'file:x' }],
      datasets: [{ site: 's', localId: 'a', title: 'alpha', description: 'beta', keywords: ['gamma'], cancerTypes: ['LUNG'], publisher: { name: 'P' } }],
    }), '/virtual/registry.yaml');
    const small = buildDatasetIndex(buildCatalogueRecords(registry).datasets);
    expect(small.find({ text: 'alpha beta gamma' }, ALL).totalCount).toBe(1);
    expect(small.find({ text: 'alphabeta' }, ALL).totalCount).toBe(0);
    expect(small.find({ text: 'betagamma' }, ALL).totalCount).toBe(0);
  });

  it('refuses a country code that is not ISO 3166-1 alpha-2 in upper case, naming filter.countries', () => {
    for (const country of ['nl', 'NLD', 'N', '', 'N1']) {
      const error = badInput(() => index.find({ countries: ['DE', country] }, ALL));
      expect(error.extensions['code']).toBe('BAD_USER_INPUT');
      expect(error.extensions['argument']).toBe('filter.countries');
      expect(error.message).toContain('"filter.countries"');
    }
  });

  it(`refuses text longer than ${MAX_TEXT_LENGTH} characters, naming filter.text`, () => {
    expect(index.find({ text: 'x'.repeat(MAX_TEXT_LENGTH) }, ALL).totalCount).toBe(0);
    const error = badInput(() => index.find({ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, ALL));
    expect(error.extensions['code']).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('"filter.text"');
  });

  it('leaves no state behind: the same filter gives the same answer after others ran', () => {
    const filter = { modalities: ['CT' as const], countries: ['NL', 'DE'] };
    const first = ids(index.find(filter, ALL).items);
    index.find({ cancerTypes: ['BREAST'], accessRights: ['PUBLIC'] }, ALL);
    index.find({ providerIds: ['nowhere'] }, ALL);
    expect(ids(index.find(filter, ALL).items)).toEqual(first);
  });

  it('works on an empty catalogue', () => {
    const empty = buildDatasetIndex([]);
    expect(empty.find(undefined, ALL)).toEqual({ items: [], totalCount: 0 });
    expect(empty.find({ cancerTypes: ['LUNG'], text: 'x' }, ALL)).toEqual({ items: [], totalCount: 0 });
  });
});
