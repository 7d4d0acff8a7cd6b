import { ProviderBadResponseError, type AdapterDeps, type SiteConfig } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  changesSchema, instanceSchema, patientSchema, pluginsSchema, qidoSeriesSchema, seriesSchema, simplifiedTagsSchema,
  statisticsSchema, studySchema, systemSchema,
  type ChangesDto, type InstanceDto, type PatientDto, type PluginsDto, type QidoSeriesDto, type SeriesDto,
  type SimplifiedTags, type StatisticsDto, type StudyDto, type SystemDto,
} from './orthanc-dto.js';
import {
  OrthancCallFailure, OrthancCredentialsMissingError, OrthancUnsupportedFeatureError, toStatusError, toTransportError,
} from './orthanc-errors.js';

/**
 * A typed client of the Orthanc REST API (and the DICOMweb plugin's QIDO-RS): one method
 * per endpoint, each returning a zod-parsed DTO or throwing a ProviderError. Every call
 * takes the caller's AbortSignal (the site's deadline). Credentials are HTTP Basic from the
 * env vars the registry names; the Authorization header lives in a closure and is never
 * logged, nor put in an error.
 */

export type FindLevel = 'Patient' | 'Study' | 'Series' | 'Instance';

export interface ExpandedByLevel {
  Patient: PatientDto;
  Study: StudyDto;
  Series: SeriesDto;
  Instance: InstanceDto;
}

export interface FindRequest<L extends FindLevel = FindLevel> {
  readonly level: L;
  /**
   * DICOM keyword to value. Orthanc matching: `*`/`?` wildcards, `a\\b` any-of list
   * matching, `20200101-20201231` date ranges. Case-insensitive unless caseSensitive.
   */
  readonly query: Readonly<Record<string, string>>;
  readonly limit?: number;
  readonly since?: number;
  readonly caseSensitive?: boolean;
  /**
   * Extra tags to return with each expanded resource. Sent only when the server's
   * ApiVersion is >= 17 (Orthanc 1.11): older servers ignore the field silently, so the
   * caller must check `features().requestedTags` rather than expect them.
   */
  readonly requestedTags?: readonly string[];
  /**
   * Label constraint (Orthanc >= 1.12). Refused with OrthancUnsupportedFeatureError on an
   * older server rather than sent and silently ignored, which would widen the result.
   */
  readonly labels?: readonly string[];
  readonly labelsConstraint?: 'All' | 'Any' | 'None';
}

export interface PageOptions {
  readonly since?: number;
  readonly limit?: number;
}

/** What the server can do, from GET /system. */
export interface OrthancFeatures {
  readonly apiVersion: number;
  readonly version: string;
  /** `/tools/find` honours RequestedTags (ApiVersion >= 17, Orthanc 1.11). */
  readonly requestedTags: boolean;
  /** Labels exist (Orthanc >= 1.12, ApiVersion >= 20). */
  readonly labels: boolean;
}

export interface SeriesArchiveStream {
  readonly contentType: string;
  readonly body: ReadableStream<Uint8Array>;
  readonly contentLength?: number;
}

export interface OrthancClient {
  /** The base URL, without credentials. */
  readonly baseUrl: string;
  system(signal: AbortSignal): Promise<SystemDto>;
  /** GET /system, remembered for a few minutes: what find() may send. */
  features(signal: AbortSignal): Promise<OrthancFeatures>;
  plugins(signal: AbortSignal): Promise<PluginsDto>;
  statistics(signal: AbortSignal): Promise<StatisticsDto>;
  changes(options: { since: number; limit: number }, signal: AbortSignal): Promise<ChangesDto>;
  lastChange(signal: AbortSignal): Promise<ChangesDto>;
  /** POST /tools/find with Expand: the expanded resources of the level. */
  find<L extends FindLevel>(request: FindRequest<L>, signal: AbortSignal): Promise<ExpandedByLevel[L][]>;
  /** POST /tools/find without Expand: the Orthanc ids only. */
  findIds(request: FindRequest, signal: AbortSignal): Promise<string[]>;
  patients(page: PageOptions, signal: AbortSignal): Promise<PatientDto[]>;
  studies(page: PageOptions, signal: AbortSignal): Promise<StudyDto[]>;
  series(page: PageOptions, signal: AbortSignal): Promise<SeriesDto[]>;
  getPatient(id: string, signal: AbortSignal): Promise<PatientDto>;
  getStudy(id: string, signal: AbortSignal): Promise<StudyDto>;
  getSeries(id: string, signal: AbortSignal): Promise<SeriesDto>;
  /** GET /studies/{id}/series?expand */
  studySeries(id: string, signal: AbortSignal): Promise<SeriesDto[]>;
  /** GET /studies/{id}/shared-tags?simplify: tags equal in every instance of the study. */
  studySharedTags(id: string, signal: AbortSignal): Promise<SimplifiedTags>;
  /** GET /instances/{id}/simplified-tags */
  instanceSimplifiedTags(id: string, signal: AbortSignal): Promise<SimplifiedTags>;
  /** GET /series/{id}/archive: the ZIP as a stream, not buffered. */
  seriesArchive(id: string, signal: AbortSignal): Promise<SeriesArchiveStream>;
  /** GET /dicom-web/series?... (QIDO-RS, needs the dicom-web plugin). */
  qidoSeries(query: Readonly<Record<string, string | readonly string[]>>, signal: AbortSignal): Promise<QidoSeriesDto>;
}

