import type { Logger } from 'pino';
import { LruMap, SharedTasks, mapLimit } from './xnat-async.js';
import type { XnatClient } from './xnat-client.js';
import type { ExperimentRow, ResultSet, ScanRow, ScanSearchRow, SubjectRow, SubjectSearchRow } from './xnat-dto.js';
import { XnatSearchUnavailableError } from './xnat-errors.js';
import {
  ageAt, compareScanIds, compareText, roiEntriesFromRows, scanDetailFromRow, scanEntryFromRow, scanEntryFromSearch,
  sessionDetailFromRow, toIsoDate, toSex,
  type Demographics, type RoiEntry, type ScanDetail, type ScanEntry, type SessionDetail, type SessionEntry, type SubjectEntry,
} from './xnat-mappers.js';

/**
 * The per-site cache of an XNAT adapter. XNAT has no paging and no count endpoint, so the
 * adapter keeps, per project, a SNAPSHOT of compact records (subjects with sex and age,
 * sessions with subject and date, scans with modality, body part and manufacturer) and
 * pages, filters and counts in memory. A snapshot lives `ttlMs` (default 60 s); concurrent
 * callers share one build.
 *
 * A snapshot is built from the search service when the site answers it (one
 * POST /data/search for xnat:subjectData, one for xnat:imageScanData and the experiments
 * listing: 3 calls per project, whatever its size), else by listing (subjects and
 * experiments: 2 calls, then the scans of every session, `parallelism` at a time). Once the search service has proven unavailable the
 * site is listed for `SEARCH_RETRY_MS` before the search service is asked again.
 *
 * Browsing needs more than counting: session UIDs and dates (the experiments listing,
 * read with either build and re-read alone if it expired first) and scan UIDs,
 * descriptions and frame counts (one scans call per session, kept in a bounded LRU of
 * `detailCacheSessions` sessions, filled by a listing build too). ROI collections per
 * session share that bound. Raw rows are never kept.
 */

export type SnapshotSource = 'search' | 'listing';

export interface ProjectSnapshot {
  readonly projectId: string;
  readonly builtAt: number;
  readonly source: SnapshotSource;
  /** Subjects with at least one session with at least one scan, by subject id. */
  readonly subjects: readonly SubjectEntry[];
  readonly subjectsById: ReadonlyMap<string, SubjectEntry>;
  readonly sessionsById: ReadonlyMap<string, SessionEntry>;
  /** Whether the site's scan rows carry the bodyPartExamined field at all. */
  readonly hasBodyPartField: boolean;
  readonly sessionCount: number;
  readonly scanCount: number;
}

export interface XnatSiteCacheOptions {
  readonly client: XnatClient;
  readonly logger: Logger;
  /** Configured projects, or undefined for every project the account can read. */
  readonly projects: readonly string[] | undefined;
  readonly ttlMs: number;
  readonly parallelism: number;
  readonly useSearchService: boolean;
  readonly detailCacheSessions: number;
  readonly now?: () => number;
}

export type SearchState = 'unknown' | 'available' | 'unavailable';

/** How long a site whose search service refused is listed before the search is tried again. */
export const SEARCH_RETRY_MS = 10 * 60_000;

interface Timed<T> {
  readonly at: number;
  readonly value: T;
}

export class XnatSiteCache {
  private readonly client: XnatClient;
  private readonly logger: Logger;
  private readonly now: () => number;
  private projectList: Timed<readonly string[]> | undefined;
  private readonly snapshots = new Map<string, ProjectSnapshot>();
  private readonly sessionDetails = new Map<string, Timed<ReadonlyMap<string, SessionDetail>>>();
  private readonly scanDetails: LruMap<string, Timed<readonly ScanDetail[]>>;
  private readonly roiCollections: LruMap<string, Timed<readonly RoiEntry[]>>;
  private readonly projectTasks = new SharedTasks<readonly string[]>();
  private readonly snapshotTasks = new SharedTasks<ProjectSnapshot>();
  private readonly detailTasks = new SharedTasks<ReadonlyMap<string, SessionDetail>>();
  private readonly scanTasks = new SharedTasks<readonly ScanDetail[]>();
  private readonly roiTasks = new SharedTasks<readonly RoiEntry[]>();
  private search: { state: SearchState; at: number } = { state: 'unknown', at: 0 };
  private bodyPartMissing = false;

  constructor(private readonly options: XnatSiteCacheOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.scanDetails = new LruMap(options.detailCacheSessions);
    this.roiCollections = new LruMap(options.detailCacheSessions);
  }

  /** What the search service did last: unknown, available, or unavailable (listing is used). */
  get searchState(): SearchState {
    return this.search.state;
  }

