// FAKE for tests and the local demo: an HTTP server that answers like an XNAT 1.8 site's REST
// API over a synthetic archive. This is not XNAT; it listens on loopback only.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  defaultFakeArchive,
  type FakeXnatArchive,
  type FakeXnatProject,
  type FakeXnatRoiCollection,
  type FakeXnatScan,
  type FakeXnatSession,
  type FakeXnatSubject,
} from './fake-xnat-data.js';
import { ListingError, runListing, type ListingSpec } from './fake-xnat-listing.js';
import {
  buildHeaderOnlyDicom,
  buildZip,
  javaDateString,
  keysOf,
  resultSetCsv,
  resultSetHtml,
  resultSetJson,
  resultSetXml,
  restletStatusPage,
  tomcatErrorPage,
  type Row,
} from './fake-xnat-render.js';
import { fakeContext, type FakeContext, type FakeRecord } from './fake-xnat-schema.js';
import { parseSearchBundle, runSearch, SearchError } from './fake-xnat-search.js';
import { escapeXml } from './fake-xnat-xml.js';

/**
 * Endpoints (all under /data; /REST and /data/archive are accepted as XNAT accepts them):
 *
 * | request | answer |
 * | --- | --- |
 * | POST/GET /data/JSESSION | the session id as text/plain and `Set-Cookie: JSESSIONID=...; Path=/; HttpOnly` |
 * | DELETE /data/JSESSION | ends the session |
 * | GET /data/services/tokens/issue | an alias token (alias, secret, estimatedExpirationTime ...) usable as Basic credentials |
 * | GET /data/projects | ResultSet of projects |
 * | GET /data/projects/{p} | the project item (format=json: `{"items":[{data_fields,...}]}`; default XML) |
 * | GET /data/projects/{p}/subjects | ResultSet of the project's subjects |
 * | GET /data/projects/{p}/experiments, .../subjects/{s}/experiments | ResultSet of experiments, `xsiType` filter |
 * | GET /data/experiments/{e} | the experiment item |
 * | GET /data/experiments/{e}/scans | ResultSet of the session's scans |
 * | GET /data/experiments/{e}/assessors | ResultSet of the session's assessors, `xsiType` filter |
 * | GET .../scans/{s}/resources, .../scans/{s}/resources/DICOM/files | resources and files; `format=zip` answers a ZIP |
 * | POST /data/search | the search service over an `xdat:bundle` document |
 *
 * Authentication is XNAT's: a JSESSIONID cookie whose session is dropped after
 * `sessionTimeoutMs` of inactivity (each request restarts the clock), or HTTP Basic with a
 * user's password or an alias token's alias/secret on any request (which, as in XNAT, also
 * opens a session and sets the cookie). No or stale credentials get 401; wrong ones get
 * 401 with an HTML page. List resources answer every row at once: XNAT does not page.
 */

export interface FakeXnatUser {
  readonly username: string;
  readonly password: string;
}

/** The account the fake accepts unless `users` says otherwise. */
export const DEFAULT_FAKE_XNAT_USER: FakeXnatUser = { username: 'cig-reader', password: 'fake-xnat-password' };

export type FakeXnatEndpoint =
  | 'jsession' | 'tokens' | 'projects' | 'project' | 'subjects' | 'subject' | 'experiments' | 'experiment'
  | 'scans' | 'scan' | 'assessors' | 'resources' | 'files' | 'search' | 'unknown';

const ENDPOINTS: readonly FakeXnatEndpoint[] = ['jsession', 'tokens', 'projects', 'project', 'subjects', 'subject', 'experiments', 'experiment', 'scans', 'scan', 'assessors', 'resources', 'files', 'search', 'unknown'];

/**
 * html500: a Tomcat HTML error page with status 500; status500: status 500 with an empty
 * body; truncatedJson: the normal answer cut in half (status and type kept); hang: no
 * answer until the server closes; expireSessions: every session ends just before the
 * request is authenticated.
 */
export type FakeXnatFaultKind = 'html500' | 'truncatedJson' | 'status500' | 'hang' | 'expireSessions';

export interface FakeXnatFaultOptions {
  /** Only a request to this endpoint triggers the fault (default: the next request). */
  readonly endpoint?: FakeXnatEndpoint;
  /** How many matching requests get it (default 1). */
  readonly times?: number;
}

export interface FakeXnatOptions {
  /** The archive served (default {@link defaultFakeArchive}). */
  readonly archive?: FakeXnatArchive;
  /** Accounts accepted (default {@link DEFAULT_FAKE_XNAT_USER}). */
  readonly users?: readonly FakeXnatUser[];
  /** Idle time after which a session is gone; XNAT's default is 15 minutes. */
  readonly sessionTimeoutMs?: number;
  /** When false, POST /data/search is refused with 403 (default true). */
  readonly searchServiceEnabled?: boolean;
  /** Lifetime of alias tokens (XNAT's default: two days). */
  readonly tokenLifetimeMs?: number;
  /** Port on 127.0.0.1 (default: any free port). */
  readonly port?: number;
  /** Clock used for session and token expiry (default Date.now), so tests can move time. */
  readonly clock?: () => number;
}

