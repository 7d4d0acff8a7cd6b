import { createServer } from 'node:net';
import { ProviderError } from '@cancer-imaging/provider-kit';
import { delay, http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrthancClient, createOrthancClientForSite, OrthancCredentialsMissingError, OrthancNotFoundError,
  OrthancUnsupportedFeatureError, type OrthancClient,
} from '../../src/adapter/index.js';
import { dicomJsonString } from '../../src/adapter/orthanc-dto.js';
import { capturingLogger, fixture, fixtureText, orthancSite, PASSWORD_VAR, USER_VAR } from './support/helpers.js';

// Unit tests of the Orthanc REST client against msw handlers that answer with responses
// recorded from a real Orthanc 1.10.1 (test/adapter/fixtures, see its README).

const BASE = 'http://orthanc.test:8042';
const USER = 'cig-reader';
const PASSWORD = 's3cret-Pa55word!';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const STUDY_ID = 'c61b0b1a-91bd5bfb-d80d7bf2-95b7047e-9edfe9d6';
const INSTANCE_ID = 'ccd26ac3-1af33f3d-0df06c91-20619aea-34bff8fd';
const SERIES_ID = '57eaf5dd-4e14149b-e845f426-c8d4861c-e0741077';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const json = (name: string, status = 200) => () => new HttpResponse(fixtureText(name), { status, headers: { 'content-type': 'application/json' } });
const signal = () => new AbortController().signal;