  /** True once a snapshot showed that the site's scans carry no bodyPartExamined field. */
  get bodyPartsKnownMissing(): boolean {
    return this.bodyPartMissing;
  }

  private fresh(at: number): boolean {
    return this.now() - at < this.options.ttlMs;
  }

  /** The projects that are datasets: the configured ones, else GET /data/projects (cached). */
  async projectIds(signal: AbortSignal): Promise<readonly string[]> {
    if (this.options.projects) return this.options.projects;
    if (this.projectList && this.fresh(this.projectList.at)) return this.projectList.value;
    return this.projectTasks.run('projects', async (s) => {
      const listed = await this.client.listProjects(s);
      const ids = [...new Set(listed.rows.map((row) => row.id))].sort(compareText);
      this.projectList = { at: this.now(), value: ids };
      return ids;
    }, signal);
  }

  /** Whether the site has already been probed and its search service works. */
  async probeSearch(projectId: string, signal: AbortSignal): Promise<SearchState> {
    if (!this.options.useSearchService) return 'unavailable';
    if (this.search.state !== 'unknown' && this.now() - this.search.at < SEARCH_RETRY_MS) return this.search.state;
    try {
      await this.client.searchSubjects(projectId, signal);
      this.search = { state: 'available', at: this.now() };
    } catch (error) {
      if (!(error instanceof XnatSearchUnavailableError)) throw error;
      this.markSearchUnavailable(error);
    }
    return this.search.state;
  }

  private markSearchUnavailable(error: XnatSearchUnavailableError): void {
    if (this.search.state !== 'unavailable') {
      this.logger.info({ cause: (error.cause as Error | undefined)?.message }, 'xnat search service unavailable; listing instead');
    }
    this.search = { state: 'unavailable', at: this.now() };
  }

  private useSearch(): boolean {
    if (!this.options.useSearchService) return false;
    return this.search.state !== 'unavailable' || this.now() - this.search.at >= SEARCH_RETRY_MS;
  }

  /** The project's snapshot, rebuilt when older than the TTL. */
  async snapshot(projectId: string, signal: AbortSignal): Promise<ProjectSnapshot> {
    const current = this.snapshots.get(projectId);
    if (current && this.fresh(current.builtAt)) return current;
    return this.snapshotTasks.run(projectId, async (s) => {
      const built = await this.build(projectId, s);
      this.snapshots.set(projectId, built);
      if (!built.hasBodyPartField && built.scanCount > 0) this.bodyPartMissing = true;
      if (built.hasBodyPartField) this.bodyPartMissing = false;
      return built;
    }, signal);
  }

  /** The sessions of every snapshot built so far (no upstream call): session id to project. */
  findSession(sessionId: string): { snapshot: ProjectSnapshot; session: SessionEntry } | undefined {
    for (const snapshot of this.snapshots.values()) {
      const session = snapshot.sessionsById.get(sessionId);
      if (session) return { snapshot, session };
    }
    return undefined;
  }

  private async build(projectId: string, signal: AbortSignal): Promise<ProjectSnapshot> {
    // Both builds need the experiments listing: read it once, beside the searches.
    const experiments = this.client.listExperiments(projectId, signal);
    experiments.catch(() => undefined);
    if (this.useSearch()) {
      try {
        const snapshot = await this.buildFromSearch(projectId, experiments, signal);
        this.search = { state: 'available', at: this.now() };
        return snapshot;
      } catch (error) {
        if (!(error instanceof XnatSearchUnavailableError)) throw error;
        this.markSearchUnavailable(error);
      }
    }
    return this.buildFromListing(projectId, experiments, signal);
  }

  private async buildFromSearch(projectId: string, experimentList: Promise<ResultSet<ExperimentRow>>, signal: AbortSignal): Promise<ProjectSnapshot> {
    // The experiments listing (one call) gives each session's modality, the fallback of
    // scans without one, and the UIDs browsing needs.
    const [subjects, scans, experiments] = await Promise.all([
      this.client.searchSubjects(projectId, signal),
      this.client.searchScans(projectId, signal),
      experimentList,
    ]);
    const demographics = demographicsOf(subjects.rows);
    const at = this.now();
    const details = new Map<string, SessionDetail>();
    for (const row of uniqueSessions(experiments.rows)) details.set(row.id, sessionDetailFromRow(row));
    this.sessionDetails.set(projectId, { at, value: details });
    const sessions = new Map<string, { subjectId: string; date: string | null; scans: ScanEntry[] }>();
    let hasBodyPartField = scans.rows.length === 0;
    for (const row of scans.rows as readonly ScanSearchRow[]) {
      if (row.present.bodyPart) hasBodyPartField = true;
      const detail = details.get(row.sessionId);
      let session = sessions.get(row.sessionId);
      if (!session) sessions.set(row.sessionId, (session = { subjectId: row.subjectId, date: detail?.date ?? toIsoDate(row.sessionDate), scans: [] }));
      session.scans.push(scanEntryFromSearch(row, detail?.modality));
    }
    return assemble(projectId, 'search', at, demographics, sessions, hasBodyPartField);
  }

