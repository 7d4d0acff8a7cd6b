import {
  BODY_PARTS, CANCER_TYPES, MODALITIES, SEXES, type BodyPart, type CancerType, type Modality, type Sex,
} from '@cancer-imaging/schema';
import type { DatasetMetadata, Registry } from '@cancer-imaging/provider-kit';
import { isDemoSite } from '../adapter/custom-location.js';

/**
 * What the demo generator is asked to produce, read from the registry: every curated
 * dataset of a custom site whose baseUrl is `demo:`. The generator keeps the data inside
 * what the catalogue declares (modalities, body parts, manufacturers, sexes, age range), so
 * the catalogue and the counts agree, and makes exactly `size.subjects` subjects.
 */

export const CUSTOM_KIND = 'custom';

export interface DemoDatasetSpec {
  readonly siteId: string;
  readonly localId: string;
  readonly cancerTypes: readonly CancerType[];
  readonly subjects: number;
  /** Declared vocabularies: the data stays within them; empty means the cancer type's mix. */
  readonly modalities: readonly Modality[];
  readonly bodyParts: readonly BodyPart[];
  readonly manufacturers: readonly string[];
  readonly sex: readonly Sex[];
  readonly ageRange: { readonly min: number | null; readonly max: number | null };
}

export interface DemoSpec {
  /** Sorted by site, then local id, so the same registry always gives the same data. */
  readonly datasets: readonly DemoDatasetSpec[];
}

export class DemoSpecError extends Error {
  override name = 'DemoSpecError';
}

function codes<T extends string>(table: Readonly<Record<T, unknown>>, values: readonly string[], field: string, dataset: DatasetMetadata): T[] {
  for (const value of values) {
    if (!Object.hasOwn(table, value)) {
      throw new DemoSpecError(`demo dataset ${dataset.site}/${dataset.localId}: ${field} has unknown value ${value}; use one of ${Object.keys(table).join(', ')}`);
    }
  }
  return [...new Set(values as T[])].sort();
}

function toDatasetSpec(dataset: DatasetMetadata): DemoDatasetSpec {
  const subjects = dataset.size?.subjects;
  if (subjects === undefined) {
    throw new DemoSpecError(`demo dataset ${dataset.site}/${dataset.localId} needs size.subjects: the generator makes exactly that many subjects`);
  }
  return {
    siteId: dataset.site,
    localId: dataset.localId,
    cancerTypes: codes(CANCER_TYPES, dataset.cancerTypes, 'cancerTypes', dataset),
    subjects,
    modalities: codes(MODALITIES, dataset.modalities, 'modalities', dataset),
    bodyParts: codes(BODY_PARTS, dataset.bodyParts, 'bodyParts', dataset),
    manufacturers: [...new Set(dataset.manufacturers)].sort(),
    sex: codes(SEXES, dataset.sex, 'sex', dataset),
    ageRange: { min: dataset.ageRange?.min ?? null, max: dataset.ageRange?.max ?? null },
  };
}

/** The demo datasets of a registry; throws DemoSpecError for one the generator cannot honour. */
export function buildDemoSpec(registry: Pick<Registry, 'sites' | 'datasets'>): DemoSpec {
  const demoSites = new Set(registry.sites.filter((site) => site.kind === CUSTOM_KIND && isDemoSite(site)).map((site) => site.id));
  const datasets = registry.datasets
    .filter((dataset) => demoSites.has(dataset.site))
    .map(toDatasetSpec)
    .sort((a, b) => (a.siteId === b.siteId ? compare(a.localId, b.localId) : compare(a.siteId, b.siteId)));
  return { datasets };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
