import type { ProviderContext } from '../context.js';
import { normalizeCriteria, type CohortCriteriaInput } from '../criteria.js';
import { badUserInput, codedError, toProviderError } from '../errors.js';
import { parseGraphId, pseudonymise, toGraphId } from '../ids.js';
import { connectionFromList, toConnection, toPageWindow, type PageArgs } from '../pagination.js';
import { scrubFreeText, toAgeBand } from '../privacy/scrub.js';
import type { KindTypeNames } from '../schema.js';
import type { SiteRuntime } from '../site-runtime.js';
import { RETRIEVE_TICKET_TTL_MS, signRetrieveTicket } from '../retrieve-ticket.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { BreakdownDimension } from '../adapter.js';
import { resolveSiteCohort, statusOf, type ProviderCohortResult } from './cohort.js';
import { requestedBreakdowns } from './requested-breakdowns.js';
import type { CohortSiteObject, DatasetObject, ProviderObject, SegmentationObject, SeriesObject, StudyObject, SubjectObject } from './objects.js';

export interface ResolverOptions {
  readonly kind: string;
  readonly types: KindTypeNames;
  readonly sites: ReadonlyMap<string, SiteRuntime>;
  /** Deployment secret keying subject pseudonyms. */
  readonly pseudonymSecret: string;
  /** Key of retrieve-link signatures. */
  readonly retrieveSecret: string;
}

/** A client-chosen cohort deadline, validated; undefined leaves the site's own. */
function toDeadlineMs(value: number | null | undefined): number | undefined {
  if (value == null) return undefined;
  if (value < 100 || value > 60_000) throw badUserInput('deadlineMs', `must be between 100 and 60000 milliseconds; got ${value}.`);
  return value;
}

/** Record-level adapter failures become coded errors on the field, stamped with the site. */
async function recordCall<T>(site: SiteRuntime, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const providerError = toProviderError(error);
    throw codedError(providerError.code, providerError.message, { site: site.id, status: statusOf(providerError) });
  }
}

/** Resolvers by type name, then field name, in the shape buildSubgraphSchema takes. */
export type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * The provider contract's resolvers. Record-level fields (Dataset.subjects, Subject.studies,
 * Study.series, Series.segmentations, Series.retrieveUrl) carry no access check of their own:
 * the kit's shield (auth/shield-rules.ts) refuses them before they run and the audit
 * middleware records them, both over the schema createProviderSubgraph builds. They are not
 * safe to serve without that wrapping.
 */