  private async buildFromListing(projectId: string, experimentList: Promise<ResultSet<ExperimentRow>>, signal: AbortSignal): Promise<ProjectSnapshot> {
    const [subjects, experiments] = await Promise.all([this.client.listSubjects(projectId, signal), experimentList]);
    const demographics = demographicsOf(subjects.rows);
    const at = this.now();
    const imageSessions = uniqueSessions(experiments.rows);
    const details = new Map<string, SessionDetail>();
    for (const row of imageSessions) details.set(row.id, sessionDetailFromRow(row));
    this.sessionDetails.set(projectId, { at, value: details });
    let hasBodyPartField = true;
    let sawScan = false;
    const sessions = new Map<string, { subjectId: string; date: string | null; scans: ScanEntry[] }>();
    const scanLists = await mapLimit(imageSessions, this.options.parallelism, (row) => this.client.listScans(row.id, signal), signal);
    imageSessions.forEach((row, index) => {
      const rows: readonly ScanRow[] = scanLists[index]!.rows;
      const sessionModality = details.get(row.id)!.modality;
      if (rows.length > 0) {
        if (!sawScan) hasBodyPartField = false;
        sawScan = true;
        if (rows.some((r) => r.present.bodyPart)) hasBodyPartField = true;
      }
      const detail = rows.map((r) => scanDetailFromRow(r, sessionModality)).sort((a, b) => compareScanIds(a.scanId, b.scanId));
      this.scanDetails.set(row.id, { at, value: detail });
      sessions.set(row.id, { subjectId: row.subjectId, date: toIsoDate(row.date), scans: rows.map((r) => scanEntryFromRow(r, sessionModality)) });
    });
    return assemble(projectId, 'listing', at, demographics, sessions, hasBodyPartField);
  }

  /** UID and date of the project's sessions (from the listing build, else one experiments listing). */
  async sessionDetailsOf(projectId: string, signal: AbortSignal): Promise<ReadonlyMap<string, SessionDetail>> {
    const current = this.sessionDetails.get(projectId);
    if (current && this.fresh(current.at)) return current.value;
    return this.detailTasks.run(projectId, async (s) => {
      const experiments = await this.client.listExperiments(projectId, s);
      const details = new Map<string, SessionDetail>();
      for (const row of uniqueSessions(experiments.rows)) details.set(row.id, sessionDetailFromRow(row));
      this.sessionDetails.set(projectId, { at: this.now(), value: details });
      return details;
    }, signal);
  }

  /** Full scan rows of sessions, in scan-id order: cached, else one scans call per session. */
  async scanDetailsOf(sessionIds: readonly string[], signal: AbortSignal): Promise<Map<string, readonly ScanDetail[]>> {
    const result = new Map<string, readonly ScanDetail[]>();
    const missing: string[] = [];
    for (const id of new Set(sessionIds)) {
      const cached = this.scanDetails.get(id);
      if (cached && this.fresh(cached.at)) result.set(id, cached.value);
      else missing.push(id);
    }
    await mapLimit(missing, this.options.parallelism, async (id) => {
      const detail = await this.scanTasks.run(id, async (s) => {
        const rows = await this.client.listScans(id, s);
        const sessionModality = this.sessionModalityOf(id);
        const value = rows.rows.map((r) => scanDetailFromRow(r, sessionModality)).sort((a, b) => compareScanIds(a.scanId, b.scanId));
        this.scanDetails.set(id, { at: this.now(), value });
        return value;
      }, signal);
      result.set(id, detail);
    }, signal);
    return result;
  }

  /** The modality of a session from the details already read (no call), '' if unknown. */
  private sessionModalityOf(sessionId: string): string {
    for (const details of this.sessionDetails.values()) {
      const detail = details.value.get(sessionId);
      if (detail) return detail.modality;
    }
    return '';
  }

