import type { Logger } from 'pino';
import { LruMap, SharedTasks, mapLimit } from './xnat-async.js';
import type { XnatClient } from './xnat-client.js';
import type { ExperimentRow, ResultSet, ScanRow, ScanSearchRow, SubjectRow } from './xnat-dto.js';
import { XnatForbiddenError, XnatNotFoundError, XnatSearchUnavailableError } from './xnat-errors.js';
import {
  ageAt, compareScanIds, compareText, roiEntriesFromRows, scanDetailFromRow, scanEntryFromRow, scanEntryFromSearch,
  sessionDetailFromRow, toIsoDate, toSex,
  type Demographics, type RoiEntry, type ScanDetail, type ScanEntry, type SessionDetail, type SessionEntry, type SubjectEntry,
} from './xnat-mappers.js';
import { ANY_SESSION_SCAN_TYPES, distinctScanTypes, scanTypesOfSession } from './xnat-scan-types.js';

/**
 * The per-site cache of an XNAT adapter. XNAT has no paging and no count endpoint, so the
 * adapter keeps, per project, a SNAPSHOT of compact records (subjects with sex and age,
 * sessions with subject and date, scans with modality, body part and manufacturer) and
 * pages, filters and counts in memory. A snapshot lives `ttlMs` (default 60 s); concurrent
 * callers share one build.
 *
 * A build reads the subjects listing (demographics as stored) and the experiments listing
 * (the project's image sessions: subject, date, UID, data type), then the scans:
 *
 * - from the search service, one POST /data/search per scan data type the sessions imply
 *   (xnat-scan-types.ts: xnat:ctScanData for CT sessions, xnat:petScanData and
 *   xnat:ctScanData for PET-CT ...), plus xnat:segScanData and the site's
 *   `extraScanTypes`: 2 + (number of types) calls per project, whatever its size (a type
 *   whose answer carries no body part at all is asked once more, naming the field by
 *   xpath, and by xpath from then on);
 * - by listing (one scans call per session, `parallelism` at a time) for the sessions the
 *   searches cannot answer for: those that could hold a type whose search was refused or
 *   failed (4xx, 5xx, HTML, rows without the asked fields: a site may lack a type's display
 *   document), those of a session type that implies no scan type, and all of them when the
 *   search service is off. A type whose search failed is not asked again for
 *   `SEARCH_RETRY_MS`; the site is not failed for it.
 *
 * Browsing needs more than counting: session UIDs and dates (the experiments listing,
 * read with every build and re-read alone if it expired first) and scan UIDs,
 * descriptions and frame counts (one scans call per session, kept in a bounded LRU of
 * `detailCacheSessions` sessions, filled by listed sessions too). ROI collections per
 * session share that bound. Raw rows are never kept.
 */

/** Where a snapshot's scans came from: every session searched, every session listed, or both. */
export type SnapshotSource = 'search' | 'listing' | 'search+listing';

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
  /** Scan data types searched in every project beside those its session types imply. */
  readonly extraScanTypes: readonly string[];
  readonly detailCacheSessions: number;
  readonly now?: () => number;
}

/**
 * How the last snapshot build counted: unknown (none yet), available (every scan came
 * from the search service), partial (some sessions were listed because a type's search
 * failed or their type is unknown), unavailable (every session listed: the search service
 * refused or is off).
 */
export type SearchState = 'unknown' | 'available' | 'partial' | 'unavailable';

/** How long a scan type whose search failed (or a site whose search refused) is listed before it is asked again. */
export const SEARCH_RETRY_MS = 10 * 60_000;

interface Timed<T> {
  readonly at: number;
  readonly value: T;
}

interface RawSession {
  readonly subjectId: string;
  readonly date: string | null;
  readonly scans: ScanEntry[];
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
  /** Scan types (lower case) whose search failed, and when. */
  private readonly failedTypes = new Map<string, number>();
  /** Scan types (lower case) whose display document lacks BODYPARTEXAMINED: asked by xpath. */
  private readonly bodyPartByXpath = new Set<string>();
  private state: SearchState = 'unknown';
  private bodyPartMissing = false;