export interface OrthancClientOptions {
  readonly baseUrl: string;
  /** HTTP Basic credentials; both or neither. */
  readonly credentials?: { readonly username: string; readonly password: string } | 'missing';
  readonly fetch: typeof fetch;
  readonly logger?: Logger;
  /** How long GET /system is reused by features(). Default 5 minutes. */
  readonly featuresTtlMs?: number;
}

/** Orthanc ids are SHA-1 based: five dash-separated groups of eight hex digits. */
const ORTHANC_ID = /^[0-9a-f]{8}(?:-[0-9a-f]{8}){4}$/;

export function isOrthancId(id: string): boolean {
  return ORTHANC_ID.test(id);
}

/** Compares Orthanc versions ("1.10.1", "mainline", "mainline-abc"): mainline is newest. */
export function orthancVersionAtLeast(version: string, major: number, minor: number): boolean {
  if (version.startsWith('mainline')) return true;
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}

export function toFeatures(system: SystemDto): OrthancFeatures {
  return {
    apiVersion: system.ApiVersion,
    version: system.Version,
    requestedTags: system.ApiVersion >= 17,
    labels: system.ApiVersion >= 20 || orthancVersionAtLeast(system.Version, 1, 12),
  };
}

type QueryValue = string | number | boolean | undefined;

