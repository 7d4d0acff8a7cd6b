import {
  ProviderAuthError, ProviderBadResponseError, ProviderError, ProviderTimeoutError,
  type AdapterDeps, type SiteConfig,
} from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  aliasTokenSchema, experimentListSchema, projectItemSchema, projectListSchema, roiCollectionListSchema, scanListSchema,
  scanSearchSchemaFor, sessionIdSchema, subjectListSchema,
  type AliasTokenDto, type ExperimentRow, type ProjectItemDto, type ProjectRow, type ResultSet, type RoiCollectionRow,
  type ScanRow, type ScanSearchRow, type SubjectRow,
} from './xnat-dto.js';
import {
  XnatCallFailure, XnatCredentialsMissingError, XnatSearchUnavailableError, badResponse, toStatusError, toTransportError,
} from './xnat-errors.js';
import { abortable } from './xnat-async.js';
import { SCAN_DATA_TYPE } from './xnat-scan-types.js';

/**
 * A typed client of the XNAT 1.8 REST API (/data/...): one method per endpoint, each
 * returning a zod-parsed DTO or throwing a ProviderError. Every call takes the caller's
 * AbortSignal (the site's deadline) and goes through the injected `fetch` (msw intercepts
 * global fetch in tests).
 *
 * Sessions: the first call logs in (POST /data/JSESSION with HTTP Basic username:password,
 * or alias:secret for an alias token) and keeps the JSESSIONID; later calls send only the
 * cookie. XNAT's session idles out (15 minutes by default); an expired session answers 401,
 * a 302 to the login page, or a 200 text/html login page. On any of these the client logs
 * in again ONCE and repeats the call; a second refusal is PROVIDER_AUTH_FAILED. Concurrent
 * calls share one login in flight, and calls that saw the same session expire share one
 * re-login. The Basic header and the session id live in this closure only: never logged,
 * never in an error, never a property of the client object.
 */

export type XnatCredentials =
  | { readonly kind: 'password'; readonly username: string; readonly password: string }
  | { readonly kind: 'alias'; readonly alias: string; readonly secret: string };

export interface XnatClientOptions {
  /** The XNAT root URL (the client appends /data/...). */
  readonly baseUrl: string;
  /** Omitted: anonymous (guest) access. 'missing': named env vars unset, every call fails. */
  readonly credentials?: XnatCredentials | 'missing';
  readonly fetch: typeof fetch;
  readonly logger?: Logger;
}

export interface XnatArchiveStream {
  readonly contentType: string;
  readonly body: ReadableStream<Uint8Array>;
  readonly contentLength?: number;
}

export interface XnatClient {
  /** The base URL, without credentials. */
  readonly baseUrl: string;
  /** How many logins (POST /data/JSESSION) this client has made; for tests and metrics. */
  readonly loginCount: number;
  /** Logs in now (otherwise done lazily by the first call). */
  login(signal: AbortSignal): Promise<void>;
  /** DELETE /data/JSESSION: ends the session, if any. Never throws. */
  logout(signal: AbortSignal): Promise<void>;
  /** GET /data/services/tokens/issue: an alias token for the logged-in account. */
  issueToken(signal: AbortSignal): Promise<AliasTokenDto>;
  /** GET /data/projects?format=json */
  listProjects(signal: AbortSignal): Promise<ResultSet<ProjectRow>>;
  /** GET /data/projects/{p}?format=json (the items form) */
  getProject(projectId: string, signal: AbortSignal): Promise<ProjectItemDto>;
  /** GET /data/projects/{p}/subjects?format=json&columns=... */
  listSubjects(projectId: string, signal: AbortSignal): Promise<ResultSet<SubjectRow>>;
  /** GET /data/projects/{p}/experiments?format=json&xsiType=xnat:imageSessionData&columns=... */
  listExperiments(projectId: string, signal: AbortSignal): Promise<ResultSet<ExperimentRow>>;
  /** GET /data/experiments/{id}/scans?format=json&columns=... */
  listScans(experimentId: string, signal: AbortSignal): Promise<ResultSet<ScanRow>>;
  /** GET /data/experiments/{id}/assessors?format=json&xsiType=icr:roiCollectionData&columns=... */
  listRoiCollections(experimentId: string, signal: AbortSignal): Promise<ResultSet<RoiCollectionRow>>;
  /**
   * POST /data/search?format=json rooted at one concrete scan data type (xnat:ctScanData...):
   * the project's scans of that type. Throws XnatSearchUnavailableError when the site
   * refuses the search, fails it (5xx: no display document for the type), answers HTML,
   * or answers rows without the asked fields.
   */
  searchScans(projectId: string, scanType: string, signal: AbortSignal, options?: ScanSearchOptions): Promise<ResultSet<ScanSearchRow>>;
  /** GET /data/experiments/{id}/scans/{scan}/resources/DICOM/files?format=zip, streamed. */
  scanArchive(experimentId: string, scanId: string, signal: AbortSignal): Promise<XnatArchiveStream>;
}

