import {
  runAdapterOperation, subjectRefKey, toAgeBand, UNKNOWN_KEY,
  type AdapterDeps, type BreakdownDimension, type BreakdownRow, type CallContext, type CriteriaField, type DatasetMetadata,
  type DatasetRecord, type PageResult, type ProviderAdapter, type SegmentationRecord, type SeriesRecord,
  type SiteConfig, type SiteCriteria, type StudyRecord, type SubjectRecord,
} from '@cancer-imaging/provider-kit';
import { mapLimit } from './xnat-async.js';
import {
  breakdownByScan, breakdownBySubject, countSelection, isSeriesDimension, type CohortSelection, type SelectedSubject,
} from './xnat-cohort.js';
import { createXnatClientForSite, isXnatId, type XnatClient } from './xnat-client.js';
import {
  decideCancerType, diagnosisOf, exactCriteriaFor, hasSeriesCriteria, inRange, scanMatches, sexMatches,
} from './xnat-criteria.js';
import { XnatNotFoundError } from './xnat-errors.js';
import {
  compareText, isDicomUid, parseSeriesLocalId, seriesLocalId, toSegmentationRecord, toSeriesRecord, toStudyRecord,
  type SessionEntry, type SubjectEntry,
} from './xnat-mappers.js';
import { parseXnatSiteOptions, type XnatSiteOptions } from './xnat-options.js';
import { XnatSiteCache, type ProjectSnapshot, type SearchState } from './xnat-site-cache.js';

/** The API the adapter is written against; describe() reports it with the counting path. */
export const XNAT_API = 'XNAT 1.8 REST';

/** What describe() says of the counting path, by the cache's search state. */
const COUNTING_PATHS: Readonly<Record<SearchState, string>> = {
  unknown: 'counts via the search service when it answers',
  available: 'counts via the search service',
  partial: 'counts via the search service, listing the sessions it cannot answer for',
  unavailable: 'counts by listing (search service unavailable or disabled)',
};

/** Snapshots built at once when a call spans several projects. */
const PROJECT_PARALLELISM = 2;

/**
 * The adapter of one XNAT site (XNAT 1.8.x REST API; see docs/xnat.md). Projects are
 * datasets, subjects are XNAT subjects within a project, image sessions are studies and
 * scans are series; icr:roiCollectionData assessors are segmentations.
 *
 * Upstream calls (measured by the tests): a cohort count on a cold adapter is one login
 * (and the project list unless `projects` is configured) plus, per project, the subjects
 * and experiments listings and one scan search per scan data type its sessions hold
 * (xnat:ctScanData, xnat:petScanData ... and xnat:segScanData); sessions no search can
 * answer for cost one scans listing each, and without the search service every session
 * does. While the project snapshot is fresh (`snapshotTtlMs`), counts, subject pages and
 * study pages cost no call; series cost one scans call per session not yet cached.
 * A breakdown costs what the count costs: both read the same snapshots (built once for
 * concurrent callers), which hold every scan's modality, body part and manufacturer.
 */