export function buildProviderResolvers(options: ResolverOptions): ResolverMap {
  const { kind, types, sites, pseudonymSecret } = options;

  const datasetFromId = (id: string): DatasetObject | null => {
    const parsed = parseGraphId(id);
    const site = parsed && parsed.kind === kind ? sites.get(parsed.siteId) : undefined;
    return parsed && site?.serves(parsed.localId) ? { id, localId: parsed.localId, site } : null;
  };

  const datasetTotal = async (dataset: DatasetObject, field: 'subjects' | 'studies' | 'series') => {
    const totals = await recordCall(dataset.site, () => dataset.site.datasetTotals());
    const record = totals.get(dataset.localId);
    if (!record) return null;
    // Published totals of a dataset are catalogue metadata; below the site's threshold
    // they are withheld like any other small count.
    return record.subjects < dataset.site.config.privacy.minCount ? null : record[field];
  };

  return {
    Provider: { __resolveType: () => types.provider },
    Dataset: { __resolveType: () => types.dataset },
    Subject: { __resolveType: () => types.subject },
    Study: { __resolveType: () => types.study },
    Series: { __resolveType: () => types.series },
    Segmentation: { __resolveType: () => types.segmentation },
    CohortSite: { __resolveType: () => types.cohortSite },

    [types.cohortSite]: {
      // The id is `<cohortId>@<siteId>`; the catalogue sends the saved criteria with it.
      __resolveReference(reference: { id: string; criteria?: CohortCriteriaInput | null }): CohortSiteObject | null {
        const siteId = reference.id.slice(reference.id.lastIndexOf('@') + 1);
        const site = reference.id.includes('@') ? sites.get(siteId) : undefined;
        return site && reference.criteria ? { id: reference.id, site, criteria: reference.criteria } : null;
      },
      cohort(cohortSite: CohortSiteObject, _args: unknown, context: ProviderContext, info: GraphQLResolveInfo) {
        return resolveSiteCohort(cohortSite.site, kind, normalizeCriteria(cohortSite.criteria), context, undefined, requestedBreakdowns(info));
      },
    },

    [types.provider]: {
      __resolveReference(reference: { id: string }): ProviderObject | null {
        const site = sites.get(reference.id);
        return site ? { id: site.id, site } : null;
      },
      async status(provider: ProviderObject) {
        const described = await provider.site.describe();
        if (described.ok) {
          return { status: 'OK', latencyMs: described.latencyMs, apiVersion: described.value.apiVersion ?? null, exactCriteria: described.value.exactCriteria, message: null };
        }
        return { status: statusOf(described.error), latencyMs: described.latencyMs, apiVersion: null, exactCriteria: [], message: described.error.message };
      },
      cohort(provider: ProviderObject, args: { criteria: CohortCriteriaInput; deadlineMs?: number | null }, context: ProviderContext, info: GraphQLResolveInfo) {
        return resolveSiteCohort(provider.site, kind, normalizeCriteria(args.criteria), context, toDeadlineMs(args.deadlineMs), requestedBreakdowns(info));
      },
    },

    ProviderCohort: {
      // Computed with the counts, inside the site's deadline (see requested-breakdowns.ts).
      breakdown: (cohort: ProviderCohortResult, args: { by: BreakdownDimension }) => cohort.breakdowns.get(args.by) ?? [],
    },

    [types.dataset]: {
      __resolveReference(reference: { id: string }): DatasetObject | null {
        return datasetFromId(reference.id);
      },
      subjectCount: (dataset: DatasetObject) => datasetTotal(dataset, 'subjects'),
      studyCount: (dataset: DatasetObject) => datasetTotal(dataset, 'studies'),
      seriesCount: (dataset: DatasetObject) => datasetTotal(dataset, 'series'),
      async subjects(dataset: DatasetObject, args: PageArgs, context: ProviderContext) {
        const window = toPageWindow(args);
        const { site } = dataset;
        const page = await recordCall(site, () => site.call((ctx) =>
          site.adapter.listSubjects(dataset.localId, { offset: window.offset, limit: window.limit }, ctx), { logger: context.logger }));
        const subjects = page.items.map((record): SubjectObject => ({
          id: toGraphId(site.id, kind, pseudonymise(pseudonymSecret, site.id, record.nativePatientId)),
          site,
          datasetId: dataset.id,
          ref: { nativePatientId: record.nativePatientId, datasetLocalId: record.datasetLocalId },
          record,
        }));
        return toConnection(subjects, window, page.totalCount);
      },
    },

    [types.subject]: {
      sex: (subject: SubjectObject) => subject.record.sex,
      ageBand: (subject: SubjectObject) => toAgeBand(subject.record.ageAtDiagnosis),
      diagnosis: (subject: SubjectObject) => subject.record.diagnosis ?? null,
      yearOfDiagnosis: (subject: SubjectObject) => subject.record.yearOfDiagnosis ?? null,
      async studies(subject: SubjectObject, args: PageArgs, context: ProviderContext) {
        const { site } = subject;
        const records = await recordCall(site, () => context.loadersFor(site).studies.load(subject.ref));
        const studies = records.map((record): StudyObject => ({ id: toGraphId(site.id, kind, record.localId), site, datasetId: subject.datasetId, record }));
        return connectionFromList(studies, args);
      },
    },

    [types.study]: {
      studyInstanceUid: (study: StudyObject) => study.record.studyInstanceUid,
      year: (study: StudyObject) => study.record.year ?? null,
      modalities: (study: StudyObject) => study.record.modalities,
      bodyPart: (study: StudyObject) => study.record.bodyPart ?? null,
      description: (study: StudyObject) => scrubFreeText(study.record.description),
      async series(study: StudyObject, args: PageArgs, context: ProviderContext) {
        const { site } = study;
        const records = await recordCall(site, () => context.loadersFor(site).series.load(study.record.localId));
        const series = records.map((record): SeriesObject => ({ id: toGraphId(site.id, kind, record.localId), site, datasetId: study.datasetId, record }));
        return connectionFromList(series, args, 50);
      },
    },

    [types.series]: {
      seriesInstanceUid: (series: SeriesObject) => series.record.seriesInstanceUid,
      modality: (series: SeriesObject) => series.record.modality,
      bodyPart: (series: SeriesObject) => series.record.bodyPart ?? null,
      manufacturer: (series: SeriesObject) => series.record.manufacturer ?? null,
      description: (series: SeriesObject) => scrubFreeText(series.record.description),
      instanceCount: (series: SeriesObject) => series.record.instanceCount ?? null,
      // A signed, short-lived link through the gateway; an index-only kind has none.
      retrieveUrl: (series: SeriesObject, _args: unknown, context: ProviderContext) => {
        if (!series.site.adapter.retrieveSeries) return null;
        const ticket = signRetrieveTicket(options.retrieveSecret, {
          siteId: series.site.id, seriesLocalId: series.record.localId, datasetId: series.datasetId,
          ...(context.caller.id !== undefined && { callerId: context.caller.id }),
          expiresAt: context.now.getTime() + RETRIEVE_TICKET_TTL_MS,
        });
        return `${context.publicBaseUrl}/retrieve/${kind}/${ticket}`;
      },
      async segmentations(series: SeriesObject, _args: unknown, context: ProviderContext) {
        const { site } = series;
        const records = await recordCall(site, () => context.loadersFor(site).segmentations.load(series.record.localId));
        return records.map((record): SegmentationObject => ({ id: toGraphId(site.id, kind, record.localId), record }));
      },
    },

    [types.segmentation]: {
      format: (segmentation: SegmentationObject) => segmentation.record.format,
      seriesInstanceUid: (segmentation: SegmentationObject) => segmentation.record.seriesInstanceUid ?? null,
      label: (segmentation: SegmentationObject) => scrubFreeText(segmentation.record.label),
    },
  };
}