/** The columns each list call asks for (see docs/xnat.md). */
export const SUBJECT_COLUMNS = ['ID', 'gender', 'age', 'dob', 'yob'] as const;
export const EXPERIMENT_COLUMNS = ['ID', 'date', 'xsiType', 'subject_ID', 'UID'] as const;
export const SCAN_COLUMNS = [
  'ID', 'xsiType', 'type', 'series_description', 'UID', 'modality', 'frames', 'quality',
  'xnat:imageScanData/bodyPartExamined', 'xnat:imageScanData/scanner/manufacturer',
] as const;
export const ROI_COLUMNS = [
  'ID', 'label', 'xsiType', 'session_ID', 'icr:roiCollectionData/collectionType', 'icr:roiCollectionData/references/seriesUID',
] as const;

/**
 * What a scan search asks of its root type T: display fields of T's display document
 * (xnat-web `xnat_<type>_display.xml`: ID, SESSION_ID, MODALITY, BODYPARTEXAMINED,
 * SCANNER_MANUFACTURER). A field XNAT cannot resolve is dropped from the answer, not an
 * error. The subject and date of each scan's session come from the experiments listing,
 * so no SUBJECT_ID or <MR|CT|PET>_DATE is asked (the date field's name differs by type).
 */
export const SCAN_SEARCH_FIELDS: readonly string[] = ['ID', 'SESSION_ID', 'MODALITY', 'BODYPARTEXAMINED', 'SCANNER_MANUFACTURER'];

export interface ScanSearchOptions {
  /**
   * Also name the body part by xpath (`T/bodyPartExamined`, answered as
   * `xnat_col_<type>bodypartexamined`), for a type whose display document lacks
   * BODYPARTEXAMINED (xnat:segScanData's does).
   */
  readonly bodyPartByXpath?: boolean;
}

/** The field_IDs of a search rooted at `scanType`, in sequence order. */
export function scanSearchFieldIds(scanType: string, options: ScanSearchOptions = {}): string[] {
  return [...SCAN_SEARCH_FIELDS, ...(options.bodyPartByXpath ? [`${scanType}/bodyPartExamined`] : [])];
}

/**
 * The criteria that restrict a scan search to one project, as XNAT's own listings do: the
 * project that owns the scan's session, OR a project the session is shared into. Criteria
 * are schema xpaths, so the abstract session type works here (unlike as a root).
 */
const SEARCH_PROJECT_FIELDS: readonly string[] = ['xnat:imageSessionData/PROJECT', 'xnat:imageSessionData/sharing/share/project'];

/** XNAT ids (projects, subjects, experiments, assessors) and scan ids: no path syntax. */
const XNAT_ID = /^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$/;