export function createXnatAdapter(site: SiteConfig, deps: AdapterDeps): ProviderAdapter {
  const options: XnatSiteOptions = parseXnatSiteOptions(site);
  const curatedList = deps.datasets.filter((dataset) => dataset.site === site.id);
  const curated = new Map<string, DatasetMetadata>(curatedList.map((dataset) => [dataset.localId, dataset]));
  const client: XnatClient = createXnatClientForSite(site, deps);
  // The configured projects the site serves (see servedProjects), for exactCriteria.
  const configuredServed = options.projects && curated.size > 0 ? options.projects.filter((id) => curated.has(id)) : options.projects;
  const cache = new XnatSiteCache({
    client,
    logger: deps.logger.child({ site: site.id, component: 'xnat-site-cache' }),
    // A site whose datasets the registry curates serves only those (the kit serves no
    // other), so the curated projects stand for the project list: no GET /data/projects.
    projects: options.projects ?? (curated.size > 0 ? [...curated.keys()].sort(compareText) : undefined),
    ttlMs: options.snapshotTtlMs,
    parallelism: options.parallelism,
    useSearchService: options.useSearchService,
    extraScanTypes: options.extraScanTypes,
    detailCacheSessions: options.detailCacheSessions,
  });

  /** Runs one operation, mapping any failure to a ProviderError (logged without identifiers). */
  const run = <T>(operation: string, ctx: CallContext, work: () => Promise<T>): Promise<T> =>
    runAdapterOperation('xnat', site.id, operation, ctx, work);

  /**
   * The projects served: the configured ones, else the curated ones, else every project the
   * account can read; with curated datasets, only those (the kit serves no other: building
   * an uncurated project's snapshot would be wasted calls).
   */
  async function servedProjects(signal: AbortSignal): Promise<readonly string[]> {
    const projects = await cache.projectIds(signal);
    return curated.size > 0 ? projects.filter((id) => curated.has(id)) : projects;
  }

  async function snapshots(projectIds: readonly string[], signal: AbortSignal): Promise<ProjectSnapshot[]> {
    return mapLimit(projectIds, PROJECT_PARALLELISM, (id) => cache.snapshot(id, signal), signal);
  }

  /** The session a study/series local id names, only within this site's datasets. */
  async function locateSession(sessionId: string, signal: AbortSignal): Promise<{ snapshot: ProjectSnapshot; session: SessionEntry } | undefined> {
    if (!isXnatId(sessionId)) return undefined;
    const known = cache.findSession(sessionId);
    if (known && Date.now() - known.snapshot.builtAt < options.snapshotTtlMs) return known;
    for (const snapshot of await snapshots(await servedProjects(signal), signal)) {
      const session = snapshot.sessionsById.get(sessionId);
      if (session) return { snapshot, session };
    }
    return undefined;
  }

  function toSubjectRecord(projectId: string, subject: SubjectEntry): SubjectRecord {
    return {
      nativePatientId: subject.id,
      datasetLocalId: projectId,
      sex: subject.sex,
      ageAtDiagnosis: subject.age,
      diagnosis: diagnosisOf(curated.get(projectId)?.cancerTypes),
      // XNAT holds no diagnosis date.
      yearOfDiagnosis: null,
    };
  }

  return {
    // No upstream call: the counting path is what the last snapshot build found.
    describe(ctx) {
      return run('describe', ctx, async () => {
        const path = COUNTING_PATHS[cache.searchState];
        return {
          apiVersion: `${XNAT_API}; ${path}`,
          exactCriteria: exactCriteriaFor(curatedList, configuredServed, cache.bodyPartsKnownMissing),
        };
      });
    },

    listDatasets(ctx) {
      return run('listDatasets', ctx, async (): Promise<DatasetRecord[]> => {
        const projects = await servedProjects(ctx.signal);
        const records = new Map<string, DatasetRecord>();
        for (const snapshot of await snapshots(projects, ctx.signal)) {
          records.set(snapshot.projectId, {
            localId: snapshot.projectId,
            subjects: snapshot.subjects.length,
            studies: snapshot.sessionCount,
            series: snapshot.scanCount,
          });
        }
        // A curated project the account cannot list (or not yet created) shows with zero counts.
        for (const localId of curated.keys()) {
          if (!records.has(localId)) records.set(localId, { localId, subjects: 0, studies: 0, series: 0 });
        }
        return [...records.values()].sort((a, b) => compareText(a.localId, b.localId));
      });
    },

    countCohort(criteria, ctx) {
      return run('countCohort', ctx, async () => countSelection(await selectCohort(criteria, ctx.signal)));
    },

    breakdownCohort(criteria, by, ctx) {
      return run('breakdownCohort', ctx, async () => breakdownCohort(await selectCohort(criteria, ctx.signal), by));
    },

    listSubjects(datasetLocalId, page, ctx) {
      return run('listSubjects', ctx, async (): Promise<PageResult<SubjectRecord>> => {
        const projects = await servedProjects(ctx.signal);
        if (!projects.includes(datasetLocalId)) return { items: [], totalCount: 0 };
        const snapshot = await cache.snapshot(datasetLocalId, ctx.signal);
        const offset = Math.max(0, Math.trunc(page.offset));
        const limit = Math.max(0, Math.trunc(page.limit));
        const items = snapshot.subjects.slice(offset, offset + limit).map((subject) => toSubjectRecord(datasetLocalId, subject));
        return { items, totalCount: snapshot.subjects.length };
      });
    },

    listStudies(refs, ctx) {
      return run('listStudies', ctx, async () => {
        const result = new Map<string, StudyRecord[]>();
        for (const ref of refs) result.set(subjectRefKey(ref), []);
        const projects = new Set(await servedProjects(ctx.signal));
        const wantedProjects = [...new Set(refs.map((ref) => ref.datasetLocalId))].filter((id) => projects.has(id)).sort(compareText);
        await mapLimit(wantedProjects, PROJECT_PARALLELISM, async (projectId) => {
          const snapshot = await cache.snapshot(projectId, ctx.signal);
          const subjects = refs
            .filter((ref) => ref.datasetLocalId === projectId)
            .map((ref) => snapshot.subjectsById.get(ref.nativePatientId))
            .filter((subject): subject is SubjectEntry => subject !== undefined);
          if (subjects.length === 0) return;
          const details = await cache.sessionDetailsOf(projectId, ctx.signal);
          for (const subject of subjects) {
            result.set(
              subjectRefKey({ datasetLocalId: projectId, nativePatientId: subject.id }),
              subject.sessions.map((session) => toStudyRecord(session, details.get(session.id))),
            );
          }
        }, ctx.signal);
        return result;
      });
    },

    listSeries(studyLocalIds, ctx) {
      return run('listSeries', ctx, async () => {
        const ids = [...new Set(studyLocalIds)];
        const result = new Map<string, SeriesRecord[]>(ids.map((id) => [id, []]));
        const known: SessionEntry[] = [];
        for (const id of ids) {
          const located = await locateSession(id, ctx.signal);
          if (located) known.push(located.session);
        }
        const details = await cache.scanDetailsOf(known.map((session) => session.id), ctx.signal);
        for (const session of known) {
          result.set(session.id, (details.get(session.id) ?? []).map((scan) => toSeriesRecord(session.id, scan)));
        }
        return result;
      });
    },

    listSegmentations(seriesLocalIds, ctx) {
      return run('listSegmentations', ctx, async () => {
        const ids = [...new Set(seriesLocalIds)];
        const result = new Map<string, SegmentationRecord[]>(ids.map((id) => [id, []]));
        const bySession = new Map<string, string[]>();
        for (const id of ids) {
          const parsed = parseSeriesLocalId(id);
          if (!parsed) continue;
          const list = bySession.get(parsed.sessionId);
          if (list) list.push(parsed.scanId);
          else bySession.set(parsed.sessionId, [parsed.scanId]);
        }
        const sessions: string[] = [];
        for (const sessionId of bySession.keys()) {
          if (await locateSession(sessionId, ctx.signal)) sessions.push(sessionId);
        }
        const [scans, rois] = await Promise.all([
          cache.scanDetailsOf(sessions, ctx.signal),
          cache.roiCollectionsOf(sessions, ctx.signal),
        ]);
        for (const sessionId of sessions) {
          const sessionRois = rois.get(sessionId) ?? [];
          for (const scanId of bySession.get(sessionId)!) {
            const scan = scans.get(sessionId)?.find((s) => s.scanId === scanId);
            if (!scan || !isDicomUid(scan.uid)) continue;
            result.set(seriesLocalId(sessionId, scanId), sessionRois.filter((roi) => roi.referencedSeriesUid === scan.uid).map(toSegmentationRecord));
          }
        }
        return result;
      });
    },

    retrieveSeries(localId, ctx) {
      return run('retrieveSeries', ctx, async () => {
        const parsed = parseSeriesLocalId(localId);
        const located = parsed && isXnatId(parsed.scanId) ? await locateSession(parsed.sessionId, ctx.signal) : undefined;
        if (!parsed || !located || !located.session.scans.some((scan) => scan.scanId === parsed.scanId)) {
          throw new XnatNotFoundError('No such series at this site.');
        }
        const detail = (await cache.scanDetailsOf([parsed.sessionId], ctx.signal)).get(parsed.sessionId)?.find((s) => s.scanId === parsed.scanId);
        const archive = await client.scanArchive(parsed.sessionId, parsed.scanId, ctx.signal);
        // The UID is a DICOM UID (digits and dots); an XNAT id or label never goes in a file name.
        const name = detail && isDicomUid(detail.uid) ? detail.uid : 'series';
        return {
          contentType: 'application/zip', filename: `${name}.zip`, body: archive.body,
          ...(archive.contentLength !== undefined && { contentLength: archive.contentLength }),
        };
      });
    },

    async close() {
      cache.clear();
      await client.logout(AbortSignal.timeout(2_000));
    },
  };

  /** The subjects and scans the criteria select: the one step countCohort and breakdownCohort share. */
  async function selectCohort(criteria: SiteCriteria, signal: AbortSignal): Promise<CohortSelection> {
    const unsupported = new Set<CriteriaField>();
    if (criteria.yearOfDiagnosis) unsupported.add('yearOfDiagnosis');
    let projects = [...await servedProjects(signal)];
    if (criteria.datasetLocalIds) projects = projects.filter((id) => criteria.datasetLocalIds!.includes(id));
    if (criteria.cancerTypes) {
      projects = projects.filter((id) => {
        const decision = decideCancerType(curated.get(id)?.cancerTypes, criteria.cancerTypes!);
        if (decision === 'undecidable') unsupported.add('cancerTypes');
        return decision === 'include';
      });
    }
    const series = hasSeriesCriteria(criteria);
    const subjects: SelectedSubject[] = [];
    for (const snapshot of await snapshots(projects, signal)) {
      if (criteria.bodyParts && !snapshot.hasBodyPartField) unsupported.add('bodyParts');
      for (const subject of snapshot.subjects) {
        if (!sexMatches(subject.sex, criteria.sex) || !inRange(subject.age, criteria.ageAtDiagnosis)) continue;
        const sessions = subject.sessions
          .map((session) => ({ session, scans: series ? session.scans.filter((scan) => scanMatches(scan, criteria)) : session.scans }))
          .filter((entry) => entry.scans.length > 0);
        if (sessions.length > 0) subjects.push({ projectId: snapshot.projectId, subject, sessions });
      }
    }
    return { subjects, unsupported: [...unsupported].sort() };
  }

  function breakdownCohort(selection: CohortSelection, by: BreakdownDimension): BreakdownRow[] {
    if (isSeriesDimension(by)) return breakdownByScan(selection, by);
    switch (by) {
      case 'SEX': return breakdownBySubject(selection, (_project, subject) => subject.sex);
      case 'CANCER_TYPE': return breakdownBySubject(selection, (project) => diagnosisOf(curated.get(project)?.cancerTypes) ?? UNKNOWN_KEY);
      case 'AGE_BAND': return breakdownBySubject(selection, (_project, subject) => toAgeBand(subject.age) ?? UNKNOWN_KEY);
    }
  }
}