function queryString(params: readonly (readonly [string, QueryValue])[]): string {
  const parts: string[] = [];
  for (const [key, value] of params) {
    if (value === false) continue;
    // Orthanc tests flags such as "expand" and "simplify" by presence only.
    parts.push(value === true || value === undefined ? key : `${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function resourceId(id: string): string {
  if (!isOrthancId(id)) throw new ProviderBadResponseError('Not an Orthanc resource id.');
  return id;
}

/** Builds a client from explicit settings (tests, tools). */
export function createOrthancClient(options: OrthancClientOptions): OrthancClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch;
  const logger = options.logger;
  const featuresTtlMs = options.featuresTtlMs ?? 300_000;
  // The header is kept in this closure only: not a property of the client object.
  const credentials = options.credentials;
  const authorization = credentials && credentials !== 'missing'
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`
    : undefined;
  let cachedFeatures: { at: number; value: OrthancFeatures } | undefined;

  async function send(
    method: 'GET' | 'POST', endpoint: string, path: string, signal: AbortSignal,
    init: { body?: string; accept: string },
  ): Promise<Response> {
    if (credentials === 'missing') throw new OrthancCredentialsMissingError();
    if (signal.aborted) throw toTransportError(signal.reason, signal, endpoint);
    const headers: Record<string, string> = { accept: init.accept };
    if (authorization) headers.authorization = authorization;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, { method, headers, body: init.body, signal, redirect: 'manual' });
    } catch (error) {
      const mapped = toTransportError(error, signal, endpoint);
      logger?.debug({ endpoint, code: mapped.code, ms: Math.round(performance.now() - started) }, 'orthanc call failed');
      throw mapped;
    }
    logger?.debug({ endpoint, status: response.status, ms: Math.round(performance.now() - started) }, 'orthanc call');
    if (response.status < 200 || response.status >= 300) {
      discard(response);
      throw toStatusError(response.status, endpoint);
    }
    return response;
  }

  async function readJson<S extends z.ZodType>(
    schema: S, method: 'GET' | 'POST', endpoint: string, path: string, signal: AbortSignal,
    init: { body?: string; accept?: string } = {},
  ): Promise<z.infer<S>> {
    const accept = init.accept ?? 'application/json';
    const response = await send(method, endpoint, path, signal, { body: init.body, accept });
    const type = response.headers.get('content-type') ?? '';
    if (!/json/i.test(type)) {
      discard(response);
      throw new ProviderBadResponseError(undefined, { cause: new OrthancCallFailure(endpoint, response.status, `content-type ${type.slice(0, 60) || 'none'}`) });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toTransportError(error, signal, endpoint);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ProviderBadResponseError(undefined, { cause: new OrthancCallFailure(endpoint, response.status, 'body is not valid JSON') });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      // Paths and issue codes only: never the values, which may be identifiers.
      const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'} ${issue.code}`).join('; ');
      throw new ProviderBadResponseError(undefined, { cause: new OrthancCallFailure(endpoint, response.status, `unexpected shape: ${issues}`) });
    }
    return parsed.data;
  }

  async function features(signal: AbortSignal): Promise<OrthancFeatures> {
    if (cachedFeatures && Date.now() - cachedFeatures.at < featuresTtlMs) return cachedFeatures.value;
    return toFeatures(await system(signal));
  }

  async function system(signal: AbortSignal): Promise<SystemDto> {
    const dto = await readJson(systemSchema, 'GET', 'GET /system', '/system', signal);
    // Every answer refreshes what find() may send, so describe() primes it.
    cachedFeatures = { at: Date.now(), value: toFeatures(dto) };
    return dto;
  }

  async function findBody(request: FindRequest, expand: boolean, signal: AbortSignal): Promise<string> {
    const body: Record<string, unknown> = { Level: request.level, Query: request.query, Expand: expand };
    if (request.limit !== undefined) body.Limit = request.limit;
    if (request.since !== undefined) body.Since = request.since;
    if (request.caseSensitive !== undefined) body.CaseSensitive = request.caseSensitive;
    const wantsTags = expand && request.requestedTags !== undefined && request.requestedTags.length > 0;
    const wantsLabels = request.labels !== undefined && request.labels.length > 0;
    if (wantsTags || wantsLabels) {
      const can = await features(signal);
      if (wantsTags && can.requestedTags) body.RequestedTags = [...request.requestedTags!];
      if (wantsLabels) {
        if (!can.labels) throw new OrthancUnsupportedFeatureError(`Labels need Orthanc 1.12 or later; this site runs ${can.version}.`);
        body.Labels = [...request.labels!];
        body.LabelsConstraint = request.labelsConstraint ?? 'Any';
      }
    }
    return JSON.stringify(body);
  }

  const expandedSchemas = {
    Patient: patientSchema.array(),
    Study: studySchema.array(),
    Series: seriesSchema.array(),
    Instance: instanceSchema.array(),
  } as const;

  const client: OrthancClient = {
    baseUrl: base,
    system,
    features,
    plugins: (signal) => readJson(pluginsSchema, 'GET', 'GET /plugins', '/plugins', signal),
    statistics: (signal) => readJson(statisticsSchema, 'GET', 'GET /statistics', '/statistics', signal),
    changes: ({ since, limit }, signal) =>
      readJson(changesSchema, 'GET', 'GET /changes', `/changes${queryString([['since', since], ['limit', limit]])}`, signal),
    lastChange: (signal) => readJson(changesSchema, 'GET', 'GET /changes?last', '/changes?last', signal),
    async find<L extends FindLevel>(request: FindRequest<L>, signal: AbortSignal): Promise<ExpandedByLevel[L][]> {
      const body = await findBody(request, true, signal);
      const schema = expandedSchemas[request.level] as unknown as z.ZodType<ExpandedByLevel[L][]>;
      return readJson(schema, 'POST', `POST /tools/find (${request.level}, expand)`, '/tools/find', signal, { body });
    },
    async findIds(request, signal) {
      const body = await findBody(request, false, signal);
      return readJson(pluginsSchema, 'POST', `POST /tools/find (${request.level})`, '/tools/find', signal, { body });
    },
    patients: (page, signal) => readJson(patientSchema.array(), 'GET', 'GET /patients?expand', `/patients${pageQuery(page)}`, signal),
    studies: (page, signal) => readJson(studySchema.array(), 'GET', 'GET /studies?expand', `/studies${pageQuery(page)}`, signal),
    series: (page, signal) => readJson(seriesSchema.array(), 'GET', 'GET /series?expand', `/series${pageQuery(page)}`, signal),
    getPatient: async (id, signal) => readJson(patientSchema, 'GET', 'GET /patients/{id}', `/patients/${resourceId(id)}`, signal),
    getStudy: async (id, signal) => readJson(studySchema, 'GET', 'GET /studies/{id}', `/studies/${resourceId(id)}`, signal),
    getSeries: async (id, signal) => readJson(seriesSchema, 'GET', 'GET /series/{id}', `/series/${resourceId(id)}`, signal),
    studySeries: async (id, signal) =>
      readJson(seriesSchema.array(), 'GET', 'GET /studies/{id}/series?expand', `/studies/${resourceId(id)}/series?expand`, signal),
    studySharedTags: async (id, signal) =>
      readJson(simplifiedTagsSchema, 'GET', 'GET /studies/{id}/shared-tags', `/studies/${resourceId(id)}/shared-tags?simplify`, signal),
    instanceSimplifiedTags: async (id, signal) =>
      readJson(simplifiedTagsSchema, 'GET', 'GET /instances/{id}/simplified-tags', `/instances/${resourceId(id)}/simplified-tags`, signal),
    async seriesArchive(id, signal) {
      const endpoint = 'GET /series/{id}/archive';
      const response = await send('GET', endpoint, `/series/${resourceId(id)}/archive`, signal, { accept: 'application/zip' });
      const type = response.headers.get('content-type') ?? '';
      if (!/^application\/zip\b/i.test(type) || !response.body) {
        discard(response);
        throw new ProviderBadResponseError(undefined, { cause: new OrthancCallFailure(endpoint, response.status, `content-type ${type.slice(0, 60) || 'none'}`) });
      }
      const length = Number(response.headers.get('content-length'));
      return {
        contentType: 'application/zip',
        body: response.body,
        ...(Number.isSafeInteger(length) && length > 0 && { contentLength: length }),
      };
    },
    qidoSeries(query, signal) {
      const params: [string, QueryValue][] = [];
      for (const [key, value] of Object.entries(query)) {
        if (typeof value === 'string') params.push([key, value]);
        else for (const item of value) params.push([key, item]);
      }
      return readJson(qidoSeriesSchema, 'GET', 'GET /dicom-web/series', `/dicom-web/series${queryString(params)}`, signal, { accept: 'application/dicom+json' });
    },
  };
  return client;
}

