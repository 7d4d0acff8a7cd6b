import { ProviderTimeoutError } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import type { OrthancClient } from './orthanc-client.js';
import type { ChangeDto, SeriesDto, StatisticsDto } from './orthanc-dto.js';
import { OrthancNotFoundError, OrthancUnsupportedFeatureError } from './orthanc-errors.js';
import {
  compareText, representativeSeries, toInstanceFacts, toSegmentationFacts, toSeriesSummary, toStudyEntry,
  type InstanceFacts, type SegmentationFacts, type SeriesSummary, type StudyEntry,
} from './orthanc-mappers.js';
import type { Grouping } from './orthanc-options.js';

/**
 * The per-site cache of an Orthanc adapter. Orthanc 1.10 has no count endpoint, no stable
 * order, and keeps PatientAge and the ClinicalTrial* tags outside its index, so the adapter
 * keeps:
 *
 * - a study snapshot: every study with its patient and study main tags (one expanded
 *   Study-level /tools/find), with the Orthanc ids of its series;
 * - per study, its series (one Series-level /tools/find per chunk of up to `batchSize`
 *   StudyInstanceUIDs, by UID list matching), valid while the study's LastUpdate and series
 *   list are unchanged;
 * - per study, the facts read from one instance (PatientAge, the grouping tag): one
 *   /instances/{id}/simplified-tags per study, `parallelism` at a time, or none on
 *   ApiVersion >= 17 where the series find carries them as RequestedTags;
 * - per SEG/RTSTRUCT series, the series it references (its instances' tags).
 *
 * Freshness: each operation calls read() (or current()) once, which makes exactly one
 * /changes call (plus one /statistics call, in parallel); operations that start while a
 * read is in flight join it, and share the work derived from it (SiteRead.share). New or
 * modified resources show in /changes; Orthanc 1.10 logs nothing when a resource is
 * deleted (verified: DELETE /studies/{id} leaves /changes and the surviving study's
 * LastUpdate unchanged), so the counts in /statistics catch deletions. Either kind of
 * change rebuilds the study snapshot (one find); cached series and facts survive a rebuild
 * while their study's LastUpdate and series list are unchanged. Nothing else expires: an
 * unchanged site costs two small calls per operation and no tag read.
 */

export interface SiteSnapshot {
  /** By Orthanc study id. */
  readonly studies: ReadonlyMap<string, StudyEntry>;
  /** Orthanc series id to Orthanc study id. */
  readonly seriesToStudy: ReadonlyMap<string, string>;
}