  constructor(private readonly options: XnatSiteCacheOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.scanDetails = new LruMap(options.detailCacheSessions);
    this.roiCollections = new LruMap(options.detailCacheSessions);
  }

  /** How the last snapshot build counted (see SearchState). */
  get searchState(): SearchState {
    return this.options.useSearchService ? this.state : 'unavailable';
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

  /** A type whose search failed within SEARCH_RETRY_MS is not asked again yet. */
  private recentlyFailed(type: string): boolean {
    const at = this.failedTypes.get(type.toLowerCase());
    return at !== undefined && this.now() - at < SEARCH_RETRY_MS;
  }

  private markFailed(type: string, error: XnatSearchUnavailableError): void {
    if (!this.recentlyFailed(type)) {
      this.logger.info({ scanType: type, cause: (error.cause as Error | undefined)?.message }, 'xnat scan search unavailable for this type; listing its sessions instead');
    }
    this.failedTypes.set(type.toLowerCase(), this.now());
  }

  private async build(projectId: string, signal: AbortSignal): Promise<ProjectSnapshot> {
    // The subjects listing runs beside the experiments listing; the searches need the
    // session types, so they start once the experiments listing is in.
    const subjectList = this.client.listSubjects(projectId, signal);
    subjectList.catch(() => undefined);
    let experiments: ResultSet<ExperimentRow>;
    try {
      experiments = await this.client.listExperiments(projectId, signal);
    } catch (error) {
      // A configured or curated project the site does not have, or does not let the account
      // read: no subjects, as a project missing from GET /data/projects would have.
      if (!(error instanceof XnatNotFoundError || error instanceof XnatForbiddenError)) throw error;
      this.logger.info({ cause: (error.cause as Error | undefined)?.message }, 'xnat project not readable; counted as empty');
      return assemble(projectId, 'listing', this.now(), new Map(), new Map(), true);
    }
    const at = this.now();
    const imageSessions = uniqueSessions(experiments.rows);
    const details = new Map<string, SessionDetail>();
    for (const row of imageSessions) details.set(row.id, sessionDetailFromRow(row));
    this.sessionDetails.set(projectId, { at, value: details });

    const searched = this.options.useSearchService ? await this.searchScans(projectId, imageSessions, details, signal) : undefined;
    const demographics = demographicsOf((await subjectList).rows);

    // Sessions the searches cannot answer for are listed: all of them without the search service.
    const toList = searched ? imageSessions.filter((row) => searched.unanswered(row.xsiType)) : imageSessions;
    const scanLists = await mapLimit(toList, this.options.parallelism, (row) => this.client.listScans(row.id, signal), signal);
    const listed = new Map<string, readonly ScanRow[]>(toList.map((row, index) => [row.id, scanLists[index]!.rows]));

    let sawScan = false;
    let bodyPartSeen = false;
    const sessions = new Map<string, RawSession>();
    for (const row of imageSessions) {
      const rows = listed.get(row.id);
      let scans: ScanEntry[];
      if (rows) {
        const detail = rows.map(scanDetailFromRow).sort((a, b) => compareScanIds(a.scanId, b.scanId));
        this.scanDetails.set(row.id, { at, value: detail });
        scans = rows.map(scanEntryFromRow);
        if (rows.some((r) => r.present.bodyPart)) bodyPartSeen = true;
      } else {
        scans = searched!.scansOf(row.id);
      }
      if (scans.length > 0) sawScan = true;
      sessions.set(row.id, { subjectId: row.subjectId, date: toIsoDate(row.date), scans });
    }
    if (searched?.bodyPartSeen) bodyPartSeen = true;
    if (searched && searched.types > 0) {
      this.state = searched.answeredTypes === 0 ? 'unavailable' : searched.failedTypes > 0 || toList.length > 0 ? 'partial' : 'available';
    }
    const source: SnapshotSource = !searched || (toList.length > 0 && toList.length === imageSessions.length) ? 'listing'
      : toList.length === 0 ? 'search' : 'search+listing';
    return assemble(projectId, source, at, demographics, sessions, bodyPartSeen || !sawScan);
  }

  /**
   * One search per scan data type the sessions imply (plus xnat:segScanData and the
   * configured extras), in parallel. A refused or failed search marks its type; the
   * sessions that could hold it are then listed by the caller.
   */
  private async searchScans(projectId: string, sessions: readonly ExperimentRow[], details: ReadonlyMap<string, SessionDetail>, signal: AbortSignal) {
    const anySession = distinctScanTypes([...ANY_SESSION_SCAN_TYPES, ...this.options.extraScanTypes]);
    const types = distinctScanTypes([...sessions.flatMap((row) => scanTypesOfSession(row.xsiType) ?? []), ...(sessions.length > 0 ? anySession : [])]);
    const failed = new Set<string>();
    const answers = await Promise.all(types.map(async (type): Promise<ResultSet<ScanSearchRow> | undefined> => {
      if (this.recentlyFailed(type)) {
        failed.add(type.toLowerCase());
        return undefined;
      }
      try {
        const byXpath = this.bodyPartByXpath.has(type.toLowerCase());
        const answer = await this.client.searchScans(projectId, type, signal, { bodyPartByXpath: byXpath });
        if (byXpath || answer.rows.length === 0 || answer.rows.some((row) => row.present.bodyPart)) return answer;
        // The type's display document has no BODYPARTEXAMINED: ask again naming it by xpath
        // (and so from now on).
        this.bodyPartByXpath.add(type.toLowerCase());
        return await this.client.searchScans(projectId, type, signal, { bodyPartByXpath: true });
      } catch (error) {
        if (!(error instanceof XnatSearchUnavailableError)) throw error;
        this.markFailed(type, error);
        failed.add(type.toLowerCase());
        return undefined;
      }
    }));
    const bySession = new Map<string, ScanSearchRow[]>();
    let bodyPartSeen = false;
    let answeredTypes = 0;
    for (const answer of answers) {
      if (!answer) continue;
      answeredTypes += 1;
      for (const row of answer.rows) {
        if (!details.has(row.sessionId)) continue; // not an image session of this project's listing
        if (row.present.bodyPart) bodyPartSeen = true;
        const list = bySession.get(row.sessionId);
        if (list) list.push(row);
        else bySession.set(row.sessionId, [row]);
      }
    }
    const anyFailed = anySession.some((type) => failed.has(type.toLowerCase()));
    return {
      types: types.length,
      answeredTypes,
      failedTypes: failed.size,
      bodyPartSeen,
      /** Whether a session of this data type must be listed. */
      unanswered: (sessionType: string): boolean => {
        if (anyFailed) return true;
        const implied = scanTypesOfSession(sessionType);
        return implied === undefined || implied.some((type) => failed.has(type.toLowerCase()));
      },
      scansOf: (sessionId: string): ScanEntry[] => (bySession.get(sessionId) ?? []).map(scanEntryFromSearch),
    };
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
        const value = rows.rows.map(scanDetailFromRow).sort((a, b) => compareScanIds(a.scanId, b.scanId));
        this.scanDetails.set(id, { at: this.now(), value });
        return value;
      }, signal);
      result.set(id, detail);
    }, signal);
    return result;
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
function demographicsOf(rows: readonly SubjectRow[]): Map<string, Demographics> {
  const result = new Map<string, Demographics>();
  for (const row of rows) {
    if (!result.has(row.id)) result.set(row.id, { sex: toSex(row.gender), age: row.age, yob: row.yob, dob: row.dob });
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
  sessions: ReadonlyMap<string, RawSession>, hasBodyPartField: boolean,
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