/** Releases a body we will not read (an error page): never awaited, it must not hold the caller. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function pageQuery(page: PageOptions): string {
  const params: [string, QueryValue][] = [['expand', true]];
  // Orthanc 1.10 refuses "limit" without "since".
  const since = page.since ?? (page.limit !== undefined ? 0 : undefined);
  if (since !== undefined) params.push(['since', since]);
  if (page.limit !== undefined) params.push(['limit', page.limit]);
  return queryString(params);
}

/**
 * The client of one registry site: base URL from `site.baseUrl`, HTTP Basic credentials
 * from the env vars NAMED by `site.credentials.username` / `.password`, read from
 * `deps.env`. A named variable that is unset makes every call fail with PROVIDER_AUTH_FAILED
 * (the site is misconfigured), without the subgraph refusing to start.
 */
export function createOrthancClientForSite(site: SiteConfig, deps: Pick<AdapterDeps, 'env' | 'fetch' | 'logger'>): OrthancClient {
  const userVar = site.credentials.username;
  const passwordVar = site.credentials.password;
  let credentials: OrthancClientOptions['credentials'];
  if (userVar !== undefined || passwordVar !== undefined) {
    const username = userVar === undefined ? undefined : deps.env[userVar];
    const password = passwordVar === undefined ? undefined : deps.env[passwordVar];
    credentials = username && password !== undefined && password !== '' ? { username, password } : 'missing';
  }
  return createOrthancClient({
    baseUrl: site.baseUrl,
    credentials,
    fetch: deps.fetch,
    logger: deps.logger.child({ site: site.id, upstream: 'orthanc' }),
  });
}