/** One read of the site (one /changes call), shared by the operations that joined it. */
export interface SiteRead {
  readonly snapshot: SiteSnapshot;
  /**
   * Work derived from this read, done once for all the operations that joined it: the kit
   * asks for a cohort's count and each of its breakdowns at once, and they need the same
   * subject index, series find and series lists. An operation that starts later makes a
   * new read and does the work again (from the caches). When the operation that started
   * the work ran out of time while this one still has some, this one does it again itself.
   */
  share<T>(key: string, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface OrthancSiteCacheOptions {
  readonly client: OrthancClient;
  readonly grouping: Grouping;
  readonly parallelism: number;
  readonly batchSize: number;
  readonly changesLimit: number;
  readonly logger: Logger;
}

interface Snapshot extends SiteSnapshot {
  seq: number;
  readonly counts: Counts;
}

interface Counts {
  readonly studies: number;
  readonly series: number;
  readonly instances: number;
}

interface SeriesPart {
  readonly lastUpdate: string;
  readonly seriesKey: string;
  /** Sorted by SeriesInstanceUID. */
  readonly series: readonly SeriesSummary[];
  /** Whether the find that filled it asked for RequestedTags and the server honours them. */
  readonly withRequestedTags: boolean;
}

interface FactsPart {
  readonly lastUpdate: string;
  readonly facts: InstanceFacts;
}

interface SegmentationPart {
  readonly key: string;
  readonly facts: SegmentationFacts;
}

/** Change types that say nothing about content: a resource became stable, a job ran. */
const CONTENT_NEUTRAL_CHANGES = new Set([
  'StablePatient', 'StableStudy', 'StableSeries', 'CompletedSeries', 'JobSubmitted', 'JobSuccess', 'JobFailure',
  'UpdatedPeers', 'UpdatedModalities',
]);

/** DICOM UIDs are digits and dots: safe inside Orthanc's list matching. */
const UID = /^\d+(?:\.\d+)*$/;

const NO_FACTS: InstanceFacts = { patientAge: null, groupingValue: null };

export class OrthancSiteCache {
  private snapshot: Snapshot | undefined;
  private refreshing: Promise<SiteRead> | undefined;
  private readonly seriesParts = new Map<string, SeriesPart>();
  private readonly factsParts = new Map<string, FactsPart>();
  private readonly segmentationParts = new Map<string, SegmentationPart>();
  private readonly client: OrthancClient;
  private readonly grouping: Grouping;
  private readonly logger: Logger;

  constructor(private readonly options: OrthancSiteCacheOptions) {
    this.client = options.client;
    this.grouping = options.grouping;
    this.logger = options.logger;
  }

  /** The keywords read from a study's representative instance. */
  get factKeywords(): string[] {
    return this.grouping.instanceTag ? ['PatientAge', this.grouping.instanceTag] : ['PatientAge'];
  }

  /** The fresh study snapshot: one /changes call (and one /statistics) per call, shared by concurrent callers. */
  async current(signal: AbortSignal): Promise<SiteSnapshot> {
    return (await this.read(signal)).snapshot;
  }

  /** As current(), with the work shared among the operations that joined this read. */
  async read(signal: AbortSignal): Promise<SiteRead> {
    const inflight = this.refreshing;
    if (inflight) {
      try {
        return await untilAborted(inflight, signal);
      } catch (error) {
        // The other caller's deadline ended its refresh; ours may still have time.
        if (signal.aborted) throw error;
      }
    }
    const run = this.refresh(signal).then(createSiteRead);
    this.refreshing = run;
    try {
      return await run;
    } finally {
      if (this.refreshing === run) this.refreshing = undefined;
    }
  }

  private async refresh(signal: AbortSignal): Promise<SiteSnapshot> {
    if (this.grouping.needsLabels) {
      const features = await this.client.features(signal);
      if (!features.labels) throw labelsUnsupported(features.version);
    }
    const previous = this.snapshot;
    if (!previous) {
      const [last, statistics] = await Promise.all([this.client.lastChange(signal), this.client.statistics(signal)]);
      return this.rebuild(last.Last, toCounts(statistics), [], signal);
    }
    const [changes, statistics] = await Promise.all([
      this.client.changes({ since: previous.seq, limit: this.options.changesLimit }, signal),
      this.client.statistics(signal),
    ]);
    const counts = toCounts(statistics);
    if (changes.Last < previous.seq) {
      // The sequence went back: Orthanc's database was replaced. Start again.
      this.logger.info('orthanc change sequence went back; rebuilding the site cache');
      this.seriesParts.clear();
      this.factsParts.clear();
      this.segmentationParts.clear();
      return this.rebuild(changes.Last, counts, [], signal);
    }
    const relevant = changes.Changes.filter((change) => !CONTENT_NEUTRAL_CHANGES.has(change.ChangeType));
    const explained = changes.Done && countsExplained(previous.counts, counts, relevant);
    if (!explained) {
      // Something was deleted (or more changed than one /changes page shows): we cannot
      // tell which series lost instances, so every cached series list is re-read on use.
      this.seriesParts.clear();
    }
    // Labels are not in /changes: a label-grouped site re-reads the study list each time.
    if (relevant.length === 0 && explained && sameCounts(previous.counts, counts) && !this.grouping.needsLabels) {
      previous.seq = changes.Last;
      return previous;
    }
    return this.rebuild(changes.Last, counts, relevant, signal);
  }

  private async rebuild(seq: number, counts: Counts, changes: readonly ChangeDto[], signal: AbortSignal): Promise<SiteSnapshot> {
    const previous = this.snapshot;
    const dtos = await this.client.find({ level: 'Study', query: {} }, signal);
    const studies = new Map<string, StudyEntry>();
    const seriesToStudy = new Map<string, string>();
    for (const dto of dtos) {
      const entry = toStudyEntry(dto);
      studies.set(entry.orthancId, entry);
      for (const seriesId of entry.seriesIds) seriesToStudy.set(seriesId, entry.orthancId);
    }
    for (const change of changes) {
      const studyId = change.ResourceType === 'Study' ? change.ID
        : change.ResourceType === 'Series' ? (previous?.seriesToStudy.get(change.ID) ?? seriesToStudy.get(change.ID)) : undefined;
      if (studyId) {
        this.seriesParts.delete(studyId);
        this.factsParts.delete(studyId);
      }
    }
    for (const [id, part] of this.seriesParts) {
      const study = studies.get(id);
      if (!study || study.lastUpdate !== part.lastUpdate || study.seriesIds.join() !== part.seriesKey) this.seriesParts.delete(id);
    }
    for (const [id, part] of this.factsParts) {
      if (studies.get(id)?.lastUpdate !== part.lastUpdate) this.factsParts.delete(id);
    }
    for (const id of this.segmentationParts.keys()) if (!seriesToStudy.has(id)) this.segmentationParts.delete(id);
    const snapshot: Snapshot = { studies, seriesToStudy, seq, counts };
    this.snapshot = snapshot;
    this.logger.debug({ studies: studies.size, seq }, 'orthanc site snapshot rebuilt');
    return snapshot;
  }

  /**
   * The series of these studies (Orthanc ids), each list sorted by SeriesInstanceUID.
   * Missing lists are read with one Series-level find per chunk of StudyInstanceUIDs.
   */
  async seriesOf(studyIds: readonly string[], signal: AbortSignal, requestedTags?: readonly string[]): Promise<Map<string, readonly SeriesSummary[]>> {
    const snapshot = this.requireSnapshot();
    const wanted = [...new Set(studyIds)].filter((id) => snapshot.studies.has(id));
    const missing = wanted.filter((id) => !this.seriesParts.has(id) || (requestedTags && !this.seriesParts.get(id)!.withRequestedTags));
    if (missing.length > 0) await this.fillSeries(missing.map((id) => snapshot.studies.get(id)!), signal, requestedTags);
    const result = new Map<string, readonly SeriesSummary[]>();
    for (const id of wanted) result.set(id, this.seriesParts.get(id)?.series ?? []);
    return result;
  }

  /**
   * The series of many studies at once, for a question about a whole cohort (a breakdown by
   * modality, body part or manufacturer). As seriesOf, except that when the missing lists
   * would take more than one find and are at least half the site's studies, one
   * unrestricted Series-level find reads every series of the site instead of one find per
   * `batchSize` studies; what it returns is cached per study as seriesOf caches it.
   */
  async seriesOfMany(studyIds: readonly string[], signal: AbortSignal): Promise<Map<string, readonly SeriesSummary[]>> {
    const snapshot = this.requireSnapshot();
    const wanted = [...new Set(studyIds)].filter((id) => snapshot.studies.has(id));
    const missing = wanted.filter((id) => !this.seriesParts.has(id));
    if (missing.length > this.options.batchSize && missing.length * 2 >= snapshot.studies.size) {
      const dtos = await this.client.find({ level: 'Series', query: {} }, signal);
      const byStudy = new Map<string, SeriesSummary[]>();
      for (const dto of dtos) {
        const list = byStudy.get(dto.ParentStudy);
        if (list) list.push(toSeriesSummary(dto));
        else byStudy.set(dto.ParentStudy, [toSeriesSummary(dto)]);
      }
      for (const study of snapshot.studies.values()) {
        if (!this.seriesParts.has(study.orthancId)) this.storeSeries(study, byStudy.get(study.orthancId) ?? [], false);
      }
    }
    // Whatever is still missing (a few studies, or all of a small cohort) is read by seriesOf.
    return this.seriesOf(wanted, signal);
  }

  /** Caches one study's series list, sorted by SeriesInstanceUID, valid while the study is unchanged. */
  private storeSeries(study: StudyEntry, series: SeriesSummary[], withRequestedTags: boolean): void {
    series.sort((a, b) => compareText(a.seriesInstanceUid, b.seriesInstanceUid) || compareText(a.orthancId, b.orthancId));
    this.seriesParts.set(study.orthancId, { lastUpdate: study.lastUpdate, seriesKey: study.seriesIds.join(), series, withRequestedTags });
  }

  private async fillSeries(studies: readonly StudyEntry[], signal: AbortSignal, requestedTags?: readonly string[]): Promise<void> {
    const listable = studies.filter((study) => UID.test(study.studyInstanceUid));
    const single = studies.filter((study) => !UID.test(study.studyInstanceUid));
    const chunks: StudyEntry[][] = [];
    for (let start = 0; start < listable.length; start += this.options.batchSize) chunks.push(listable.slice(start, start + this.options.batchSize));
    const honoured = requestedTags !== undefined && (await this.client.features(signal)).requestedTags;
    const keep = honoured ? requestedTags : [];
    const store = (chunk: readonly StudyEntry[], dtos: readonly SeriesDto[]) => {
      const byStudy = new Map<string, SeriesSummary[]>(chunk.map((study) => [study.orthancId, []]));
      for (const dto of dtos) byStudy.get(dto.ParentStudy)?.push(toSeriesSummary(dto, keep));
      for (const study of chunk) this.storeSeries(study, byStudy.get(study.orthancId)!, honoured);
    };
    await mapWithConcurrency([...chunks.map((chunk) => ({ chunk, single: false })), ...single.map((study) => ({ chunk: [study], single: true }))], this.options.parallelism, signal, async ({ chunk, single: one }) => {
      if (one) {
        // A malformed UID cannot sit in a list match: ask for this study's series by id.
        try {
          store(chunk, await this.client.studySeries(chunk[0]!.orthancId, signal));
        } catch (error) {
          if (!(error instanceof OrthancNotFoundError)) throw error;
          store(chunk, []);
        }
        return;
      }
      const dtos = await this.client.find({
        level: 'Series',
        query: { StudyInstanceUID: chunk.map((study) => study.studyInstanceUid).join('\\') },
        ...(requestedTags && { requestedTags }),
      }, signal);
      store(chunk, dtos);
    });
  }

  /**
   * PatientAge and the grouping tag of these studies, from one instance of each study's
   * representative series (see representativeSeries): cached until the study changes.
   */
  async factsOf(studyIds: readonly string[], signal: AbortSignal): Promise<Map<string, InstanceFacts>> {
    const snapshot = this.requireSnapshot();
    const wanted = [...new Set(studyIds)].filter((id) => snapshot.studies.has(id));
    const missing = wanted.filter((id) => !this.factsParts.has(id));
    if (missing.length > 0) {
      const keywords = this.factKeywords;
      const honoured = (await this.client.features(signal)).requestedTags;
      const series = await this.seriesOf(missing, signal, honoured ? keywords : undefined);
      const reads: { studyId: string; instanceId: string }[] = [];
      for (const id of missing) {
        const study = snapshot.studies.get(id)!;
        const representative = representativeSeries(series.get(id) ?? []);
        if (!representative) {
          this.factsParts.set(id, { lastUpdate: study.lastUpdate, facts: NO_FACTS });
        } else if (this.seriesParts.get(id)?.withRequestedTags) {
          this.factsParts.set(id, { lastUpdate: study.lastUpdate, facts: toInstanceFacts(representative.requestedTags, this.grouping.instanceTag) });
        } else {
          reads.push({ studyId: id, instanceId: representative.sampleInstanceIds[0]! });
        }
      }
      await mapWithConcurrency(reads, this.options.parallelism, signal, async ({ studyId, instanceId }) => {
        try {
          const tags = await this.client.instanceSimplifiedTags(instanceId, signal);
          this.factsParts.set(studyId, { lastUpdate: snapshot.studies.get(studyId)!.lastUpdate, facts: toInstanceFacts(tags, this.grouping.instanceTag) });
        } catch (error) {
          // Deleted since the snapshot: leave it uncached; the next refresh drops the study.
          if (!(error instanceof OrthancNotFoundError)) throw error;
        }
      });
    }
    const result = new Map<string, InstanceFacts>();
    for (const id of wanted) {
      const part = this.factsParts.get(id);
      if (part) result.set(id, part.facts);
    }
    return result;
  }

  /** What each SEG/RTSTRUCT series references, from the tags of its instances (cached). */
  async segmentationFactsOf(series: readonly SeriesSummary[], signal: AbortSignal): Promise<Map<string, SegmentationFacts>> {
    const keyOf = (s: SeriesSummary) => `${s.instanceCount}|${s.sampleInstanceIds.join()}`;
    const missing = series.filter((s) => this.segmentationParts.get(s.orthancId)?.key !== keyOf(s));
    await mapWithConcurrency(missing, this.options.parallelism, signal, async (s) => {
      // SEG and RTSTRUCT series usually hold one instance; a bigger one is read, one
      // instance after the other (the outer loop is already parallel), up to the sample.
      const all = await mapWithConcurrency(s.sampleInstanceIds, 1, signal, async (id) => {
        try {
          return toSegmentationFacts(await this.client.instanceSimplifiedTags(id, signal));
        } catch (error) {
          if (error instanceof OrthancNotFoundError) return undefined;
          throw error;
        }
      });
      const found = all.filter((facts): facts is SegmentationFacts => facts !== undefined);
      const uids = [...new Set(found.flatMap((facts) => facts.referencedSeriesUids))].sort();
      this.segmentationParts.set(s.orthancId, { key: keyOf(s), facts: { referencedSeriesUids: uids, label: found.find((facts) => facts.label)?.label ?? null } });
    });
    const result = new Map<string, SegmentationFacts>();
    for (const s of series) {
      const part = this.segmentationParts.get(s.orthancId);
      if (part) result.set(s.orthancId, part.facts);
    }
    return result;
  }

  /** Forgets everything; the next operation rebuilds from scratch. */
  clear(): void {
    this.snapshot = undefined;
    this.seriesParts.clear();
    this.factsParts.clear();
    this.segmentationParts.clear();
  }

  private requireSnapshot(): Snapshot {
    if (!this.snapshot) throw new Error('OrthancSiteCache: call current() first');
    return this.snapshot;
  }
}

function toCounts(statistics: StatisticsDto): Counts {
  return { studies: statistics.CountStudies, series: statistics.CountSeries, instances: statistics.CountInstances };
}

function sameCounts(a: Counts, b: Counts): boolean {
  return a.studies === b.studies && a.series === b.series && a.instances === b.instances;
}

/** Do the new resources the changes announce account for the whole difference in counts? */
function countsExplained(before: Counts, after: Counts, changes: readonly ChangeDto[]): boolean {
  const added = (type: string) => changes.filter((change) => change.ChangeType === type).length;
  return after.studies - before.studies === added('NewStudy')
    && after.series - before.series === added('NewSeries')
    && after.instances - before.instances === added('NewInstance');
}

export function labelsUnsupported(version: string): OrthancUnsupportedFeatureError {
  return new OrthancUnsupportedFeatureError(`This site groups datasets by label, which needs Orthanc 1.12 or later; it runs Orthanc ${version}.`);
}

function createSiteRead(snapshot: SiteSnapshot): SiteRead {
  const work = new Map<string, Promise<unknown>>();
  return {
    snapshot,
    async share<T>(key: string, signal: AbortSignal, compute: (signal: AbortSignal) => Promise<T>): Promise<T> {
      for (let started = work.get(key) as Promise<T> | undefined; started; started = work.get(key) as Promise<T> | undefined) {
        try {
          return await untilAborted(started, signal);
        } catch (error) {
          // Any failure but a timeout is the site's answer, the same for every operation of
          // the read. A timeout ended another operation's work while ours may have time
          // left: we do the work again, or join whoever already started it again.
          if (signal.aborted || !isTimeout(error)) throw error;
          if (work.get(key) === started) break;
        }
      }
      const run = compute(signal);
      work.set(key, run);
      return run;
    },
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof ProviderTimeoutError || (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** Resolves or rejects with `promise`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

/**
 * Maps items with at most `limit` calls in flight, in input order. Stops starting new work
 * once the signal aborts or a call fails, and rejects with the first failure.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      if (signal.aborted) {
        failure ??= { error: signal.reason };
        return;
      }
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