  /** ROI collections of sessions: cached, else one assessors call per session. */
  async roiCollectionsOf(sessionIds: readonly string[], signal: AbortSignal): Promise<Map<string, readonly RoiEntry[]>> {
    const result = new Map<string, readonly RoiEntry[]>();
    const missing: string[] = [];
    for (const id of new Set(sessionIds)) {
      const cached = this.roiCollections.get(id);
      if (cached && this.fresh(cached.at)) result.set(id, cached.value);
      else missing.push(id);
    }
    await mapLimit(missing, this.options.parallelism, async (id) => {
      const entries = await this.roiTasks.run(id, async (s) => {
        const rows = await this.client.listRoiCollections(id, s);
        const value = roiEntriesFromRows(rows.rows);
        this.roiCollections.set(id, { at: this.now(), value });
        return value;
      }, signal);
      result.set(id, entries);
    }, signal);
    return result;
  }

  clear(): void {
    this.projectList = undefined;
    this.snapshots.clear();
    this.sessionDetails.clear();
    this.scanDetails.clear();
    this.roiCollections.clear();
  }
}

/** Subject id to demographics (sex read now; the age inputs until assemble computes the age). */
function demographicsOf(rows: readonly (SubjectRow | SubjectSearchRow)[]): Map<string, Demographics> {
  const result = new Map<string, Demographics>();
  for (const row of rows) {
    const id = 'subjectId' in row ? row.subjectId : row.id;
    if (!result.has(id)) result.set(id, { sex: toSex(row.gender), age: row.age, yob: row.yob, dob: row.dob });
  }
  return result;
}

/** Image sessions only (an experiments listing may carry other subject assessors), each once. */
function uniqueSessions(rows: readonly ExperimentRow[]): ExperimentRow[] {
  const seen = new Set<string>();
  const sessions: ExperimentRow[] = [];
  for (const row of rows) {
    if (seen.has(row.id) || !/sessiondata$/i.test(row.xsiType)) continue;
    seen.add(row.id);
    sessions.push(row);
  }
  return sessions.sort((a, b) => compareText(a.id, b.id));
}

const UNKNOWN_DEMOGRAPHICS: Demographics = { sex: 'UNKNOWN', age: '', yob: '', dob: '' };

/**
 * Builds the snapshot: sessions with at least one scan, grouped by subject; each subject's
 * age computed at its earliest dated session; everything in a stable order.
 */
function assemble(
  projectId: string, source: SnapshotSource, builtAt: number, demographics: ReadonlyMap<string, Demographics>,
  sessions: ReadonlyMap<string, { subjectId: string; date: string | null; scans: ScanEntry[] }>, hasBodyPartField: boolean,
): ProjectSnapshot {
  const bySubject = new Map<string, SessionEntry[]>();
  const sessionsById = new Map<string, SessionEntry>();
  let scanCount = 0;
  // Modalities, body parts, manufacturers, dates and scan ids repeat across thousands of
  // rows: one string each keeps the snapshot small.
  const strings = new Map<string, string>();
  const intern = <T extends string | null>(value: T): T => {
    if (value === null) return value;
    const known = strings.get(value);
    if (known !== undefined) return known as T;
    strings.set(value, value);
    return value;
  };
  for (const id of [...sessions.keys()].sort(compareText)) {
    const raw = sessions.get(id)!;
    if (raw.scans.length === 0 || !raw.subjectId) continue;
    const seen = new Set<string>();
    const scans = raw.scans
      .filter((scan) => !seen.has(scan.scanId) && seen.add(scan.scanId))
      .sort((a, b) => compareScanIds(a.scanId, b.scanId))
      .map((scan): ScanEntry => ({
        scanId: intern(scan.scanId), modality: intern(scan.modality), bodyPart: intern(scan.bodyPart), manufacturer: intern(scan.manufacturer),
      }));
    const session: SessionEntry = { id, subjectId: intern(raw.subjectId), date: intern(raw.date), scans };
    sessionsById.set(id, session);
    scanCount += scans.length;
    const list = bySubject.get(raw.subjectId);
    if (list) list.push(session);
    else bySubject.set(raw.subjectId, [session]);
  }
  const subjects: SubjectEntry[] = [];
  for (const subjectId of [...bySubject.keys()].sort(compareText)) {
    const subjectSessions = bySubject.get(subjectId)!;
    const info = demographics.get(subjectId) ?? UNKNOWN_DEMOGRAPHICS;
    const earliest = subjectSessions.map((s) => s.date).filter((d): d is string => d !== null).sort(compareText)[0] ?? null;
    subjects.push({ id: subjectId, sex: info.sex, age: ageAt(info, earliest), sessions: subjectSessions });
  }
  return {
    projectId,
    builtAt,
    source,
    subjects,
    subjectsById: new Map(subjects.map((subject) => [subject.id, subject])),
    sessionsById,
    hasBodyPartField,
    sessionCount: sessionsById.size,
    scanCount,
  };
}
