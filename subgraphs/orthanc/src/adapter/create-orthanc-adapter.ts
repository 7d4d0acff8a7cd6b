import {
  ProviderError, subjectRefKey, toProviderError,
  type AdapterDeps, type CallContext, type CohortCountRecord, type CountsRecord, type CriteriaField, type DatasetMetadata,
  type DatasetRecord, type PageResult, type ProviderAdapter, type SegmentationRecord, type SeriesRecord,
  type SiteConfig, type SiteCriteria, type StudyRecord, type SubjectRecord,
} from '@cancer-imaging/provider-kit';
import { createOrthancClientForSite, isOrthancId, toFeatures, type OrthancClient } from './orthanc-client.js';
import {
  decideCancerType, diagnosisOf, exactCriteriaFor, hasSeriesCriteria, inRange, seriesMatches, sexMatches, toSeriesQuery,
} from './orthanc-criteria.js';
import { OrthancNotFoundError } from './orthanc-errors.js';
import {
  compareStudiesByDate, compareText, parseDicomAge, toSegmentationRecord, toSeriesRecord, toSeriesSummary, toStudyRecord,
  type InstanceFacts, type StudyEntry,
} from './orthanc-mappers.js';
import { createGrouping, parseOrthancSiteOptions, type Grouping, type OrthancSiteOptions } from './orthanc-options.js';
import { labelsUnsupported, OrthancSiteCache, type SiteSnapshot } from './orthanc-site-cache.js';

/** A subject of one dataset: its studies in that dataset, earliest first. */
interface SubjectGroup {
  readonly datasetLocalId: string;
  readonly nativePatientId: string;
  readonly studies: StudyEntry[];
}

/** dataset localId -> PatientID -> subject. */
type SubjectIndex = Map<string, Map<string, SubjectGroup>>;

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
  async function run<T>(operation: string, ctx: CallContext, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const mapped = error instanceof ProviderError ? error : toProviderError(error);
      if (mapped.code !== 'PROVIDER_TIMEOUT') {
        ctx.logger.warn({ site: site.id, operation, code: mapped.code, err: mapped.cause ?? mapped }, 'orthanc operation failed');
      }
      throw mapped;
    }
  }

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
        const index = await indexSubjects(await cache.current(ctx.signal), ctx.signal);
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
      return run('countCohort', ctx, () => countCohort(criteria, ctx.signal));
    },

    listSubjects(datasetLocalId, page, ctx) {
      return run('listSubjects', ctx, async (): Promise<PageResult<SubjectRecord>> => {
        const index = await indexSubjects(await cache.current(ctx.signal), ctx.signal);
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
        const index = await indexSubjects(await cache.current(ctx.signal), ctx.signal);
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

  async function countCohort(criteria: SiteCriteria, signal: AbortSignal): Promise<CohortCountRecord> {
    const snapshot = await cache.current(signal);
    const index = await indexSubjects(snapshot, signal);
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
    if (criteria.ageAtDiagnosis) {
      const ages = await agesOf(selected, signal);
      selected = selected.filter((subject) => inRange(ages.get(subject), criteria.ageAtDiagnosis));
    }

    // Series-level criteria: one Series-level find, checked again in memory.
    let matchingSeries: Map<string, string[]> | undefined;
    if (hasSeriesCriteria(criteria) && selected.length > 0) {
      matchingSeries = new Map();
      const found = await client.find({ level: 'Series', query: toSeriesQuery(criteria), caseSensitive: false }, signal);
      for (const dto of found) {
        const summary = toSeriesSummary(dto);
        if (!seriesMatches(summary, criteria)) continue;
        const list = matchingSeries.get(summary.studyOrthancId);
        if (list) list.push(summary.orthancId);
        else matchingSeries.set(summary.studyOrthancId, [summary.orthancId]);
      }
    }

    const byDataset = new Map<string, { subjects: number; studies: Set<string>; series: Set<string> }>();
    const allStudies = new Set<string>();
    const allSeries = new Set<string>();
    let subjectsTotal = 0;
    for (const subject of selected) {
      let counted = false;
      for (const study of subject.studies) {
        const series = matchingSeries ? matchingSeries.get(study.orthancId) ?? [] : study.seriesIds;
        if (series.length === 0) continue;
        let row = byDataset.get(subject.datasetLocalId);
        if (!row) byDataset.set(subject.datasetLocalId, (row = { subjects: 0, studies: new Set(), series: new Set() }));
        if (!counted) {
          row.subjects += 1;
          subjectsTotal += 1;
          counted = true;
        }
        row.studies.add(study.orthancId);
        allStudies.add(study.orthancId);
        for (const id of series) {
          row.series.add(id);
          allSeries.add(id);
        }
      }
    }
    const rows: (CountsRecord & { datasetLocalId: string })[] = [...byDataset]
      .map(([datasetLocalId, row]) => ({ datasetLocalId, subjects: row.subjects, studies: row.studies.size, series: row.series.size }))
      .sort((a, b) => compareText(a.datasetLocalId, b.datasetLocalId));
    return {
      subjects: subjectsTotal,
      studies: allStudies.size,
      series: allSeries.size,
      byDataset: rows,
      unsupportedCriteria: [...unsupported].sort(),
    };
  }
}
