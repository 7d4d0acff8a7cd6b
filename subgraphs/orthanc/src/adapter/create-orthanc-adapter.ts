import {
  runAdapterOperation, subjectRefKey, toAgeBand, UNKNOWN_KEY,
  type AdapterDeps, type BreakdownDimension, type BreakdownRow, type CallContext, type CriteriaField, type DatasetMetadata,
  type DatasetRecord, type PageResult, type ProviderAdapter, type SegmentationRecord, type SeriesRecord,
  type SiteConfig, type SiteCriteria, type StudyRecord, type SubjectRecord,
} from '@cancer-imaging/provider-kit';
import { createOrthancClientForSite, isOrthancId, toFeatures, type OrthancClient } from './orthanc-client.js';
import {
  decideCancerType, diagnosisOf, exactCriteriaFor, hasSeriesCriteria, inRange, seriesMatches, sexMatches, toSeriesQuery,
} from './orthanc-criteria.js';
import { OrthancNotFoundError } from './orthanc-errors.js';
import {
  breakdownBySeries, breakdownBySubject, countSelection, isSeriesDimension,
  type CohortSelection, type SelectedSubject, type SubjectGroup, type SubjectIndex,
} from './orthanc-cohort.js';
import {
  compareStudiesByDate, compareText, parseDicomAge, toSegmentationRecord, toSeriesRecord, toSeriesSummary, toStudyRecord,
  type InstanceFacts, type SeriesSummary,
} from './orthanc-mappers.js';
import { createGrouping, parseOrthancSiteOptions, type Grouping, type OrthancSiteOptions } from './orthanc-options.js';
import { labelsUnsupported, OrthancSiteCache, type SiteRead, type SiteSnapshot } from './orthanc-site-cache.js';

/**
 * The adapter of one Orthanc site (Orthanc >= 1.10, REST API; ApiVersion >= 17 and labels
 * used when present). See orthanc-site-cache.ts for how it keeps the site's study snapshot
 * fresh and bounded in upstream calls, orthanc-criteria.ts for the cohort semantics and
 * orthanc-options.ts for the site options (grouping into datasets).
 *
 * Upstream calls per operation on a site whose data did not change since the last call:
 * /changes + /statistics, then countCohort: one Series-level find when series-level criteria
 * are set (none otherwise); listSeries / listStudies / listSegmentations: nothing more once
 * a study's series are cached, else one find per 100 studies; no tag read at all.
 * breakdownCohort costs what countCohort costs, and nothing more when they run together
 * (the kit asks for both at once: they share the read, the index and the selection), except
 * the first time: a series-level breakdown without series criteria needs the cohort's
 * series lists (cached; one unrestricted Series-level find for most of the site), and
 * AGE_BAND without an age criterion the subjects' ages (cached, as listSubjects reads them).
 */
