import type { BodyPart, CancerType, Modality } from '@cancer-imaging/schema';
import { badUserInput, type PageWindow } from '@cancer-imaging/provider-kit';
import type { AccessRights, DatasetRecord } from './records.js';

/**
 * Dataset search over a small, fixed catalogue. At start every filterable value gets a
 * bitset of the datasets carrying it (bit i = the i-th dataset in the stable order) and
 * every dataset a normalised text to search; a query then ORs the bitsets of a field's
 * values, ANDs the fields and walks the bits once, keeping only the requested page.
 */

/** The `DatasetFilter` input as GraphQL hands it over (enum values already checked). */
export interface DatasetFilterInput {
  readonly cancerTypes?: readonly CancerType[] | null;
  readonly modalities?: readonly Modality[] | null;
  readonly bodyParts?: readonly BodyPart[] | null;
  readonly countries?: readonly string[] | null;
  readonly accessRights?: readonly AccessRights[] | null;
  readonly text?: string | null;
  readonly providerIds?: readonly string[] | null;
}

export interface DatasetPage {
  /** The datasets of the window, in the stable order. */
  readonly items: readonly DatasetRecord[];
  /** Number of datasets matching the filter, over all pages. */
  readonly totalCount: number;
}

export interface DatasetIndex {
  /** Validates the filter (BAD_USER_INPUT naming `filter.<field>`) and returns one page. */
  find(filter: DatasetFilterInput | null | undefined, window: PageWindow): DatasetPage;
}

/** Longest `filter.text` accepted: enough for any title, short enough to bound the scan. */
export const MAX_TEXT_LENGTH = 256;

const COUNTRY_CODE = /^[A-Z]{2}$/;

type ListField = 'cancerTypes' | 'modalities' | 'bodyParts' | 'countries' | 'accessRights' | 'providerIds';

/** What each list field of the filter matches on a dataset. */
const LIST_FIELD_VALUES: Readonly<Record<ListField, (dataset: DatasetRecord) => readonly string[]>> = {
  cancerTypes: (dataset) => dataset.cancerTypes,
  modalities: (dataset) => dataset.modalities,
  bodyParts: (dataset) => dataset.bodyParts,
  countries: (dataset) => [dataset.provider.country],
  accessRights: (dataset) => [dataset.accessRights],
  providerIds: (dataset) => [dataset.provider.id],
};
const LIST_FIELDS = Object.keys(LIST_FIELD_VALUES) as readonly ListField[];

/** Case-insensitive and independent of how a client composed accented letters. */
function normaliseText(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

function hasBit(bits: Uint32Array, index: number): boolean {
  return (((bits[index >>> 5] ?? 0) >>> (index & 31)) & 1) === 1;
}

function setBit(bits: Uint32Array, index: number): void {
  bits[index >>> 5] = (bits[index >>> 5] ?? 0) | (1 << (index & 31));
}

function validateCountries(countries: readonly string[] | null | undefined): void {
  for (const country of countries ?? []) {
    if (!COUNTRY_CODE.test(country)) {
      throw badUserInput('filter.countries', `"${country}" is not an ISO 3166-1 alpha-2 code in upper case, such as NL.`);
    }
  }
}

/** The words of `filter.text`; none for absent or blank text. */
function toTokens(text: string | null | undefined): readonly string[] {
  if (text == null) return [];
  if (text.length > MAX_TEXT_LENGTH) throw badUserInput('filter.text', `must be at most ${MAX_TEXT_LENGTH} characters; got ${text.length}.`);
  const trimmed = text.trim();
  return trimmed === '' ? [] : normaliseText(trimmed).split(/\s+/);
}

/** Builds the index of datasets given in their stable order. */
export function buildDatasetIndex(datasets: readonly DatasetRecord[]): DatasetIndex {
  const words = Math.max(1, Math.ceil(datasets.length / 32));
  const postings = {} as Record<ListField, Map<string, Uint32Array>>;
  for (const field of LIST_FIELDS) {
    const byValue = new Map<string, Uint32Array>();
    datasets.forEach((dataset, index) => {
      for (const value of LIST_FIELD_VALUES[field](dataset)) {
        let bits = byValue.get(value);
        if (bits === undefined) byValue.set(value, (bits = new Uint32Array(words)));
        setBit(bits, index);
      }
    });
    postings[field] = byValue;
  }
  // Fields are separated by a newline, which no whitespace-split word contains, so a word
  // never matches across the end of a title and the start of a description.
  const haystacks = datasets.map((dataset) => normaliseText([dataset.title, dataset.description, ...dataset.keywords].join('\n')));

  // Scratch bitsets reused by every call: find() is synchronous, so no two calls overlap.
  const selected = new Uint32Array(words);
  const fieldUnion = new Uint32Array(words);

  /** Leaves the datasets matching every list field in `selected`; false when none restricts. */
  function selectByLists(filter: DatasetFilterInput): boolean {
    let restricted = false;
    for (const field of LIST_FIELDS) {
      const values = filter[field];
      if (values == null || values.length === 0) continue;
      fieldUnion.fill(0);
      for (const value of values) {
        const bits = postings[field].get(value);
        if (bits === undefined) continue;
        for (let word = 0; word < words; word++) fieldUnion[word] = (fieldUnion[word] ?? 0) | (bits[word] ?? 0);
      }
      if (restricted) {
        for (let word = 0; word < words; word++) selected[word] = (selected[word] ?? 0) & (fieldUnion[word] ?? 0);
      } else {
        selected.set(fieldUnion);
        restricted = true;
      }
    }
    return restricted;
  }

  function matchesText(index: number, tokens: readonly string[]): boolean {
    const haystack = haystacks[index] ?? '';
    for (const token of tokens) if (!haystack.includes(token)) return false;
    return true;
  }

  return {
    find(filter, window) {
      validateCountries(filter?.countries);
      const tokens = toTokens(filter?.text);
      const restricted = filter != null && selectByLists(filter);
      if (!restricted && tokens.length === 0) {
        return { items: datasets.slice(window.offset, window.offset + window.limit), totalCount: datasets.length };
      }
      const items: DatasetRecord[] = [];
      const end = window.offset + window.limit;
      let totalCount = 0;
      for (let index = 0; index < datasets.length; index++) {
        const dataset = datasets[index];
        if (dataset === undefined || (restricted && !hasBit(selected, index))) continue;
        if (tokens.length > 0 && !matchesText(index, tokens)) continue;
        if (totalCount >= window.offset && totalCount < end) items.push(dataset);
        totalCount++;
      }
      return { items, totalCount };
    },
  };
}
