import { badUserInput, type CohortCriteriaInput } from '@cancer-imaging/provider-kit';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { ProviderRecord } from '../catalogue/records.js';
import { cohortSiteTypeName } from '../schema.js';
import { isCohortId, type CohortStore, type SavedCohortRecord } from './cohort-store.js';
import { toSavedCriteria, type SavedCriteria } from './saved-criteria.js';

/** One site's part of a report, as the router sends it on to the site's kind subgraph. */
export interface CohortSiteRecord {
  readonly __typename: string;
  readonly id: string;
  readonly provider: ProviderRecord;
  readonly criteria: SavedCriteria;
}

export interface CohortReportRecord {
  readonly cohort: SavedCohortRecord;
  readonly generatedAt: Date;
  readonly sites: readonly CohortSiteRecord[];
}

/**
 * What saveCohort reads from the request context: the verified caller, when there is one
 * (the kit's Caller has this shape). Absent or without an id, the cohort has no owner.
 */
export interface CohortContext {
  readonly caller?: { readonly id?: string };
}

export interface CohortResolverOptions {
  readonly catalogue: Catalogue;
  readonly store: CohortStore;
  readonly now?: () => Date;
}

/** `saveCohort`, `savedCohort` and `cohortReport`: the catalogue keeps criteria, the kinds count them. */
export function buildCohortResolvers({ catalogue, store, now = () => new Date() }: CohortResolverOptions) {
  const find = async (id: string): Promise<SavedCohortRecord | null> => {
    if (!isCohortId(id)) throw badUserInput('id', 'is not a saved cohort id.');
    return (await store.find(id)) ?? null;
  };
  // The sites the criteria can reach: all of them, or those named by providerIds.
  const sitesOf = (cohort: SavedCohortRecord): CohortSiteRecord[] =>
    catalogue.providers
      .filter((provider) => !cohort.criteria.providerIds || cohort.criteria.providerIds.includes(provider.id))
      .map((provider) => ({ __typename: cohortSiteTypeName(provider.kind), id: `${cohort.id}@${provider.id}`, provider, criteria: cohort.criteria }));

  return {
    Mutation: {
      saveCohort: (_parent: unknown, args: { criteria: CohortCriteriaInput }, context: CohortContext | undefined) =>
        store.save(toSavedCriteria(args.criteria), now(), context?.caller?.id),
    },
    Query: {
      savedCohort: (_parent: unknown, args: { id: string }) => find(args.id),
      async cohortReport(_parent: unknown, args: { id: string }): Promise<CohortReportRecord | null> {
        const cohort = await find(args.id);
        return cohort && { cohort, generatedAt: now(), sites: sitesOf(cohort) };
      },
    },
    SavedCohort: {
      createdAt: (cohort: SavedCohortRecord) => cohort.createdAt.toISOString(),
    },
    CohortReport: {
      generatedAt: (report: CohortReportRecord) => report.generatedAt.toISOString(),
    },
  };
}