export interface FakeXnatRequestRecord {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly endpoint: FakeXnatEndpoint;
  auth: 'session' | 'basic' | 'alias' | 'none';
  /** The status answered; undefined for a request left hanging. */
  status?: number;
}

export interface FakeXnat {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly archive: FakeXnatArchive;
  /** Requests received, by endpoint (and in total), including refused ones. */
  readonly calls: Readonly<Record<FakeXnatEndpoint | 'total', number>>;
  /** The last 2,000 requests, oldest first. */
  readonly requests: readonly FakeXnatRequestRecord[];
  readonly faults: {
    /** Makes the next matching request fail the given way. */
    next(kind: FakeXnatFaultKind, options?: FakeXnatFaultOptions): void;
    /** Drops faults not yet triggered. */
    clear(): void;
  };
  /** Ends every session (as a server restart or a timeout would). */
  expireAllSessions(): void;
  /** Number of live sessions. */
  activeSessions(): number;
  resetCalls(): void;
  close(): Promise<void>;
}

const DEFAULT_SESSION_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_TOKEN_LIFETIME_MS = 2 * 24 * 3_600_000;
const MAX_BODY_BYTES = 1 << 20;
const JSON_TYPE = 'application/json;charset=UTF-8';
const HTML_TYPE = 'text/html;charset=UTF-8';

interface FakeResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly page: 'restlet' | 'tomcat' = 'restlet', readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

interface Session { readonly id: string; readonly username: string; lastAccess: number }
interface AliasToken { readonly alias: string; readonly secret: string; readonly username: string; readonly expires: number; readonly id: number; readonly created: number }
interface Caller { readonly username: string; readonly via: 'session' | 'basic' | 'alias'; readonly session: Session; readonly newSession: boolean }

function unauthorizedPage(message: string): string {
  return `<!DOCTYPE html>\n<html>\n<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>XNAT - Unauthorized</title></head>\n<body>\n<h3>401 Unauthorized</h3>\n<p>${escapeXml(message)}</p>\n</body>\n</html>\n`;
}

/** Splits a request path into segments after /data (or /REST, /data/archive). */
function routeSegments(pathname: string): string[] | undefined {
  const parts = pathname.split('/').filter((p) => p.length > 0).map((p) => decodeURIComponent(p));
  if (parts[0] === 'data' || parts[0] === 'REST') {
    const rest = parts.slice(1);
    return rest[0] === 'archive' ? rest.slice(1) : rest;
  }
  return undefined;
}

function endpointOf(segments: readonly string[] | undefined): FakeXnatEndpoint {
  if (!segments || segments.length === 0) return 'unknown';
  const [first] = segments;
  if (first === 'JSESSION') return 'jsession';
  if (first === 'services' && segments[1] === 'tokens') return 'tokens';
  if (first === 'search') return 'search';
  // Walk the hierarchy: the endpoint is named by the last collection or item in the path.
  const names: Record<string, [FakeXnatEndpoint, FakeXnatEndpoint]> = {
    projects: ['projects', 'project'], subjects: ['subjects', 'subject'], experiments: ['experiments', 'experiment'],
    scans: ['scans', 'scan'], assessors: ['assessors', 'experiment'], resources: ['resources', 'resources'], files: ['files', 'files'],
  };
  let endpoint: FakeXnatEndpoint = 'unknown';
  for (let i = 0; i < segments.length; i += 2) {
    const pair = names[segments[i]!];
    if (!pair) return 'unknown';
    endpoint = i + 1 < segments.length ? pair[1] : pair[0];
  }
  return endpoint;
}

