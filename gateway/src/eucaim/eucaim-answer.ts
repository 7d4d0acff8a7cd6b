import { BODY_PARTS, MODALITIES, SEXES } from '@cancer-imaging/schema';
import { parameterOf } from './eucaim-query.js';
import type { CountAnswer, DatasetCohortAnswer, EucaimSearchData, SiteStatus } from './eucaim-operation.js';

/**
 * One collection of EUCAIM's provider search answer, field for field as EUCAIM's explorer
 * reads it: counts are numbers it sums, the lists are display strings it joins.
 */
export interface EucaimCollection {
  /** The graph's dataset id (`<siteId>:<kind>:<localId>`). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Protected count of the collection's subjects matching the search. */
  readonly subjects_count: number;
  /** Protected count of their studies. */
  readonly studies_count: number;
  /** Ages of the whole collection as the catalogue publishes them; null ends when unpublished. */
  readonly age_range: { readonly min: number | null; readonly max: number | null };
  /** Sexes of the collection: Female, Male, Other, Unknown. */
  readonly gender: readonly string[];
  /** DICOM modalities of the collection (CT, MR, ...). */
  readonly modalities: readonly string[];
  /** DICOM body parts of the collection (BREAST, LUNG, ...). */
  readonly body_parts: readonly string[];
}

/** A site whose collections are missing from the answer, and why. */
export interface UnavailableProvider {
  /** Registry id of the site. */
  readonly id: string;
  /** TIMEOUT, UNREACHABLE or ERROR: it did not answer; PARTIAL: it could not apply every parameter exactly. */
  readonly status: SiteStatus;
  /** For PARTIAL: the parameters the site could not apply exactly. */
  readonly unsupported_parameters?: readonly string[];
}

export interface EucaimAnswer {
  /** This deployment's name as a EUCAIM provider. */
  readonly provider: string;
  readonly collections: readonly EucaimCollection[];
  /** Sums of the collections' protected counts (as EUCAIM's own node agent reports them). */
  readonly total: { readonly subjects_count: number; readonly studies_count: number };
  /** Sites left out of this answer; empty when every site answered in full. */
  readonly unavailable_providers: readonly UnavailableProvider[];
}

/** The value of a count that may be published: rounded, or exact for a caller the graph granted it to. */
function publishable(count: CountAnswer): number | undefined {
  return (count.precision === 'ROUNDED' || count.precision === 'EXACT') && count.value !== null ? count.value : undefined;
}

function toCollection(row: DatasetCohortAnswer): EucaimCollection | undefined {
  const subjects = publishable(row.subjects);
  const studies = publishable(row.studies);
  // The subgraphs already leave out datasets whose subjects are suppressed; a count without
  // a value is still never turned into a number here.
  if (subjects === undefined || studies === undefined) return undefined;
  const { dataset } = row;
  return {
    id: dataset.id,
    name: dataset.title,
    description: dataset.description,
    subjects_count: subjects,
    studies_count: studies,
    age_range: { min: dataset.ageRange?.min ?? null, max: dataset.ageRange?.max ?? null },
    gender: dataset.sex.map((sex) => SEXES[sex].label),
    modalities: dataset.modalities.map((modality) => MODALITIES[modality].dicom),
    body_parts: dataset.bodyParts.map((part) => BODY_PARTS[part].dicom),
  };
}

/**
 * EUCAIM's answer from the graph's: the collections of every site that answered in full,
 * in the graph's order (site id, then dataset id). A site that failed, or that could not
 * apply a parameter exactly, contributes no collection (EUCAIM's shape cannot mark a count
 * as widened) and is listed in `unavailable_providers` instead.
 */
export function toEucaimAnswer(provider: string, data: EucaimSearchData): EucaimAnswer {
  const collections: EucaimCollection[] = [];
  const unavailable: UnavailableProvider[] = [];
  for (const site of data.providers) {
    const cohort = site.cohort;
    if (cohort === null) {
      unavailable.push({ id: site.id, status: 'UNREACHABLE' });
      continue;
    }
    if (cohort.status === 'PARTIAL') {
      const parameters = cohort.unsupportedCriteria.map((field) => parameterOf(field) ?? field);
      unavailable.push({ id: site.id, status: 'PARTIAL', unsupported_parameters: parameters });
      continue;
    }
    if (cohort.status !== 'OK') {
      unavailable.push({ id: site.id, status: cohort.status });
      continue;
    }
    for (const row of cohort.datasets) {
      const collection = toCollection(row);
      if (collection) collections.push(collection);
    }
  }
  const sum = (field: 'subjects_count' | 'studies_count') => collections.reduce((total, collection) => total + collection[field], 0);
  return {
    provider,
    collections,
    total: { subjects_count: sum('subjects_count'), studies_count: sum('studies_count') },
    unavailable_providers: unavailable,
  };
}