export function isXnatId(value: string): boolean {
  return XNAT_ID.test(value);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function isScanDataType(value: string): boolean {
  return SCAN_DATA_TYPE.test(value);
}

/**
 * The xdat:bundle stored-search document for the scans of one type in one project, in the
 * form pyxnat and xnatpy post (test/adapter/fixtures/search-bundle-ct-scans.xml).
 */
export function buildScanSearchBundle(scanType: string, projectId: string, options: ScanSearchOptions = {}): string {
  if (!isScanDataType(scanType)) throw new ProviderBadResponseError('Not an XNAT scan data type.');
  const fields = scanSearchFieldIds(scanType, options).map((id, index) =>
    `  <xdat:search_field><xdat:element_name>${scanType}</xdat:element_name><xdat:field_ID>${id}</xdat:field_ID>`
    + `<xdat:sequence>${index}</xdat:sequence><xdat:type>string</xdat:type><xdat:header>${id}</xdat:header></xdat:search_field>\n`).join('');
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<xdat:bundle xmlns:xdat="http://nrg.wustl.edu/security" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="@${scanType}" brief-description="cig-cohort" description="" allow-diff-columns="0" secure="false">\n`
    + `  <xdat:root_element_name>${scanType}</xdat:root_element_name>\n`
    + fields
    + '  <xdat:search_where method="OR">\n'
    + SEARCH_PROJECT_FIELDS.map((field) =>
      `    <xdat:criteria override_value_formatting="0"><xdat:schema_field>${field}</xdat:schema_field>`
      + `<xdat:comparison_type>=</xdat:comparison_type><xdat:value>${escapeXml(projectId)}</xdat:value></xdat:criteria>\n`).join('')
    + '  </xdat:search_where>\n'
    + '</xdat:bundle>\n';
}

/** Where XNAT sends a browser whose session expired. */
const LOGIN_LOCATION = /\/(login|app\/template\/Login\.vm|app\/action\/LoginAction)\b/i;
/** Markers of XNAT's login screen in an HTML body. */
const LOGIN_PAGE = /(id=["']login_form["']|action=["'][^"']*\/login["']|name=["']password["'])/i;
/** How much of an HTML body is read to tell a login page from an error page. */
const HTML_SNIFF_BYTES = 64 * 1024;

type Expect = 'json' | 'text' | 'zip';

interface CallSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Identifier-free endpoint template for logs and causes: "GET /data/experiments/{id}/scans". */
  readonly endpoint: string;
  readonly path: string;
  readonly expect: Expect;
  readonly body?: string;
  readonly contentType?: string;
  /** Search calls: a refusal or an unexpected shape means "search unavailable", not an error. */
  readonly search?: boolean;
}

/** What one HTTP exchange gave: a usable response, or a sign the session expired. */
type Outcome = { readonly kind: 'ok'; readonly response: Response } | { readonly kind: 'expired'; readonly status: number };

/** Builds a client from explicit settings (tests, tools). */
export function createXnatClient(options: XnatClientOptions): XnatClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch;
  const logger = options.logger;
  const credentials = options.credentials;
  // Kept in this closure only.
  const basic = credentials && credentials !== 'missing'
    ? `Basic ${Buffer.from(credentials.kind === 'password' ? `${credentials.username}:${credentials.password}` : `${credentials.alias}:${credentials.secret}`, 'utf8').toString('base64')}`
    : undefined;
  let session: string | undefined;
  let loginInFlight: Promise<string> | undefined;
  let logins = 0;

  function url(path: string): string {
    return `${base}${path}`;
  }

  async function rawFetch(spec: Pick<CallSpec, 'method' | 'endpoint' | 'body' | 'contentType'>, path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    if (signal.aborted) throw toTransportError(signal.reason, signal, spec.endpoint);
    const started = performance.now();
    try {
      const response = await fetchImpl(url(path), {
        method: spec.method,
        headers: spec.contentType ? { ...headers, 'content-type': spec.contentType } : headers,
        body: spec.body,
        signal,
        redirect: 'manual',
      });
      logger?.debug({ endpoint: spec.endpoint, status: response.status, ms: Math.round(performance.now() - started) }, 'xnat call');
      return response;
    } catch (error) {
      const mapped = toTransportError(error, signal, spec.endpoint);
      logger?.debug({ endpoint: spec.endpoint, code: mapped.code, ms: Math.round(performance.now() - started) }, 'xnat call failed');
      throw mapped;
    }
  }

  /** POST /data/JSESSION with Basic auth: the new session id. */
  async function doLogin(signal: AbortSignal): Promise<string> {
    const endpoint = 'POST /data/JSESSION';
    logins += 1;
    const response = await rawFetch({ method: 'POST', endpoint }, '/data/JSESSION', { authorization: basic!, accept: 'text/plain' }, signal);
    if (response.status === 401 || response.status === 403) {
      discard(response);
      throw new ProviderAuthError(undefined, { cause: new XnatCallFailure(endpoint, response.status, 'login refused') });
    }
    if (response.status >= 300 && response.status < 400) {
      // A redirect to a login or SSO page: the credentials were not taken.
      discard(response);
      throw new ProviderAuthError(undefined, { cause: new XnatCallFailure(endpoint, response.status, 'login redirected') });
    }
    if (response.status < 200 || response.status >= 300) {
      discard(response);
      throw toStatusError(response.status, endpoint);
    }
    const fromCookie = sessionCookie(response);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toTransportError(error, signal, endpoint);
    }
    const id = fromCookie ?? text.trim();
    const parsed = sessionIdSchema.safeParse(id);
    if (!parsed.success) {
      // An HTML login page instead of a session id: the credentials were not taken.
      if (/html/i.test(response.headers.get('content-type') ?? '') || LOGIN_PAGE.test(text)) {
        throw new ProviderAuthError(undefined, { cause: new XnatCallFailure(endpoint, response.status, 'login page instead of a session') });
      }
      throw badResponse(endpoint, response.status, 'no session id');
    }
    return parsed.data;
  }

  /** The current session, logging in when there is none; concurrent callers share one login. */
  async function currentSession(signal: AbortSignal): Promise<string | undefined> {
    if (credentials === 'missing') throw new XnatCredentialsMissingError();
    if (!basic) return undefined;
    for (;;) {
      if (session) return session;
      if (!loginInFlight) {
        const attempt: Promise<string> = doLogin(signal).then((id) => {
          session = id;
          return id;
        }).finally(() => {
          if (loginInFlight === attempt) loginInFlight = undefined;
        });
        loginInFlight = attempt;
      }
      try {
        return await abortable(loginInFlight, signal);
      } catch (error) {
        if (signal.aborted) throw toTransportError(signal.reason, signal, 'POST /data/JSESSION');
        // Another caller's login hit that caller's deadline: ours still runs, try again.
        if (error instanceof ProviderTimeoutError) continue;
        throw error;
      }
    }
  }

  /** Forgets a session that expired, unless another caller already replaced it. */
  function expire(id: string | undefined): void {
    if (id !== undefined && session === id) session = undefined;
  }

  /** One exchange: a usable response, or 'expired' (401, redirect to login, HTML login page). */
  async function exchange(spec: CallSpec, id: string | undefined, signal: AbortSignal): Promise<Outcome> {
    const headers: Record<string, string> = {
      accept: spec.expect === 'json' ? 'application/json' : spec.expect === 'zip' ? 'application/zip' : 'text/plain',
    };
    // With credentials there is always a session here; without, the call is anonymous.
    if (id) headers.cookie = `JSESSIONID=${id}`;
    const response = await rawFetch(spec, spec.path, headers, signal);
    const status = response.status;
    if (status === 401) {
      discard(response);
      return { kind: 'expired', status };
    }
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location') ?? '';
      discard(response);
      if (LOGIN_LOCATION.test(location)) return { kind: 'expired', status };
      throw badResponse(spec.endpoint, status, 'unexpected redirect');
    }
    if (status >= 200 && status < 300 && spec.expect !== 'text' && /html/i.test(response.headers.get('content-type') ?? '')) {
      const head = await readHead(response, signal, spec.endpoint);
      if (LOGIN_PAGE.test(head)) return { kind: 'expired', status };
      if (spec.search) throw new XnatSearchUnavailableError({ cause: new XnatCallFailure(spec.endpoint, status, 'HTML instead of results') });
      throw badResponse(spec.endpoint, status, 'HTML instead of data');
    }
    return { kind: 'ok', response };
  }

  /** Sends a call with the session, re-logging in once if the session expired. */
  async function send(spec: CallSpec, signal: AbortSignal): Promise<Response> {
    let id = await currentSession(signal);
    let outcome = await exchange(spec, id, signal);
    if (outcome.kind === 'expired' && basic) {
      logger?.debug({ endpoint: spec.endpoint, status: outcome.status }, 'xnat session expired; logging in again');
      expire(id);
      id = await currentSession(signal);
      outcome = await exchange(spec, id, signal);
    }
    if (outcome.kind === 'expired') {
      expire(id);
      if (spec.search && outcome.status !== 401) {
        throw new XnatSearchUnavailableError({ cause: new XnatCallFailure(spec.endpoint, outcome.status, 'login page after a fresh login') });
      }
      throw new ProviderAuthError(undefined, { cause: new XnatCallFailure(spec.endpoint, outcome.status, 'refused after a fresh login') });
    }
    const response = outcome.response;
    if (response.status < 200 || response.status >= 300) {
      discard(response);
      // A refusal (disabled, restricted, not this document) or a failure (5xx: XNAT has no
      // display document for the root type and fails the search) both mean: list instead.
      if (spec.search && ([400, 403, 404, 405, 422].includes(response.status) || response.status >= 500)) {
        throw new XnatSearchUnavailableError({ cause: new XnatCallFailure(spec.endpoint, response.status, response.status >= 500 ? 'search failed' : 'search refused') });
      }
      throw toStatusError(response.status, spec.endpoint);
    }
    return response;
  }

  async function readJson<S extends z.ZodType>(schema: S, spec: CallSpec, signal: AbortSignal): Promise<z.infer<S>> {
    const response = await send(spec, signal);
    const type = response.headers.get('content-type') ?? '';
    if (!/json/i.test(type)) {
      discard(response);
      if (spec.search) throw new XnatSearchUnavailableError({ cause: new XnatCallFailure(spec.endpoint, response.status, `content-type ${type.slice(0, 60) || 'none'}`) });
      throw badResponse(spec.endpoint, response.status, `content-type ${type.slice(0, 60) || 'none'}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toTransportError(error, signal, spec.endpoint);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw badResponse(spec.endpoint, response.status, 'body is not valid JSON');
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      // Paths and issue codes only: never the values, which may be identifiers.
      const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'} ${issue.code}`).join('; ');
      const cause = new XnatCallFailure(spec.endpoint, response.status, `unexpected shape: ${issues}`);
      if (spec.search) throw new XnatSearchUnavailableError({ cause });
      throw new ProviderBadResponseError(undefined, { cause });
    }
    return parsed.data;
  }

  async function readResultSet<T>(schema: z.ZodType<{ ResultSet: { Result: T[]; totalRecords?: number | undefined } }>, spec: CallSpec, signal: AbortSignal): Promise<ResultSet<T>> {
    const dto = await readJson(schema, spec, signal);
    const set = dto.ResultSet;
    return set.totalRecords === undefined ? { rows: set.Result } : { rows: set.Result, totalRecords: set.totalRecords };
  }

  function id(value: string, what: string): string {
    if (!isXnatId(value)) throw new ProviderBadResponseError(`Not an XNAT ${what} id.`);
    return encodeURIComponent(value);
  }

  function columns(list: readonly string[]): string {
    return encodeURIComponent(list.join(','));
  }

  function searchScans(projectId: string, scanType: string, signal: AbortSignal, options: ScanSearchOptions = {}): Promise<ResultSet<ScanSearchRow>> {
    if (!isXnatId(projectId)) throw new ProviderBadResponseError('Not an XNAT project id.');
    return readResultSet(scanSearchSchemaFor(scanType), {
      method: 'POST', endpoint: `POST /data/search (${scanType})`, path: '/data/search?format=json', expect: 'json',
      body: buildScanSearchBundle(scanType, projectId, options), contentType: 'text/xml', search: true,
    }, signal);
  }

  const client: XnatClient = {
    baseUrl: base,
    get loginCount() {
      return logins;
    },
    async login(signal) {
      await currentSession(signal);
    },
    async logout(signal) {
      const current = session;
      session = undefined;
      if (!current) return;
      try {
        const response = await rawFetch({ method: 'DELETE', endpoint: 'DELETE /data/JSESSION' }, '/data/JSESSION', { cookie: `JSESSIONID=${current}` }, signal);
        discard(response);
      } catch (error) {
        logger?.debug({ endpoint: 'DELETE /data/JSESSION', code: error instanceof ProviderError ? error.code : 'unknown' }, 'xnat logout failed');
      }
    },
    issueToken: (signal) => readJson(aliasTokenSchema, {
      method: 'GET', endpoint: 'GET /data/services/tokens/issue', path: '/data/services/tokens/issue', expect: 'json',
    }, signal),
    listProjects: (signal) => readResultSet(projectListSchema, {
      method: 'GET', endpoint: 'GET /data/projects', path: '/data/projects?format=json', expect: 'json',
    }, signal),
    getProject: async (projectId, signal) => readJson(projectItemSchema, {
      method: 'GET', endpoint: 'GET /data/projects/{p}', path: `/data/projects/${id(projectId, 'project')}?format=json`, expect: 'json',
    }, signal),
    listSubjects: async (projectId, signal) => readResultSet(subjectListSchema, {
      method: 'GET', endpoint: 'GET /data/projects/{p}/subjects',
      path: `/data/projects/${id(projectId, 'project')}/subjects?format=json&columns=${columns(SUBJECT_COLUMNS)}`, expect: 'json',
    }, signal),
    listExperiments: async (projectId, signal) => readResultSet(experimentListSchema, {
      method: 'GET', endpoint: 'GET /data/projects/{p}/experiments',
      path: `/data/projects/${id(projectId, 'project')}/experiments?format=json&xsiType=${encodeURIComponent('xnat:imageSessionData')}&columns=${columns(EXPERIMENT_COLUMNS)}`,
      expect: 'json',
    }, signal),
    listScans: async (experimentId, signal) => readResultSet(scanListSchema, {
      method: 'GET', endpoint: 'GET /data/experiments/{id}/scans',
      path: `/data/experiments/${id(experimentId, 'experiment')}/scans?format=json&columns=${columns(SCAN_COLUMNS)}`, expect: 'json',
    }, signal),
    listRoiCollections: async (experimentId, signal) => readResultSet(roiCollectionListSchema, {
      method: 'GET', endpoint: 'GET /data/experiments/{id}/assessors',
      path: `/data/experiments/${id(experimentId, 'experiment')}/assessors?format=json&xsiType=${encodeURIComponent('icr:roiCollectionData')}&columns=${columns(ROI_COLUMNS)}`,
      expect: 'json',
    }, signal),
    searchScans: async (projectId, scanType, signal, options) => searchScans(projectId, scanType, signal, options),
    async scanArchive(experimentId, scanId, signal) {
      const endpoint = 'GET /data/experiments/{id}/scans/{scan}/resources/DICOM/files';
      const response = await send({
        method: 'GET', endpoint,
        path: `/data/experiments/${id(experimentId, 'experiment')}/scans/${id(scanId, 'scan')}/resources/DICOM/files?format=zip`,
        expect: 'zip',
      }, signal);
      const type = response.headers.get('content-type') ?? '';
      if (!/^application\/(zip|x-zip-compressed)\b/i.test(type) || !response.body) {
        discard(response);
        throw badResponse(endpoint, response.status, `content-type ${type.slice(0, 60) || 'none'}`);
      }
      const length = Number(response.headers.get('content-length'));
      return {
        contentType: 'application/zip',
        body: response.body,
        ...(Number.isSafeInteger(length) && length > 0 && { contentLength: length }),
      };
    },
  };
  return client;
}