/** Starts a fake XNAT on 127.0.0.1. */
export async function startFakeXnat(options: FakeXnatOptions = {}): Promise<FakeXnat> {
  const archive = options.archive ?? defaultFakeArchive();
  const ctx: FakeContext = fakeContext(archive);
  const users = new Map((options.users ?? [DEFAULT_FAKE_XNAT_USER]).map((u) => [u.username, u.password]));
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const tokenLifetimeMs = options.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;
  const searchServiceEnabled = options.searchServiceEnabled ?? true;
  const clock = options.clock ?? Date.now;

  const sessions = new Map<string, Session>();
  const tokens = new Map<string, AliasToken>();
  let tokenSeq = 0;
  const calls = Object.fromEntries([...ENDPOINTS, 'total'].map((e) => [e, 0])) as Record<FakeXnatEndpoint | 'total', number>;
  const requests: FakeXnatRequestRecord[] = [];
  const faults: { kind: FakeXnatFaultKind; endpoint?: FakeXnatEndpoint; remaining: number }[] = [];
  const hanging = new Set<ServerResponse>();

  const liveSession = (id: string): Session | undefined => {
    const session = sessions.get(id);
    if (!session) return undefined;
    if (clock() - session.lastAccess > sessionTimeoutMs) {
      sessions.delete(id);
      return undefined;
    }
    return session;
  };
  const openSession = (username: string): Session => {
    const session: Session = { id: randomBytes(16).toString('hex').toUpperCase(), username, lastAccess: clock() };
    sessions.set(session.id, session);
    return session;
  };

  /** XNAT's authentication: a live session cookie, else Basic (password or alias token). */
  const authenticate = (req: IncomingMessage): Caller => {
    const cookie = /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const existing = cookie ? liveSession(cookie) : undefined;
    if (existing) {
      existing.lastAccess = clock();
      return { username: existing.username, via: 'session', session: existing, newSession: false };
    }
    const header = req.headers.authorization ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header)?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = colon < 0 ? decoded : decoded.slice(0, colon);
      const secret = colon < 0 ? '' : decoded.slice(colon + 1);
      if (users.has(name) && users.get(name) === secret) {
        return { username: name, via: 'basic', session: openSession(name), newSession: true };
      }
      const token = tokens.get(name);
      if (token && token.secret === secret && clock() <= token.expires) {
        return { username: token.username, via: 'alias', session: openSession(token.username), newSession: true };
      }
      throw new HttpError(401, 'Login attempt failed. Please try again.', 'tomcat', { 'WWW-Authenticate': 'Basic realm="XNAT"' });
    }
    throw new HttpError(401, cookie ? 'Your session has expired or is not valid. Please log in again.' : 'Authentication required.', 'tomcat', { 'WWW-Authenticate': 'Basic realm="XNAT"' });
  };

  // -------------------------------------------------------------------------------------
  // Lookups

  const project = (id: string): FakeXnatProject => {
    const p = ctx.index.projectById.get(id);
    if (!p) throw new HttpError(404, `Unable to identify project ${id}`);
    return p;
  };
  const subjectIn = (p: FakeXnatProject, idOrLabel: string): FakeXnatSubject => {
    const list = ctx.index.subjectsByProject.get(p.id) ?? [];
    const s = list.find((x) => x.id === idOrLabel) ?? list.find((x) => x.label === idOrLabel);
    if (!s) throw new HttpError(404, `Unable to identify subject ${idOrLabel}`);
    return s;
  };
  const experimentById = (id: string): FakeRecord | undefined => {
    const session = ctx.index.sessionById.get(id);
    if (session) return { kind: 'session', value: session };
    const roi = ctx.index.roiCollectionById.get(id);
    return roi ? { kind: 'roi', value: roi } : undefined;
  };
  const experimentIn = (p: FakeXnatProject, s: FakeXnatSubject | undefined, idOrLabel: string): FakeRecord => {
    const byId = experimentById(idOrLabel);
    const candidates: FakeRecord[] = [
      ...(ctx.index.sessionsByProject.get(p.id) ?? []).map((value): FakeRecord => ({ kind: 'session', value })),
      ...archive.roiCollections.filter((r) => r.project === p.id).map((value): FakeRecord => ({ kind: 'roi', value })),
    ];
    const labelOf = (c: FakeRecord): string => (c.kind === 'session' || c.kind === 'roi' ? c.value.label : '');
    const found = byId && candidates.some((c) => c.value === byId.value) ? byId : candidates.find((c) => labelOf(c) === idOrLabel);
    if (!found || (s && (found.kind === 'session' ? found.value.subjectId : (found.value as FakeXnatRoiCollection).subjectId) !== s.id)) {
      throw new HttpError(404, `Unable to identify experiment ${idOrLabel}`);
    }
    return found;
  };
  const imageSession = (record: FakeRecord, id: string): FakeXnatSession => {
    if (record.kind !== 'session') throw new HttpError(404, `Unable to identify image session ${id}`);
    return record.value;
  };
  const scansOf = (session: FakeXnatSession, ids: string): FakeXnatScan[] => {
    const all = ctx.index.scansBySession.get(session.id) ?? [];
    if (ids === 'ALL') return [...all];
    const wanted = ids.split(',');
    const found = all.filter((s) => wanted.includes(s.id));
    if (found.length === 0) throw new HttpError(404, `Unable to identify scan ${ids}`);
    return found;
  };

  // -------------------------------------------------------------------------------------
  // Representations

  const table = (rows: readonly Row[], keys: readonly string[], query: URLSearchParams, params: readonly (readonly [string, string])[], title: string): FakeResponse => {
    const format = (query.get('format') ?? 'json').toLowerCase();
    const all: (readonly [string, string])[] = [['totalRecords', String(rows.length)], ...params];
    switch (format) {
      case 'json': return { status: 200, contentType: JSON_TYPE, body: resultSetJson(rows, all) };
      case 'xml': return { status: 200, contentType: 'text/xml;charset=UTF-8', body: resultSetXml(rows, keys, all) };
      case 'csv': return { status: 200, contentType: 'text/csv;charset=UTF-8', body: resultSetCsv(rows, keys) };
      case 'html': return { status: 200, contentType: HTML_TYPE, body: resultSetHtml(rows, keys, title) };
      default: throw new HttpError(415, `Unsupported format ${format}`);
    }
  };
  const listing = (spec: ListingSpec, query: URLSearchParams, params: readonly (readonly [string, string])[] = [], title = 'Results'): FakeResponse => {
    const result = runListing(ctx, spec, query);
    return table(result.rows, result.keys, query, params, title);
  };

  let eventId = 1000;
  const item = (xsiType: string, insertDate: string, dataFields: Record<string, string | number | boolean>, children: unknown[] = []): object => ({
    items: [{
      children,
      meta: { create_event_id: (eventId += 1), 'xsi:type': xsiType, isHistory: false, start_date: javaDateString(insertDate) },
      data_fields: dataFields,
    }],
  });
  const itemResponse = (query: URLSearchParams, json: object, xml: string): FakeResponse => {
    const format = (query.get('format') ?? 'xml').toLowerCase();
    if (format === 'json') return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(json) };
    if (format === 'xml') return { status: 200, contentType: 'text/xml;charset=UTF-8', body: xml };
    throw new HttpError(415, `Unsupported format ${format}`);
  };
  const NS = 'xmlns:xnat="http://nrg.wustl.edu/xnat" xmlns:xdat="http://nrg.wustl.edu/security" xmlns:icr="http://www.icr.ac.uk/icr" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const el = (name: string, value: string | number | undefined): string => (value === undefined || value === '' ? '' : `<xnat:${name}>${escapeXml(String(value))}</xnat:${name}>`);

  const projectItem = (p: FakeXnatProject, query: URLSearchParams): FakeResponse => {
    const pi = { children: [], meta: { create_event_id: 1, 'xsi:type': 'xnat:investigatorData', isHistory: false, start_date: javaDateString(p.insertDate) }, data_fields: { firstname: p.piFirstname, lastname: p.piLastname, xnat_investigatordata_id: archive.projects.indexOf(p) + 1 } };
    const json = item('xnat:projectData', p.insertDate, { secondary_ID: p.secondaryId, name: p.name, description: p.description, keywords: p.keywords, active: 'true', ID: p.id }, [
      { field: 'PI', items: [pi] },
      { field: 'aliases/alias', items: [] },
      { field: 'fields/field', items: [] },
    ]);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<xnat:Project ID="${escapeXml(p.id)}" secondary_ID="${escapeXml(p.secondaryId)}" active="true" ${NS}>${el('name', p.name)}${el('description', p.description)}${el('keywords', p.keywords)}<xnat:PI>${el('firstname', p.piFirstname)}${el('lastname', p.piLastname)}</xnat:PI></xnat:Project>\n`;
    return itemResponse(query, json, xml);
  };
  const subjectItem = (s: FakeXnatSubject, query: URLSearchParams): FakeResponse => {
    const demographics = { gender: s.gender, ...(s.dob !== undefined && { dob: s.dob }), ...(s.yob !== undefined && { yob: s.yob }), ...(s.age !== undefined && { age: s.age }), ...(s.handedness !== undefined && { handedness: s.handedness }) };
    const json = item('xnat:subjectData', s.insertDate, { ID: s.id, project: s.project, label: s.label, ...(s.group !== undefined && { group: s.group }) }, [
      { field: 'demographics', items: [{ children: [], meta: { create_event_id: 1, 'xsi:type': 'xnat:demographicData', isHistory: false, start_date: javaDateString(s.insertDate) }, data_fields: demographics }] },
    ]);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<xnat:Subject ID="${escapeXml(s.id)}" project="${escapeXml(s.project)}" label="${escapeXml(s.label)}" ${NS}><xnat:demographics xsi:type="xnat:demographicData">${Object.entries(demographics).map(([k, v]) => el(k, v)).join('')}</xnat:demographics></xnat:Subject>\n`;
    return itemResponse(query, json, xml);
  };
  const experimentItem = (record: FakeRecord, query: URLSearchParams): FakeResponse => {
    if (record.kind === 'roi') {
      const r = record.value;
      const json = item(r.xsiType, r.insertDate, { ID: r.id, label: r.label, project: r.project, date: r.date, time: r.time, imageSession_ID: r.sessionId, subjectID: r.subjectId, collectionType: r.collectionType, name: r.name, UID: r.uid, id: r.id }, [
        { field: 'references/seriesUID', items: r.referencedSeriesUids.map((uid) => ({ children: [], meta: { create_event_id: 1, 'xsi:type': 'icr:roiCollectionData_seriesUID', isHistory: false, start_date: javaDateString(r.insertDate) }, data_fields: { seriesUID: uid } })) },
      ]);
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<icr:RoiCollection ID="${escapeXml(r.id)}" project="${escapeXml(r.project)}" label="${escapeXml(r.label)}" ${NS}>${el('date', r.date)}${el('imageSession_ID', r.sessionId)}<icr:collectionType>${r.collectionType}</icr:collectionType><icr:references>${r.referencedSeriesUids.map((u) => `<icr:seriesUID>${u}</icr:seriesUID>`).join('')}</icr:references></icr:RoiCollection>\n`;
      return itemResponse(query, json, xml);
    }
    if (record.kind !== 'session') throw new HttpError(404, 'Unable to identify experiment');
    const s = record.value;
    const scans = (ctx.index.scansBySession.get(s.id) ?? []).map((scan) => ({
      children: [],
      meta: { create_event_id: 1, 'xsi:type': scan.xsiType, isHistory: false, start_date: javaDateString(s.insertDate) },
      data_fields: { ID: scan.id, type: scan.type, UID: scan.uid, series_description: scan.seriesDescription, quality: scan.quality, modality: scan.modality, frames: scan.frames, bodyPartExamined: scan.bodyPartExamined, 'scanner/manufacturer': scan.manufacturer, 'scanner/model': scan.model, image_session_ID: s.id, xnat_imagescandata_id: scan.imageScanDataId },
    }));
    const json = item(s.xsiType, s.insertDate, {
      ID: s.id, id: s.id, label: s.label, project: s.project, subject_ID: s.subjectId, date: s.date, time: s.time, UID: s.uid, modality: s.modality,
      scanner: s.scanner, 'scanner/manufacturer': s.manufacturer, 'scanner/model': s.model, session_type: s.sessionType,
      dcmPatientId: s.dcmPatientId, dcmPatientName: s.dcmPatientName, dcmAccessionNumber: s.dcmAccessionNumber, operator: s.operator,
      ...(s.fieldStrength !== undefined && { fieldStrength: s.fieldStrength }),
    }, [{ field: 'scans/scan', items: scans }]);
    const tag = s.xsiType === 'xnat:mrSessionData' ? 'MRSession' : s.xsiType === 'xnat:ctSessionData' ? 'CTSession' : 'PETSession';
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<xnat:${tag} ID="${escapeXml(s.id)}" project="${escapeXml(s.project)}" label="${escapeXml(s.label)}" UID="${s.uid}" ${NS}>${el('date', s.date)}${el('time', s.time)}${el('modality', s.modality)}${el('subject_ID', s.subjectId)}<xnat:scans>${(ctx.index.scansBySession.get(s.id) ?? []).map((scan) => `<xnat:scan ID="${escapeXml(scan.id)}" type="${escapeXml(scan.type)}" UID="${scan.uid}" xsi:type="${scan.xsiType}">${el('series_description', scan.seriesDescription)}${el('modality', scan.modality)}${el('bodyPartExamined', scan.bodyPartExamined)}${el('frames', scan.frames)}</xnat:scan>`).join('')}</xnat:scans></xnat:${tag}>\n`;
    return itemResponse(query, json, xml);
  };

  const filesOfScan = (session: FakeXnatSession, scan: FakeXnatScan): { name: string; data: Buffer; sopInstanceUid: string }[] => {
    const count = Math.max(1, Math.min(scan.frames, 3));
    return Array.from({ length: count }, (_, i) => {
      const sopInstanceUid = `${scan.uid}.${i + 1}`;
      return {
        name: `${sopInstanceUid}.dcm`,
        sopInstanceUid,
        data: buildHeaderOnlyDicom({
          modality: scan.modality || 'OT',
          studyInstanceUid: session.uid,
          seriesInstanceUid: scan.uid,
          sopInstanceUid,
          instanceNumber: i + 1,
          seriesDescription: scan.seriesDescription,
          bodyPartExamined: scan.bodyPartExamined,
        }),
      };
    });
  };
  const sanitize = (text: string): string => text.replace(/[^A-Za-z0-9_.-]+/g, '_');

  const scanSubresource = (session: FakeXnatSession, scanIds: string, rest: readonly string[], query: URLSearchParams): FakeResponse => {
    const scans = scansOf(session, scanIds);
    if (rest.length === 0) {
      if (scans.length !== 1) throw new HttpError(404, `Unable to identify scan ${scanIds}`);
      const scan = scans[0]!;
      const json = item(scan.xsiType, session.insertDate, { ID: scan.id, type: scan.type, UID: scan.uid, series_description: scan.seriesDescription, quality: scan.quality, modality: scan.modality, frames: scan.frames, bodyPartExamined: scan.bodyPartExamined, image_session_ID: session.id, xnat_imagescandata_id: scan.imageScanDataId });
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<xnat:Scan ID="${escapeXml(scan.id)}" type="${escapeXml(scan.type)}" UID="${scan.uid}" xsi:type="${scan.xsiType}" ${NS}>${el('image_session_ID', session.id)}${el('series_description', scan.seriesDescription)}${el('modality', scan.modality)}${el('frames', scan.frames)}</xnat:Scan>\n`;
      return itemResponse(query, json, xml);
    }
    const [collection, label, leaf] = rest;
    const wantsFiles = (collection === 'files' && rest.length === 1) || (collection === 'resources' && label !== undefined && leaf === 'files' && rest.length === 3);
    if (collection === 'resources' && rest.length === 1) {
      const rows: Row[] = scans.map((scan) => {
        const files = filesOfScan(session, scan);
        return {
          xnat_abstractresource_id: String(scan.imageScanDataId * 10),
          cat_id: scan.id,
          cat_desc: scan.type,
          label: 'DICOM',
          element_name: 'xnat:resourceCatalog',
          category: 'scans',
          file_count: String(files.length),
          file_size: String(files.reduce((sum, f) => sum + f.data.length, 0)),
          tags: '',
          content: 'RAW',
          format: 'DICOM',
        };
      });
      return table(rows, keysOf(rows), query, [['title', 'Resources']], 'Resources');
    }
    if (!wantsFiles) throw new HttpError(404, `Unable to identify resource ${rest.join('/')}`);
    if (collection === 'resources' && label !== 'DICOM') throw new HttpError(404, `Unable to identify resource ${label}`);
    const entries = scans.flatMap((scan) => filesOfScan(session, scan).map((f) => ({ scan, ...f })));
    if ((query.get('format') ?? '').toLowerCase() === 'zip') {
      const zip = buildZip(entries.map((e) => ({
        name: `${session.label}/scans/${e.scan.id}-${sanitize(e.scan.type)}/resources/DICOM/files/${e.name}`,
        data: e.data,
      })));
      return {
        status: 200,
        contentType: 'application/zip',
        headers: { 'Content-Disposition': `attachment; filename="${sanitize(session.label)}.zip"` },
        body: zip,
      };
    }
    const rows: Row[] = entries.map((e) => ({
      Name: e.name,
      Size: String(e.data.length),
      URI: `/data/experiments/${session.id}/scans/${e.scan.id}/resources/${e.scan.imageScanDataId * 10}/files/${e.name}`,
      collection: 'DICOM',
      file_tags: '',
      file_format: 'DICOM',
      file_content: 'RAW',
      cat_ID: String(e.scan.imageScanDataId * 10),
    }));
    return table(rows, keysOf(rows), query, [['title', 'Files']], 'Files');
  };

  const experimentsSpec = (records: readonly FakeRecord[]): ListingSpec => ({
    kind: 'experiments',
    defaultRoot: 'xnat:subjectAssessorData',
    records,
    uriOf: (r) => `/data/experiments/${(r.value as { id: string }).id}`,
    defaultColumns: ['date', 'xsiType', '#rootid', 'insert_date', 'project', 'ID', 'label', 'URI'],
    addRootId: true,
  });
  const sessionChildren = (session: FakeXnatSession, rest: readonly string[], query: URLSearchParams): FakeResponse => {
    const [collection, id, ...deeper] = rest;
    if (collection === 'scans') {
      if (id === undefined) {
        return listing({
          kind: 'scans',
          defaultRoot: 'xnat:imageScanData',
          records: (ctx.index.scansBySession.get(session.id) ?? []).map((value): FakeRecord => ({ kind: 'scan', value })),
          uriOf: (r) => `/data/experiments/${session.id}/scans/${(r.value as FakeXnatScan).id}`,
          defaultColumns: ['xsiType', 'xnat_imagescandata_id', 'note', 'series_description', 'ID', 'type', 'URI', 'quality'],
          addRootId: false,
        }, query);
      }
      return scanSubresource(session, id, deeper, query);
    }
    if (collection === 'assessors' && id === undefined) {
      return listing({
        kind: 'assessors',
        defaultRoot: 'xnat:imageAssessorData',
        records: (ctx.index.roiCollectionsBySession.get(session.id) ?? []).map((value): FakeRecord => ({ kind: 'roi', value })),
        uriOf: (r) => `/data/experiments/${(r.value as FakeXnatRoiCollection).id}`,
        defaultColumns: ['date', 'xsiType', 'session_label', '#rootid', 'insert_date', 'session_ID', 'project', 'ID', 'label', 'URI'],
        addRootId: true,
      }, query);
    }
    if (collection === 'assessors' && id !== undefined && deeper.length === 0) {
      const roi = ctx.index.roiCollectionById.get(id) ?? (ctx.index.roiCollectionsBySession.get(session.id) ?? []).find((r) => r.label === id);
      if (!roi || roi.sessionId !== session.id) throw new HttpError(404, `Unable to identify assessor ${id}`);
      return experimentItem({ kind: 'roi', value: roi }, query);
    }
    throw new HttpError(404, `Unable to identify resource ${rest.join('/')}`);
  };
  const experimentRoute = (record: FakeRecord, id: string, rest: readonly string[], query: URLSearchParams): FakeResponse =>
    rest.length === 0 ? experimentItem(record, query) : sessionChildren(imageSession(record, id), rest, query);

  const search = async (req: IncomingMessage, method: string, query: URLSearchParams): Promise<FakeResponse> => {
    if (method !== 'POST') throw new HttpError(405, 'Method Not Allowed', 'restlet', { Allow: 'POST' });
    if (!searchServiceEnabled) throw new HttpError(403, 'Forbidden');
    const body = await readBody(req);
    try {
      const result = runSearch(ctx, parseSearchBundle(body));
      const format = (query.get('format') ?? 'json').toLowerCase();
      const params: [string, string][] = [['rootElementName', result.rootElement], ['totalRecords', String(result.rows.length)]];
      const keys = result.columns.map((c) => c.key!).filter((k): k is string => k !== undefined);
      if (format === 'json') return { status: 200, contentType: JSON_TYPE, body: resultSetJson(result.rows, params, result.columns) };
      return table(result.rows, keys, query, [['rootElementName', result.rootElement]], 'Search');
    } catch (error) {
      if (error instanceof SearchError) throw new HttpError(error.status, error.message, error.status >= 500 ? 'tomcat' : 'restlet');
      throw error;
    }
  };

  const route = async (req: IncomingMessage, segments: readonly string[], query: URLSearchParams, caller: Caller): Promise<FakeResponse> => {
    const method = req.method ?? 'GET';
    const [first, second, third, fourth, fifth, sixth, ...rest] = segments;
    if (first === 'JSESSION') {
      if (method === 'DELETE') {
        sessions.delete(caller.session.id);
        return { status: 200, contentType: 'text/plain;charset=UTF-8', body: '' };
      }
      if (method !== 'POST' && method !== 'GET') throw new HttpError(405, 'Method Not Allowed', 'restlet', { Allow: 'GET, POST, DELETE' });
      return { status: 200, contentType: 'text/plain;charset=UTF-8', body: caller.session.id };
    }
    if (first === 'search' && segments.length === 1) return search(req, method, query);
    if (method !== 'GET') throw new HttpError(405, 'Method Not Allowed', 'restlet', { Allow: 'GET' });
    if (first === 'services' && second === 'tokens') {
      if (third === 'issue' && segments.length === 3) {
        const now = clock();
        tokenSeq += 1;
        const token: AliasToken = { alias: randomUUID(), secret: randomBytes(48).toString('base64url').slice(0, 64), username: caller.username, expires: now + tokenLifetimeMs, id: tokenSeq, created: now };
        tokens.set(token.alias, token);
        const userIndex = [...users.keys()].indexOf(caller.username) + 1;
        return {
          status: 200,
          contentType: JSON_TYPE,
          body: JSON.stringify({ alias: token.alias, xdatUserId: userIndex, secret: token.secret, singleUse: false, estimatedExpirationTime: token.expires, timestamp: now, enabled: true, validIPAddresses: [], created: now, id: token.id, disabled: 0 }),
        };
      }
      if (third === 'validate' && fourth !== undefined && fifth !== undefined && segments.length === 5) {
        const token = tokens.get(fourth);
        if (!token || token.secret !== fifth || clock() > token.expires) throw new HttpError(401, 'Invalid token');
        return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ valid: token.username }) };
      }
      if (third === 'invalidate' && fourth !== undefined && segments.length >= 4) {
        tokens.delete(fourth);
        return { status: 200, contentType: JSON_TYPE, body: '{"result": "OK"}' };
      }
      throw new HttpError(400, `Unknown operation: ${third ?? ''}`);
    }
    if (first === 'projects') {
      if (second === undefined) {
        return listing({
          kind: 'projects',
          defaultRoot: 'xnat:projectData',
          records: archive.projects.map((value): FakeRecord => ({ kind: 'project', value })),
          uriOf: (r) => `/data/projects/${(r.value as FakeXnatProject).id}`,
          defaultColumns: ['pi_firstname', 'secondary_ID', 'pi_lastname', 'name', 'description', 'ID', 'URI'],
          addRootId: false,
        }, query, [['title', 'Projects']], 'Projects');
      }
      const p = project(second);
      if (third === undefined) return projectItem(p, query);
      if (third === 'subjects' && fourth === undefined) {
        return listing({
          kind: 'subjects',
          defaultRoot: 'xnat:subjectData',
          records: (ctx.index.subjectsByProject.get(p.id) ?? []).map((value): FakeRecord => ({ kind: 'subject', value })),
          uriOf: (r) => `/data/subjects/${(r.value as FakeXnatSubject).id}`,
          defaultColumns: ['insert_date', 'project', 'ID', 'label', 'insert_user', 'URI'],
          addRootId: false,
        }, query);
      }
      const projectExperiments = (s?: FakeXnatSubject): FakeRecord[] => [
        ...(ctx.index.sessionsByProject.get(p.id) ?? []).filter((x) => !s || x.subjectId === s.id).map((value): FakeRecord => ({ kind: 'session', value })),
        ...archive.roiCollections.filter((r) => r.project === p.id && (!s || r.subjectId === s.id)).map((value): FakeRecord => ({ kind: 'roi', value })),
      ];
      if (third === 'experiments') {
        if (fourth === undefined) return listing(experimentsSpec(projectExperiments()), query);
        const e = experimentIn(p, undefined, fourth);
        return experimentRoute(e, fourth, [fifth, sixth, ...rest].filter((x): x is string => x !== undefined), query);
      }
      if (third === 'subjects' && fourth !== undefined) {
        const s = subjectIn(p, fourth);
        if (fifth === undefined) return subjectItem(s, query);
        if (fifth === 'experiments') {
          if (sixth === undefined) return listing(experimentsSpec(projectExperiments(s)), query);
          const e = experimentIn(p, s, sixth);
          return experimentRoute(e, sixth, rest, query);
        }
      }
      throw new HttpError(404, `Unable to identify resource ${segments.join('/')}`);
    }
    if (first === 'experiments' && second !== undefined) {
      const e = experimentById(second);
      if (!e) throw new HttpError(404, `Unable to identify experiment ${second}`);
      return experimentRoute(e, second, [third, fourth, fifth, sixth, ...rest].filter((x): x is string => x !== undefined), query);
    }
    if (first === 'subjects' && second !== undefined && third === undefined) {
      const s = ctx.index.subjectById.get(second);
      if (!s) throw new HttpError(404, `Unable to identify subject ${second}`);
      return subjectItem(s, query);
    }
    throw new HttpError(404, 'The server has not found anything matching the request URI');
  };

  // -------------------------------------------------------------------------------------
  // HTTP

  const send = (res: ServerResponse, record: FakeXnatRequestRecord, response: FakeResponse, setCookie?: string): void => {
    const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
    const headers: Record<string, string> = { ...response.headers, 'Content-Length': String(body.length), 'Cache-Control': 'no-cache, no-store, must-revalidate' };
    if (response.contentType) headers['Content-Type'] = response.contentType;
    if (setCookie) headers['Set-Cookie'] = setCookie;
    record.status = response.status;
    res.writeHead(response.status, headers);
    res.end(body);
  };
  const errorResponse = (error: HttpError): FakeResponse => ({
    status: error.status,
    contentType: HTML_TYPE,
    headers: error.headers,
    body: error.status === 401 ? unauthorizedPage(error.message) : error.page === 'tomcat' ? tomcatErrorPage(error.status, error.message) : restletStatusPage(error.status, error.message),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const segments = routeSegments(url.pathname);
    const endpoint = endpointOf(segments);
    calls[endpoint] += 1;
    calls.total += 1;
    const record: FakeXnatRequestRecord = { method: req.method ?? 'GET', url: req.url ?? '/', endpoint, auth: 'none' };
    requests.push(record);
    if (requests.length > 2000) requests.shift();

    const faultIndex = faults.findIndex((f) => f.endpoint === undefined || f.endpoint === endpoint);
    const fault = faultIndex >= 0 ? faults[faultIndex]! : undefined;
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults.splice(faultIndex, 1);
    }
    if (fault?.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      req.resume();
      return;
    }
    if (fault?.kind === 'html500') {
      req.resume();
      send(res, record, { status: 500, contentType: HTML_TYPE, body: tomcatErrorPage(500, `java.lang.NullPointerException at ${url.pathname}`) });
      return;
    }
    if (fault?.kind === 'status500') {
      req.resume();
      send(res, record, { status: 500, body: '' });
      return;
    }
    if (fault?.kind === 'expireSessions') sessions.clear();

    let setCookie: string | undefined;
    let response: FakeResponse;
    try {
      if (!segments) throw new HttpError(404, 'The server has not found anything matching the request URI');
      const caller = authenticate(req);
      record.auth = caller.via;
      if (caller.newSession) setCookie = `JSESSIONID=${caller.session.id}; Path=/; HttpOnly`;
      response = await route(req, segments, url.searchParams, caller);
    } catch (error) {
      if (error instanceof HttpError) response = errorResponse(error);
      else if (error instanceof ListingError) response = errorResponse(new HttpError(error.status, error.message, error.status >= 500 ? 'tomcat' : 'restlet'));
      else response = errorResponse(new HttpError(500, error instanceof Error ? `${error.name}: ${error.message}` : String(error), 'tomcat'));
    }
    if (!req.readableEnded) req.resume();
    if (fault?.kind === 'truncatedJson') {
      const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
      response = { ...response, body: body.subarray(0, Math.max(1, Math.floor(body.length / 2))) };
    }
    send(res, record, response, setCookie);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': HTML_TYPE });
        res.end(tomcatErrorPage(500, error instanceof Error ? error.message : String(error)));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    archive,
    calls,
    requests,
    faults: {
      next(kind, faultOptions = {}) {
        faults.push({ kind, ...(faultOptions.endpoint !== undefined && { endpoint: faultOptions.endpoint }), remaining: Math.max(1, faultOptions.times ?? 1) });
      },
      clear() {
        faults.length = 0;
      },
    },
    expireAllSessions() {
      sessions.clear();
    },
    activeSessions() {
      for (const id of [...sessions.keys()]) liveSession(id);
      return sessions.size;
    },
    resetCalls() {
      for (const key of Object.keys(calls) as (keyof typeof calls)[]) calls[key] = 0;
      requests.length = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const res of hanging) res.socket?.destroy();
        hanging.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
