import {
  BODY_PARTS, CANCER_TYPES, MODALITIES, SEXES, bodyPartFromDicom, modalityFromDicom,
  type BodyPart, type CancerType, type Modality, type Sex,
} from '@cancer-imaging/schema';
import { toGraphId, type DatasetMetadata, type Registry } from '@cancer-imaging/provider-kit';
import { kindTypeNames } from '../schema.js';

/**
 * The catalogue's records: registry sites and curated dataset metadata, checked against the
 * contract's coded vocabularies once at start and frozen. Each record carries its concrete
 * `__typename`, so resolvers never compute it and @apollo/subgraph's `_entities` resolver,
 * which stamps `__typename` on what it returns, finds it already there with the same value
 * instead of mutating a shared record.
 */

export type AccessRights = DatasetMetadata['accessRights'];
export type AccessMode = DatasetMetadata['accessModes'][number];

export interface ProviderRecord {
  readonly __typename: string;
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly kind: string;
  /** Ordered by local id. */
  readonly datasets: readonly DatasetRecord[];
}

export interface DatasetRecord {
  readonly __typename: string;
  readonly id: string;
  readonly localId: string;
  readonly title: string;
  readonly description: string;
  readonly version: string | null;
  readonly provider: ProviderRecord;
  readonly cancerTypes: readonly CancerType[];
  readonly modalities: readonly Modality[];
  readonly bodyParts: readonly BodyPart[];
  readonly manufacturers: readonly string[];
  readonly sex: readonly Sex[];
  readonly ageRange: { readonly min: number | null; readonly max: number | null } | null;
  readonly accessRights: AccessRights;
  readonly accessModes: readonly AccessMode[];
  readonly licence: string | null;
  readonly publisher: { readonly name: string; readonly url: string | null };
  readonly contact: { readonly name: string | null; readonly email: string | null } | null;
  readonly keywords: readonly string[];
  readonly issued: string | null;
}

export interface CatalogueRecords {
  /** Ordered by site id. */
  readonly providers: readonly ProviderRecord[];
  /** Ordered by site id, then local id: the order of every dataset list and page. */
  readonly datasets: readonly DatasetRecord[];
}

/** Curated metadata that does not fit the contract (an unknown cancer type, an inverted range). */
export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

/** Compares by UTF-16 code unit: unlike localeCompare, the same on every server. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses curated values into contract codes, de-duplicated in curated order. */
function toCodes<T extends string>(
  values: readonly string[],
  field: string,
  vocabulary: string,
  known: Readonly<Record<T, unknown>>,
  parse: (value: string) => T | undefined,
  where: string,
): readonly T[] {
  const codes = new Set<T>();
  for (const value of values) {
    const code = parse(value);
    if (code === undefined) {
      throw new CatalogueError(`${where}: ${field}: "${value}" is not a ${vocabulary} (one of ${Object.keys(known).join(', ')}).`);
    }
    codes.add(code);
  }
  return Object.freeze([...codes]);
}

/** Enum names in the case and spacing curators type them: "prostate", "Female". */
function byName<T extends string>(known: Readonly<Record<T, unknown>>): (value: string) => T | undefined {
  return (value) => {
    const name = value.trim().toUpperCase().replace(/[\s-]+/g, '_');
    return Object.hasOwn(known, name) ? (name as T) : undefined;
  };
}

const parseCancerType = byName<CancerType>(CANCER_TYPES);
const parseSex = byName<Sex>(SEXES);

function toAgeRange(range: DatasetMetadata['ageRange'], where: string): DatasetRecord['ageRange'] {
  if (range === undefined || (range.min === undefined && range.max === undefined)) return null;
  const min = range.min ?? null;
  const max = range.max ?? null;
  if ((min !== null && min < 0) || (max !== null && max < 0)) throw new CatalogueError(`${where}: ageRange: ages cannot be negative.`);
  if (min !== null && max !== null && min > max) throw new CatalogueError(`${where}: ageRange: min ${min} is above max ${max}.`);
  return Object.freeze({ min, max });
}

function strings(values: readonly string[]): readonly string[] {
  return Object.freeze([...new Set(values.map((value) => value.trim()).filter((value) => value !== ''))]);
}

function toDatasetRecord(metadata: DatasetMetadata, provider: ProviderRecord, source: string): DatasetRecord {
  const where = `${source}: dataset ${metadata.site}/${metadata.localId}`;
  const contact = metadata.contact;
  return Object.freeze({
    __typename: kindTypeNames(provider.kind).dataset,
    id: toGraphId(provider.id, provider.kind, metadata.localId),
    localId: metadata.localId,
    title: metadata.title,
    description: metadata.description,
    version: metadata.version ?? null,
    provider,
    cancerTypes: toCodes(metadata.cancerTypes, 'cancerTypes', 'CancerType', CANCER_TYPES, parseCancerType, where),
    modalities: toCodes(metadata.modalities, 'modalities', 'Modality', MODALITIES, modalityFromDicom, where),
    bodyParts: toCodes(metadata.bodyParts, 'bodyParts', 'BodyPart', BODY_PARTS, bodyPartFromDicom, where),
    manufacturers: strings(metadata.manufacturers),
    sex: toCodes(metadata.sex, 'sex', 'Sex', SEXES, parseSex, where),
    ageRange: toAgeRange(metadata.ageRange, where),
    accessRights: metadata.accessRights,
    accessModes: Object.freeze([...new Set(metadata.accessModes)]),
    licence: metadata.licence ?? null,
    publisher: Object.freeze({ name: metadata.publisher.name, url: metadata.publisher.url ?? null }),
    contact: contact === undefined || (contact.name === undefined && contact.email === undefined)
      ? null
      : Object.freeze({ name: contact.name ?? null, email: contact.email ?? null }),
    keywords: strings(metadata.keywords),
    issued: metadata.issued ?? null,
  });
}

/**
 * Builds the frozen records of a parsed registry. parseRegistry has already checked that
 * site ids are unique and that every dataset names a known site; this checks what it leaves
 * open (coded values, age ranges) and throws a CatalogueError naming the dataset and field.
 */
export function buildCatalogueRecords(registry: Pick<Registry, 'sites' | 'datasets' | 'source'>): CatalogueRecords {
  const providers: ProviderRecord[] = [];
  const sites = [...registry.sites].sort((a, b) => compareCodeUnits(a.id, b.id));
  const metadataBySite = new Map<string, DatasetMetadata[]>();
  for (const metadata of registry.datasets) {
    const list = metadataBySite.get(metadata.site) ?? [];
    list.push(metadata);
    metadataBySite.set(metadata.site, list);
  }
  for (const site of sites) {
    const own: DatasetRecord[] = [];
    // The provider and its datasets point at each other; fill the list, then freeze both.
    const provider: ProviderRecord = {
      __typename: kindTypeNames(site.kind).provider,
      id: site.id,
      name: site.name,
      country: site.country,
      kind: site.kind,
      datasets: own,
    };
    const metadataList = (metadataBySite.get(site.id) ?? []).sort((a, b) => compareCodeUnits(a.localId, b.localId));
    for (const metadata of metadataList) own.push(toDatasetRecord(metadata, provider, registry.source));
    Object.freeze(own);
    providers.push(Object.freeze(provider));
  }
  const datasets = providers.flatMap((provider) => provider.datasets);
  return { providers: Object.freeze(providers), datasets: Object.freeze(datasets) };
}
