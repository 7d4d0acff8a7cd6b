import type { Catalogue } from '../catalogue/catalogue.js';
import type { DatasetRecord, ProviderRecord } from '../catalogue/records.js';
import type { CohortStore } from '../cohorts/cohort-store.js';
import { cohortSiteTypeName, kindTypeNames } from '../schema.js';

/** A representation from the router, `{ __typename, id }`; `_Any` lets anything through. */
export interface EntityReference {
  readonly id?: unknown;
}

type CatalogueRecord = ProviderRecord | DatasetRecord;

export interface EntityResolvers {
  /** On the interfaces only: the concrete type of a record. */
  __resolveType?(record: CatalogueRecord): string;
  __resolveReference(reference: EntityReference): CatalogueRecord | null;
}

/** The concrete type was fixed from the site's kind when the catalogue was built. */
const resolveType = (record: CatalogueRecord): string => record.__typename;

/**
 * Entity resolvers. The interfaces resolve any reference (a router sends `Provider` or
 * `Dataset` references for an entity interface). Each generated `<Kind>Provider` and
 * `<Kind>Dataset` resolves references of its own kind only: a `CustomProvider` reference
 * carrying an XNAT site's id is null rather than an object of another type.
 */
export function buildEntityResolvers(catalogue: Catalogue, store: CohortStore): Record<string, unknown> {
  const providerOf = (reference: EntityReference): ProviderRecord | null =>
    typeof reference.id === 'string' ? catalogue.provider(reference.id) ?? null : null;
  const datasetOf = (reference: EntityReference): DatasetRecord | null =>
    typeof reference.id === 'string' ? catalogue.dataset(reference.id) ?? null : null;

  // `<cohortId>@<siteId>`: the site's part of a saved cohort, with the saved criteria.
  const cohortSiteOf = async (reference: EntityReference) => {
    if (typeof reference.id !== 'string') return null;
    const at = reference.id.lastIndexOf('@');
    const cohort = at > 0 ? await store.find(reference.id.slice(0, at)) : undefined;
    const provider = cohort && catalogue.provider(reference.id.slice(at + 1));
    return cohort && provider ? { __typename: cohortSiteTypeName(provider.kind), id: reference.id, provider, criteria: cohort.criteria } : null;
  };

  const resolvers: Record<string, unknown> = {
    Provider: { __resolveType: resolveType, __resolveReference: providerOf },
    Dataset: { __resolveType: resolveType, __resolveReference: datasetOf },
    CohortSite: { __resolveType: (record: { __typename: string }) => record.__typename, __resolveReference: cohortSiteOf },
  };
  for (const kind of catalogue.kinds) {
    const names = kindTypeNames(kind);
    resolvers[names.provider] = {
      __resolveReference: (reference: EntityReference) => {
        const provider = providerOf(reference);
        return provider?.kind === kind ? provider : null;
      },
    };
    resolvers[names.dataset] = {
      __resolveReference: (reference: EntityReference) => {
        const dataset = datasetOf(reference);
        return dataset?.provider.kind === kind ? dataset : null;
      },
    };
    resolvers[cohortSiteTypeName(kind)] = {
      __resolveReference: async (reference: EntityReference) => {
        const site = await cohortSiteOf(reference);
        return site?.provider.kind === kind ? site : null;
      },
    };
  }
  return resolvers;
}