export function createOrthancAdapter(site: SiteConfig, deps: AdapterDeps): ProviderAdapter {
  const options: OrthancSiteOptions = parseOrthancSiteOptions(site);
  const curatedList = deps.datasets.filter((dataset) => dataset.site === site.id);
  const curated = new Map<string, DatasetMetadata>(curatedList.map((dataset) => [dataset.localId, dataset]));
  const grouping: Grouping = createGrouping(options.grouping, curatedList);
  const client: OrthancClient = createOrthancClientForSite(site, deps);
  const cache = new OrthancSiteCache({
    client, grouping, parallelism: options.parallelism, batchSize: options.batchSize, changesLimit: options.changesLimit,
    logger: deps.logger.child({ site: site.id, component: 'orthanc-site-cache' }),
  });
  const exactCriteria = exactCriteriaFor(curatedList, grouping.staticDatasetIds);

  /** Runs one operation, mapping any failure to a ProviderError (logged without identifiers). */
  const run = <T>(operation: string, ctx: CallContext, work: () => Promise<T>): Promise<T> =>
    runAdapterOperation('orthanc', site.id, operation, ctx, work);

  /** Which studies are in which dataset, as subjects. Reads grouping facts when the grouping needs them. */
  async function indexSubjects(snapshot: SiteSnapshot, signal: AbortSignal): Promise<SubjectIndex> {
    const studies = [...snapshot.studies.values()];
    const facts = grouping.instanceTag ? await cache.factsOf(studies.map((study) => study.orthancId), signal) : undefined;
    const index: SubjectIndex = new Map();
    for (const study of studies) {
      for (const datasetLocalId of grouping.datasetsOf(study, facts?.get(study.orthancId))) {
        let subjects = index.get(datasetLocalId);
        if (!subjects) index.set(datasetLocalId, (subjects = new Map()));
        let subject = subjects.get(study.nativePatientId);
        if (!subject) subjects.set(study.nativePatientId, (subject = { datasetLocalId, nativePatientId: study.nativePatientId, studies: [] }));
        subject.studies.push(study);
      }
    }
    for (const subjects of index.values()) for (const subject of subjects.values()) subject.studies.sort(compareStudiesByDate);
    return index;
  }

  /** The read's subject index, built once for the operations that joined the read. */
  function indexOf(read: SiteRead, signal: AbortSignal): Promise<SubjectIndex> {
    return read.share('subject index', signal, (s) => indexSubjects(read.snapshot, s));
  }

  /** Ages at the earliest study of each subject: PatientAge of that study, else from the birth date. */
  async function agesOf(subjects: readonly SubjectGroup[], signal: AbortSignal): Promise<Map<SubjectGroup, number | null>> {
    const earliest = subjects.map((subject) => subject.studies[0]!);
    const facts: Map<string, InstanceFacts> = await cache.factsOf(earliest.map((study) => study.orthancId), signal);
    return new Map(subjects.map((subject) => {
      const study = subject.studies[0]!;
      return [subject, parseDicomAge(facts.get(study.orthancId)?.patientAge) ?? study.ageFromBirthDate];
    }));
  }

  function toSubjectRecord(subject: SubjectGroup, age: number | null): SubjectRecord {
    return {
      nativePatientId: subject.nativePatientId,
      datasetLocalId: subject.datasetLocalId,
      sex: subject.studies[0]!.sex,
      ageAtDiagnosis: age,
      diagnosis: diagnosisOf(curated.get(subject.datasetLocalId)?.cancerTypes),
      // No DICOM attribute says when the diagnosis was made.
      yearOfDiagnosis: null,
    };
  }

  return {
    describe(ctx) {
      return run('describe', ctx, async () => {
        const system = await client.system(ctx.signal);
        if (grouping.needsLabels && !toFeatures(system).labels) throw labelsUnsupported(system.Version);
        return { apiVersion: `${system.ApiVersion} (Orthanc ${system.Version})`, exactCriteria };
      });
    },

    listDatasets(ctx) {
      return run('listDatasets', ctx, async (): Promise<DatasetRecord[]> => {
        const index = await indexOf(await cache.read(ctx.signal), ctx.signal);
        const records = new Map<string, DatasetRecord>();
        for (const [localId, subjects] of index) {
          const studies = new Set<string>();
          let series = 0;
          for (const subject of subjects.values()) {
            for (const study of subject.studies) {
              if (studies.has(study.orthancId)) continue;
              studies.add(study.orthancId);
              series += study.seriesIds.length;
            }
          }
          records.set(localId, { localId, subjects: subjects.size, studies: studies.size, series });
        }
        // A curated dataset, or one the grouping names (site, prefixes), with no study yet is
        // listed with zero counts.
        for (const localId of [...curated.keys(), ...(grouping.staticDatasetIds ?? [])]) {
          if (!records.has(localId)) records.set(localId, { localId, subjects: 0, studies: 0, series: 0 });
        }
        return [...records.values()].sort((a, b) => compareText(a.localId, b.localId));
      });
    },

    countCohort(criteria, ctx) {
      return run('countCohort', ctx, async () => countSelection(await selectionOf(await cache.read(ctx.signal), criteria, ctx.signal)));
    },

    breakdownCohort(criteria, by, ctx) {
      return run('breakdownCohort', ctx, () => breakdownCohort(criteria, by, ctx.signal));
    },

    listSubjects(datasetLocalId, page, ctx) {
      return run('listSubjects', ctx, async (): Promise<PageResult<SubjectRecord>> => {
        const index = await indexOf(await cache.read(ctx.signal), ctx.signal);
        const ordered = [...(index.get(datasetLocalId)?.values() ?? [])].sort((a, b) => compareText(a.nativePatientId, b.nativePatientId));
        const offset = Math.max(0, Math.trunc(page.offset));
        const limit = Math.max(0, Math.trunc(page.limit));
        const slice = ordered.slice(offset, offset + limit);
        const ages = await agesOf(slice, ctx.signal);
        return { items: slice.map((subject) => toSubjectRecord(subject, ages.get(subject) ?? null)), totalCount: ordered.length };
      });
    },

    listStudies(refs, ctx) {
      return run('listStudies', ctx, async () => {
        const index = await indexOf(await cache.read(ctx.signal), ctx.signal);
        const result = new Map<string, StudyRecord[]>();
        const wanted: SubjectGroup[] = [];
        for (const ref of refs) {
          result.set(subjectRefKey(ref), []);
          const subject = index.get(ref.datasetLocalId)?.get(ref.nativePatientId);
          if (subject) wanted.push(subject);
        }
        const series = await cache.seriesOf(wanted.flatMap((subject) => subject.studies.map((study) => study.orthancId)), ctx.signal);
        for (const subject of wanted) {
          const records = subject.studies
            .map((study) => toStudyRecord(study, series.get(study.orthancId) ?? []))
            .sort((a, b) => compareText(a.studyInstanceUid, b.studyInstanceUid) || compareText(a.localId, b.localId));
          result.set(subjectRefKey(subject), records);
        }
        return result;
      });
    },

    listSeries(studyLocalIds, ctx) {
      return run('listSeries', ctx, async () => {
        await cache.current(ctx.signal);
        const ids = [...new Set(studyLocalIds)];
        const series = await cache.seriesOf(ids, ctx.signal);
        const result = new Map<string, SeriesRecord[]>();
        for (const id of ids) result.set(id, (series.get(id) ?? []).map(toSeriesRecord));
        return result;
      });
    },

    listSegmentations(seriesLocalIds, ctx) {
      return run('listSegmentations', ctx, async () => {
        const snapshot = await cache.current(ctx.signal);
        const ids = [...new Set(seriesLocalIds)];
        const result = new Map<string, SegmentationRecord[]>(ids.map((id) => [id, []]));
        const studyIds = [...new Set(ids.map((id) => snapshot.seriesToStudy.get(id)).filter((id): id is string => id !== undefined))];
        const seriesByStudy = await cache.seriesOf(studyIds, ctx.signal);
        const segmentations = [...seriesByStudy.values()].flat().filter((s) => s.modality === 'SEG' || s.modality === 'RTSTRUCT');
        const facts = await cache.segmentationFactsOf(segmentations, ctx.signal);
        for (const id of ids) {
          const studyId = snapshot.seriesToStudy.get(id);
          const studySeries = studyId ? seriesByStudy.get(studyId) ?? [] : [];
          const target = studySeries.find((s) => s.orthancId === id);
          if (!target) continue;
          const records = studySeries
            .filter((s) => (s.modality === 'SEG' || s.modality === 'RTSTRUCT') && s.orthancId !== id)
            .filter((s) => facts.get(s.orthancId)?.referencedSeriesUids.includes(target.seriesInstanceUid))
            .map((s) => toSegmentationRecord(s, facts.get(s.orthancId)!));
          result.set(id, records);
        }
        return result;
      });
    },

    retrieveSeries(seriesLocalId, ctx) {
      return run('retrieveSeries', ctx, async () => {
        if (!isOrthancId(seriesLocalId)) throw new OrthancNotFoundError('No such series at this site.');
        const series = toSeriesSummary(await client.getSeries(seriesLocalId, ctx.signal));
        const archive = await client.seriesArchive(seriesLocalId, ctx.signal);
        // The UID is a DICOM UID (digits and dots); anything else is not put in a file name.
        const name = /^\d+(?:\.\d+)*$/.test(series.seriesInstanceUid) ? series.seriesInstanceUid : seriesLocalId;
        return { contentType: 'application/zip', filename: `${name}.zip`, body: archive.body, ...(archive.contentLength !== undefined && { contentLength: archive.contentLength }) };
      });
    },

    async close() {
      // Connections belong to fetch's pool; what the adapter holds is its cache.
      cache.clear();
    },
  };

  /** The selection of these criteria, made once for the operations that joined the read. */
  function selectionOf(read: SiteRead, criteria: SiteCriteria, signal: AbortSignal): Promise<CohortSelection> {
    return read.share(`cohort ${criteriaKey(criteria)}`, signal, (s) => selectCohort(read, criteria, s));
  }

  /** The subjects and series the criteria select: the one step countCohort and breakdownCohort share. */
  async function selectCohort(read: SiteRead, criteria: SiteCriteria, signal: AbortSignal): Promise<CohortSelection> {
    const index = await indexOf(read, signal);
    const unsupported = new Set<CriteriaField>();
    if (criteria.yearOfDiagnosis) unsupported.add('yearOfDiagnosis');

    // Subject-level criteria.
    let selected: SubjectGroup[] = [];
    for (const [datasetLocalId, subjects] of index) {
      if (criteria.datasetLocalIds && !criteria.datasetLocalIds.includes(datasetLocalId)) continue;
      if (criteria.cancerTypes) {
        const decision = decideCancerType(curated.get(datasetLocalId)?.cancerTypes, criteria.cancerTypes);
        if (decision === 'undecidable') unsupported.add('cancerTypes');
        if (decision !== 'include') continue;
      }
      for (const subject of subjects.values()) if (sexMatches(subject.studies[0]!.sex, criteria.sex)) selected.push(subject);
    }
    let ages: Map<SubjectGroup, number | null> | undefined;
    if (criteria.ageAtDiagnosis) {
      ages = await agesOf(selected, signal);
      selected = selected.filter((subject) => inRange(ages!.get(subject), criteria.ageAtDiagnosis));
    }

    // Series-level criteria: one Series-level find, checked again in memory.
    let matchingSeries: Map<string, string[]> | undefined;
    let seriesSummaries: Map<string, SeriesSummary> | undefined;
    if (hasSeriesCriteria(criteria) && selected.length > 0) {
      matchingSeries = new Map();
      seriesSummaries = new Map();
      const found = await client.find({ level: 'Series', query: toSeriesQuery(criteria), caseSensitive: false }, signal);
      for (const dto of found) {
        const summary = toSeriesSummary(dto);
        if (!seriesMatches(summary, criteria)) continue;
        seriesSummaries.set(summary.orthancId, summary);
        const list = matchingSeries.get(summary.studyOrthancId);
        if (list) list.push(summary.orthancId);
        else matchingSeries.set(summary.studyOrthancId, [summary.orthancId]);
      }
    }

    const subjects: SelectedSubject[] = [];
    for (const subject of selected) {
      const studies = subject.studies
        .map((study) => ({ study, seriesIds: matchingSeries ? matchingSeries.get(study.orthancId) ?? [] : study.seriesIds }))
        .filter((entry) => entry.seriesIds.length > 0);
      if (studies.length > 0) subjects.push({ subject, studies });
    }
    return {
      subjects,
      unsupported: [...unsupported].sort(),
      ...(ages && { ages }),
      ...(seriesSummaries && { seriesSummaries }),
    };
  }

  async function breakdownCohort(criteria: SiteCriteria, by: BreakdownDimension, signal: AbortSignal): Promise<BreakdownRow[]> {
    const read = await cache.read(signal);
    const selection = await selectionOf(read, criteria, signal);
    if (isSeriesDimension(by)) {
      // Series criteria read the selected series with their tags; otherwise their lists are
      // read (or found in the cache) once for every series-level breakdown of the read.
      const summaries = selection.seriesSummaries
        ?? await read.share(`cohort series ${criteriaKey(criteria)}`, signal, (s) => summariesOf(selection, s));
      return breakdownBySeries(selection, by, summaries);
    }
    switch (by) {
      case 'SEX':
        return breakdownBySubject(selection, (subject) => subject.studies[0]!.sex);
      case 'CANCER_TYPE':
        return breakdownBySubject(selection, (subject) => diagnosisOf(curated.get(subject.datasetLocalId)?.cancerTypes) ?? UNKNOWN_KEY);
      case 'AGE_BAND': {
        const ages = selection.ages
          ?? await read.share(`cohort ages ${criteriaKey(criteria)}`, signal, (s) => agesOf(selection.subjects.map((entry) => entry.subject), s));
        return breakdownBySubject(selection, (subject) => toAgeBand(ages.get(subject)) ?? UNKNOWN_KEY);
      }
    }
  }

  /** The summaries of every series of the selection's studies, by Orthanc series id. */
  async function summariesOf(selection: CohortSelection, signal: AbortSignal): Promise<Map<string, SeriesSummary>> {
    const studyIds = selection.subjects.flatMap((entry) => entry.studies.map(({ study }) => study.orthancId));
    const summaries = new Map<string, SeriesSummary>();
    for (const list of (await cache.seriesOfMany(studyIds, signal)).values()) for (const series of list) summaries.set(series.orthancId, series);
    return summaries;
  }
}

/** The same criteria give the same key, whatever order their fields were written in. */
function criteriaKey(criteria: SiteCriteria): string {
  return JSON.stringify(Object.keys(criteria).sort().map((field) => [field, criteria[field as keyof SiteCriteria]]));
}