function client(options: { logger?: ReturnType<typeof capturingLogger>['logger'] } = {}): OrthancClient {
  return createOrthancClient({
    baseUrl: `${BASE}/`,
    credentials: { username: USER, password: PASSWORD },
    fetch: (...args) => globalThis.fetch(...args),
    ...(options.logger && { logger: options.logger }),
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

/** Everything an error carries, cause chain included, as text. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.name, current.message, current.stack ?? '');
    current = current.cause;
  }
  return parts.join('\n');
}

describe('Orthanc client: DTOs parsed from recorded Orthanc 1.10.1 responses', () => {
  it('reads /system, /plugins, /statistics and /changes', async () => {
    server.use(
      http.get(`${BASE}/system`, json('system.json')),
      http.get(`${BASE}/plugins`, json('plugins.json')),
      http.get(`${BASE}/statistics`, json('statistics.json')),
      http.get(`${BASE}/changes`, ({ request }) => {
        const url = new URL(request.url);
        return (url.searchParams.has('last') ? json('changes-last.json') : json('changes-since-0-limit-5.json'))();
      }),
    );
    const orthanc = client();
    expect(await orthanc.system(signal())).toMatchObject({ ApiVersion: 16, Version: '1.10.1', PluginsEnabled: true });
    expect(await orthanc.plugins(signal())).toContain('dicom-web');
    expect(await orthanc.statistics(signal())).toMatchObject({ CountPatients: 4, CountStudies: 4, CountSeries: 5, CountInstances: 5 });
    const changes = await orthanc.changes({ since: 0, limit: 5 }, signal());
    expect(changes.Changes.map((c) => c.ChangeType)).toContain('NewStudy');
    expect(changes.Done).toBe(false);
    expect((await orthanc.lastChange(signal())).Done).toBe(true);
  });

  it('parses expanded studies and strips direct identifiers at the boundary', async () => {
    server.use(
      http.post(`${BASE}/tools/find`, json('find-study-expand.json')),
      http.get(`${BASE}/studies/${STUDY_ID}`, json('study.json')),
      http.get(`${BASE}/studies`, json('studies-expand-page.json')),
    );
    const orthanc = client();
    const studies = await orthanc.find({ level: 'Study', query: {} }, signal());
    expect(studies).toHaveLength(4);
    const ct1 = studies.find((study) => study.PatientMainDicomTags.PatientID === '1CT1');
    expect(ct1?.MainDicomTags.InstitutionName).toBe('JFK IMAGING CENTER');
    const text = JSON.stringify(studies);
    // PatientName, AccessionNumber and ReferringPhysicianName are in the response, not in the DTO.
    expect(fixtureText('find-study-expand.json')).toContain('CompressedSamples^CT1');
    for (const forbidden of ['CompressedSamples', 'PatientName', 'AccessionNumber', 'ReferringPhysicianName']) expect(text).not.toContain(forbidden);
    const study = await orthanc.getStudy(STUDY_ID, signal());
    expect(study.MainDicomTags).toMatchObject({ StudyInstanceUID: '2.25.1', StudyDate: '20200101', StudyDescription: 'LUNG baseline' });
    expect(study.Series).toHaveLength(2);
    expect(await orthanc.studies({ since: 0, limit: 2 }, signal())).toHaveLength(2);
  });

  it('parses expanded series, ids, a study\'s series and patients', async () => {
    server.use(
      http.post(`${BASE}/tools/find`, async ({ request }) => {
        const body = (await request.json()) as { Expand: boolean };
        return (body.Expand ? json('find-series-expand.json') : json('find-series-ids.json'))();
      }),
      http.get(`${BASE}/studies/${STUDY_ID}/series`, json('study-series-expand.json')),
      http.get(`${BASE}/patients`, json('patients-expand.json')),
    );
    const orthanc = client();
    const series = await orthanc.find({ level: 'Series', query: {} }, signal());
    expect(series.map((s) => s.MainDicomTags.Modality).sort()).toEqual(['CT', 'CT', 'MR', 'RTSTRUCT', 'RTSTRUCT']);
    expect(JSON.stringify(series)).not.toContain('OperatorsName');
    expect(await orthanc.findIds({ level: 'Series', query: { Modality: 'MR\\CT' } }, signal())).toHaveLength(3);
    const studySeries = await orthanc.studySeries(STUDY_ID, signal());
    expect(studySeries.map((s) => s.MainDicomTags.SeriesInstanceUID).sort()).toEqual(['2.25.1.1', '2.25.1.2']);
    const patients = await orthanc.patients({}, signal());
    expect(patients.map((p) => p.MainDicomTags.PatientID)).toContain('P1');
  });

  it('parses simplified and shared tags, sequences included', async () => {
    server.use(
      http.get(`${BASE}/instances/${INSTANCE_ID}/simplified-tags`, json('instance-rtstruct-simplified-tags.json')),
      http.get(`${BASE}/studies/${STUDY_ID}/shared-tags`, ({ request }) => {
        expect(new URL(request.url).searchParams.has('simplify')).toBe(true);
        return json('study-shared-tags.json')();
      }),
    );
    const orthanc = client();
    const tags = await orthanc.instanceSimplifiedTags(INSTANCE_ID, signal());
    expect(tags.Modality).toBe('RTSTRUCT');
    expect(Array.isArray(tags.ReferencedFrameOfReferenceSequence)).toBe(true);
    const shared = await orthanc.studySharedTags(STUDY_ID, signal());
    expect(shared.ClinicalTrialProtocolID).toBe('LUNG-1');
    // The CT has PatientAge and the RTSTRUCT does not: shared tags lose it.
    expect(shared.PatientAge).toBeUndefined();
  });

  it('parses QIDO-RS series (application/dicom+json) from the DICOMweb plugin', async () => {
    server.use(http.get(`${BASE}/dicom-web/series`, ({ request }) => {
      const url = new URL(request.url);
      expect(url.searchParams.get('StudyInstanceUID')).toBe('2.25.1');
      expect(url.searchParams.getAll('includefield')).toEqual(['0008103E', '00080070']);
      expect(request.headers.get('accept')).toBe('application/dicom+json');
      return new HttpResponse(fixtureText('qido-series.json'), { headers: { 'content-type': 'application/dicom+json' } });
    }));
    const series = await client().qidoSeries({ StudyInstanceUID: '2.25.1', includefield: ['0008103E', '00080070'] }, signal());
    expect(series.map((s) => dicomJsonString(s, '0020000E')).sort()).toEqual(['2.25.1.1', '2.25.1.2']);
    expect(series.map((s) => dicomJsonString(s, '00201209'))).toEqual(['1', '1']);
  });

  it('streams a series archive without buffering it', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);
    server.use(http.get(`${BASE}/series/${SERIES_ID}/archive`, () => new HttpResponse(zip, { headers: { 'content-type': 'application/zip' } })));
    const archive = await client().seriesArchive(SERIES_ID, signal());
    expect(archive.contentType).toBe('application/zip');
    const bytes = new Uint8Array(await new Response(archive.body).arrayBuffer());
    expect([...bytes.slice(0, 2)]).toEqual([0x50, 0x4b]);
  });

  it('refuses a resource id that is not an Orthanc id before calling', async () => {
    const error = await failure(client().getSeries('../system', signal()));
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
  });
});

describe('Orthanc client: failures map to the kit\'s ProviderError codes', () => {
  const cases: { name: string; respond: () => Response | Promise<Response>; code: string }[] = [
    { name: '401 Unauthorized → PROVIDER_AUTH_FAILED', respond: () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="Orthanc Secure Area"' } }), code: 'PROVIDER_AUTH_FAILED' },
    { name: '403 Forbidden → PROVIDER_AUTH_FAILED', respond: () => new HttpResponse(null, { status: 403 }), code: 'PROVIDER_AUTH_FAILED' },
    {
      name: 'an HTML 500 page from a proxy → PROVIDER_BAD_RESPONSE',
      respond: () => new HttpResponse(`<html><body><h1>500 Internal Server Error</h1><p>upstream ${BASE}/system PatientName=DOE^JANE</p></body></html>`, { status: 500, headers: { 'content-type': 'text/html' } }),
      code: 'PROVIDER_BAD_RESPONSE',
    },
    { name: 'an HTML page with status 200 → PROVIDER_BAD_RESPONSE', respond: () => new HttpResponse('<html>login</html>', { headers: { 'content-type': 'text/html' } }), code: 'PROVIDER_BAD_RESPONSE' },
    { name: 'truncated JSON → PROVIDER_BAD_RESPONSE', respond: () => new HttpResponse(fixtureText('system.json').slice(0, 60), { headers: { 'content-type': 'application/json' } }), code: 'PROVIDER_BAD_RESPONSE' },
    { name: 'JSON of the wrong shape → PROVIDER_BAD_RESPONSE', respond: () => HttpResponse.json({ ApiVersion: 'sixteen', Version: 1 }), code: 'PROVIDER_BAD_RESPONSE' },
    { name: 'Orthanc\'s JSON 500 error → PROVIDER_BAD_RESPONSE', respond: () => HttpResponse.json({ HttpError: 'Internal Server Error', HttpStatus: 500 }, { status: 500 }), code: 'PROVIDER_BAD_RESPONSE' },
    { name: 'a 503 from a proxy → PROVIDER_BAD_RESPONSE', respond: () => new HttpResponse('busy', { status: 503 }), code: 'PROVIDER_BAD_RESPONSE' },
    { name: 'a network error (connection refused) → PROVIDER_UNAVAILABLE', respond: () => HttpResponse.error(), code: 'PROVIDER_UNAVAILABLE' },
  ];

  for (const { name, respond, code } of cases) {
    it(name, async () => {
      server.use(http.get(`${BASE}/system`, respond));
      const error = await failure(client().system(signal()));
      expect(error.code).toBe(code);
      // Our message only: no upstream body, URL or identifier.
      expect(error.message).not.toMatch(/orthanc\.test|http:|<html|DOE|JANE|sixteen/i);
    });
  }

  it('maps Orthanc\'s 400 answer to PROVIDER_BAD_RESPONSE without its details', async () => {
    server.use(http.post(`${BASE}/tools/find`, json('error-400-find.json', 400)));
    const error = await failure(client().findIds({ level: 'Study', query: { PatientAge: '*' } }, signal()));
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(errorText(error)).not.toContain('Wildcards');
  });

  it('maps 404 to OrthancNotFoundError (a PROVIDER_BAD_RESPONSE)', async () => {
    server.use(http.get(`${BASE}/series/${SERIES_ID}`, () => new HttpResponse(null, { status: 404 })));
    const error = await failure(client().getSeries(SERIES_ID, signal()));
    expect(error).toBeInstanceOf(OrthancNotFoundError);
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('maps an abort (the site deadline) to PROVIDER_TIMEOUT, promptly', async () => {
    server.use(http.get(`${BASE}/system`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client().system(controller.signal));
    expect(error.code).toBe('PROVIDER_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('maps an already-aborted signal to PROVIDER_TIMEOUT without calling', async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    const orthanc = createOrthancClient({ baseUrl: BASE, fetch: async () => { called = true; return new Response('{}'); } });
    expect((await failure(orthanc.system(controller.signal))).code).toBe('PROVIDER_TIMEOUT');
    expect(called).toBe(false);
  });

  it('maps a refused TCP connection (a real closed port) to PROVIDER_UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    server.use(http.get(`http://127.0.0.1:${port}/system`, () => passthrough()));
    const orthanc = createOrthancClient({ baseUrl: `http://127.0.0.1:${port}`, fetch: (...args) => globalThis.fetch(...args) });
    const error = await failure(orthanc.system(signal()));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
  });
});

describe('Orthanc client: feature detection from /system', () => {
  async function findBodyFor(system: Record<string, unknown>, request: Parameters<OrthancClient['find']>[0]): Promise<Record<string, unknown>> {
    let body: Record<string, unknown> | undefined;
    server.use(
      http.get(`${BASE}/system`, () => HttpResponse.json(system)),
      http.post(`${BASE}/tools/find`, async ({ request: req }) => {
        body = (await req.json()) as Record<string, unknown>;
        return HttpResponse.json([]);
      }),
    );
    await client().find(request, signal());
    return body!;
  }

  const v1101 = fixture<Record<string, unknown>>('system.json');
  const v1110 = { ...v1101, ApiVersion: 17, Version: '1.11.0' };
  const v1124 = { ...v1101, ApiVersion: 22, Version: '1.12.4' };

  it('does not send RequestedTags to ApiVersion 16 (Orthanc 1.10 would ignore it silently)', async () => {
    const body = await findBodyFor(v1101, { level: 'Series', query: { Modality: 'CT' }, requestedTags: ['PatientAge'] });
    expect(body).not.toHaveProperty('RequestedTags');
    expect(body).toMatchObject({ Level: 'Series', Expand: true, Query: { Modality: 'CT' } });
  });

  it('sends RequestedTags from ApiVersion 17 (Orthanc 1.11) on', async () => {
    const body = await findBodyFor(v1110, { level: 'Series', query: {}, requestedTags: ['PatientAge', 'ClinicalTrialProtocolID'] });
    expect(body.RequestedTags).toEqual(['PatientAge', 'ClinicalTrialProtocolID']);
  });

  it('refuses a Labels constraint before Orthanc 1.12 rather than widening the result', async () => {
    server.use(http.get(`${BASE}/system`, () => HttpResponse.json(v1110)));
    await expect(client().find({ level: 'Study', query: {}, labels: ['LUNG'] }, signal())).rejects.toBeInstanceOf(OrthancUnsupportedFeatureError);
  });

  it('sends Labels to Orthanc 1.12', async () => {
    const body = await findBodyFor(v1124, { level: 'Study', query: {}, labels: ['LUNG'] });
    expect(body).toMatchObject({ Labels: ['LUNG'], LabelsConstraint: 'Any' });
  });

  it('reads /system once for several finds (remembered features)', async () => {
    let systemCalls = 0;
    server.use(
      http.get(`${BASE}/system`, () => { systemCalls += 1; return HttpResponse.json(v1110); }),
      http.post(`${BASE}/tools/find`, () => HttpResponse.json([])),
    );
    const orthanc = client();
    for (let i = 0; i < 3; i++) await orthanc.find({ level: 'Series', query: {}, requestedTags: ['PatientAge'] }, signal());
    expect(systemCalls).toBe(1);
  });
});

describe('Orthanc client: credentials from the env vars the registry names', () => {
  it('sends HTTP Basic built from the named variables', async () => {
    let seen: string | null = null;
    server.use(http.get(`${BASE}/system`, ({ request }) => {
      seen = request.headers.get('authorization');
      return json('system.json')();
    }));
    const { logger } = capturingLogger();
    const orthanc = createOrthancClientForSite(orthancSite({ baseUrl: BASE }), {
      env: { [USER_VAR]: USER, [PASSWORD_VAR]: PASSWORD }, fetch: (...args) => globalThis.fetch(...args), logger,
    });
    await orthanc.system(signal());
    expect(seen).toBe(AUTH);
  });

  it('fails with PROVIDER_AUTH_FAILED, without calling, when a named variable is unset', async () => {
    let called = false;
    const orthanc = createOrthancClientForSite(orthancSite({ baseUrl: BASE }), {
      env: { [USER_VAR]: USER }, fetch: async () => { called = true; return new Response(); }, logger: capturingLogger().logger,
    });
    const error = await failure(orthanc.system(signal()));
    expect(error).toBeInstanceOf(OrthancCredentialsMissingError);
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(called).toBe(false);
  });

  it('sends no Authorization header when the registry names no credentials', async () => {
    let seen: string | null = 'unset';
    server.use(http.get(`${BASE}/system`, ({ request }) => {
      seen = request.headers.get('authorization');
      return json('system.json')();
    }));
    const orthanc = createOrthancClientForSite(orthancSite({ baseUrl: BASE, credentials: {} }), {
      env: {}, fetch: (...args) => globalThis.fetch(...args), logger: capturingLogger().logger,
    });
    await orthanc.system(signal());
    expect(seen).toBeNull();
  });

  it('never puts the password or the Authorization header in logs or errors', async () => {
    const { logger, lines } = capturingLogger();
    const orthanc = createOrthancClientForSite(orthancSite({ baseUrl: BASE }), {
      env: { [USER_VAR]: USER, [PASSWORD_VAR]: PASSWORD }, fetch: (...args) => globalThis.fetch(...args), logger,
    });
    const errors: unknown[] = [];
    server.use(http.get(`${BASE}/system`, json('system.json')));
    await orthanc.system(signal());
    for (const respond of [
      () => new HttpResponse(null, { status: 401 }),
      () => new HttpResponse('<html>oops</html>', { status: 500, headers: { 'content-type': 'text/html' } }),
      () => HttpResponse.error(),
    ]) {
      server.use(http.get(`${BASE}/statistics`, respond));
      errors.push(await failure(orthanc.statistics(signal())));
    }
    expect(lines.length).toBeGreaterThan(0);
    const everything = [...lines, ...errors.map(errorText), JSON.stringify(orthanc), JSON.stringify(errors)].join('\n');
    for (const secret of [PASSWORD, AUTH, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), 'authorization']) {
      expect(everything.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });
});