/** The JSESSIONID a response sets, if any. */
function sessionCookie(response: Response): string | undefined {
  const headers = response.headers as Headers & { getSetCookie?: () => string[] };
  const cookies = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [response.headers.get('set-cookie') ?? ''];
  for (const cookie of cookies) {
    const match = /(?:^|[;,]\s*)JSESSIONID=([^;,\s]+)/.exec(cookie);
    if (match) return match[1];
  }
  return undefined;
}

/** Reads up to HTML_SNIFF_BYTES of a body as text, then releases the rest. */
async function readHead(response: Response, signal: AbortSignal, endpoint: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < HTML_SNIFF_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    throw toTransportError(error, signal, endpoint);
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text;
}

/** Releases a body we will not read: never awaited, it must not hold the caller. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * The client of one registry site: base URL from `site.baseUrl`; credentials from the env
 * vars NAMED by `site.credentials.username`/`.password` (JSESSION login), or by
 * `site.credentials.alias`/`.secret` (an alias token, used the same way). A named variable
 * that is unset makes every call fail with PROVIDER_AUTH_FAILED; naming none means
 * anonymous (guest) access.
 */
export function createXnatClientForSite(site: SiteConfig, deps: Pick<AdapterDeps, 'env' | 'fetch' | 'logger'>): XnatClient {
  const named = site.credentials;
  let credentials: XnatClientOptions['credentials'];
  const read = (name: string | undefined) => (name === undefined ? undefined : deps.env[name]);
  if (named.alias !== undefined || named.secret !== undefined) {
    const alias = read(named.alias);
    const secret = read(named.secret);
    credentials = alias && secret ? { kind: 'alias', alias, secret } : 'missing';
  } else if (named.username !== undefined || named.password !== undefined) {
    const username = read(named.username);
    const password = read(named.password);
    credentials = username && password ? { kind: 'password', username, password } : 'missing';
  }
  return createXnatClient({
    baseUrl: site.baseUrl,
    ...(credentials !== undefined && { credentials }),
    fetch: deps.fetch,
    logger: deps.logger.child({ site: site.id, upstream: 'xnat' }),
  });
}
