import { createServer } from 'node:net';
import { ProviderError, withDeadline } from '@cancer-imaging/provider-kit';
import { delay, http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildScanSearchBundle, createXnatClient, createXnatClientForSite, XnatSearchUnavailableError, type XnatClient,
} from '../../src/adapter/index.js';
import {
  ALIAS, ALIAS_VAR, basic, capturingLogger, ENV, errorText, fixture, fixtureText, PASSWORD, SECRET, SECRET_VAR, silentLogger,
  USER, xnatSite,
} from './support/helpers.js';

// Unit tests of the XNAT REST client against msw handlers answering with the recorded-shape
// XNAT 1.8 fixtures (test/adapter/fixtures, see its README).

const BASE = 'http://xnat.test';
const SESSION = fixtureText('jsession.txt').trim();

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const signal = () => new AbortController().signal;
const json = (name: string, status = 200) => () => new HttpResponse(fixtureText(name), { status, headers: { 'content-type': 'application/json;charset=UTF-8' } });

function client(options: { logger?: ReturnType<typeof capturingLogger>['logger']; password?: string } = {}): XnatClient {
  return createXnatClient({
    baseUrl: `${BASE}/`,
    credentials: { kind: 'password', username: USER, password: options.password ?? PASSWORD },
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

type LoginState = { logins: number; valid: Set<string>; user?: string; password?: string };

/** A login endpoint that accepts USER/PASSWORD, issues fresh ids, and counts logins. */
function loginHandler(state: LoginState) {
  return http.post(`${BASE}/data/JSESSION`, ({ request }) => loginResponse(state, request));
}

function loginResponse(state: LoginState, request: Request): Response {
  {
    state.logins += 1;
    if (request.headers.get('authorization') !== basic(state.user ?? USER, state.password ?? PASSWORD)) {
      return new HttpResponse('<html><body>Login attempt failed</body></html>', { status: 401, headers: { 'content-type': 'text/html' } });
    }
    const id = state.logins === 1 ? SESSION : `${SESSION.slice(0, 30)}${String(state.logins).padStart(2, '0')}`;
    state.valid.add(id);
    return new HttpResponse(id, { headers: { 'content-type': 'text/plain', 'set-cookie': `JSESSIONID=${id}; Path=/; HttpOnly` } });
  }
}

function cookie(request: Request): string | undefined {
  return /JSESSIONID=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
}

describe('XNAT client: envelopes and rows', () => {
  it('parses the ResultSet envelope with string values and a string totalRecords', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    server.use(loginHandler(state), http.get(`${BASE}/data/projects`, json('projects.json')));
    const projects = await client().listProjects(signal());
    expect(projects.totalRecords).toBe(2);
    expect(projects.rows.map((row) => row.id)).toEqual(['LUNG-CT-01', 'PROSTATE-MR']);
    expect(projects.rows[0]!.name).toBe('Lung CT screening cohort');
  });

  it('normalises subject rows with shortcut keys and with lower-cased xpath keys to the same record', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    let asked = '';
    server.use(loginHandler(state), http.get(`${BASE}/data/projects/:p/subjects`, ({ request }) => {
      asked = new URL(request.url).searchParams.get('columns') ?? '';
      return json(request.url.includes('LUNG') ? 'subjects-columns.json' : 'subjects-xpath-columns.json')();
    }));
    const c = client();
    const plain = await c.listSubjects('LUNG-CT-01', signal());
    expect(asked).toBe('ID,gender,age,dob,yob');
    const xpath = await c.listSubjects('OTHER', signal());
    const pick = (row: (typeof plain.rows)[number]) => ({ id: row.id, gender: row.gender, age: row.age, yob: row.yob, dob: row.dob });
    expect(xpath.rows.map(pick)).toEqual(plain.rows.slice(0, 2).map(pick));
    // The gender as XNAT stores it (male, female, other, unknown or ""), not the search's M/F/U.
    expect(plain.rows.map((row) => row.gender)).toEqual(['female', 'male', '', 'other']);
    expect(plain.rows[2]).toMatchObject({ id: 'XNAT_S00003', gender: '', age: '', dob: '1960-05-17' });
    // The label (a name here) is not part of the normalised row.
    expect(JSON.stringify(plain.rows)).not.toContain('DOE_JANE');
  });

  it('reads image sessions, scans, ROI collections and the project item form', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    const urls: string[] = [];
    server.use(
      loginHandler(state),
      http.get(`${BASE}/data/projects/:p/experiments`, ({ request }) => { urls.push(request.url); return json('experiments-image-sessions.json')(); }),
      http.get(`${BASE}/data/experiments/:e/scans`, ({ request }) => { urls.push(request.url); return json('scans-columns.json')(); }),
      http.get(`${BASE}/data/experiments/:e/assessors`, ({ request }) => { urls.push(request.url); return json('assessors-roi.json')(); }),
      http.get(`${BASE}/data/projects/:p`, json('project-item.json')),
    );
    const c = client();
    const sessions = await c.listExperiments('LUNG-CT-01', signal());
    expect(sessions.rows[0]).toMatchObject({ id: 'XNAT_E00001', subjectId: 'XNAT_S00001', xsiType: 'xnat:ctSessionData', uid: '1.3.6.1.4.1.14519.5.2.1.7009.9004.100001', date: '2021-03-04' });
    expect(JSON.stringify(sessions.rows)).not.toContain('DOE_JANE');
    expect(sessions.rows[3]).toMatchObject({ id: 'XNAT_E00004', uid: '', date: '' });
    const scans = await c.listScans('XNAT_E00001', signal());
    expect(scans.rows[1]).toMatchObject({ id: '2', modality: '', bodyPart: 'Lung', manufacturer: 'Siemens', frames: '64', uid: '1.3.6.1.4.1.14519.5.2.1.7009.9004.200012' });
    expect(scans.rows[0]!.present.bodyPart).toBe(true);
    const rois = await c.listRoiCollections('XNAT_E00001', signal());
    expect(rois.rows.map((r) => [r.collectionType, r.referencedSeriesUid.slice(-6)])).toEqual([['RTSTRUCT', '200011'], ['SEG', '200012'], ['AIM', '200011']]);
    const project = await c.getProject('LUNG-CT-01', signal());
    expect(project.items[0]!.data_fields.ID).toBe('LUNG-CT-01');
    const query = (u: string) => new URL(u).searchParams;
    expect(query(urls[0]!).get('xsiType')).toBe('xnat:imageSessionData');
    expect(query(urls[0]!).get('columns')).toBe('ID,date,xsiType,subject_ID,UID');
    expect(query(urls[0]!).get('format')).toBe('json');
    expect(query(urls[1]!).get('columns')).toContain('xnat:imageScanData/bodyPartExamined');
    expect(query(urls[2]!).get('xsiType')).toBe('icr:roiCollectionData');
  });

  it('posts one xdat:bundle per concrete scan type and reads rows keyed by lower-cased display-field ids', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    const bodies: string[] = [];
    server.use(loginHandler(state), http.post(`${BASE}/data/search`, async ({ request }) => {
      const body = await request.text();
      bodies.push(body);
      expect(new URL(request.url).searchParams.get('format')).toBe('json');
      expect(request.headers.get('content-type')).toMatch(/xml/);
      return json(body.includes('xnat:segScanData</xdat:root') ? 'search-seg-scans-xpath.json' : 'search-ct-scans.json')();
    }));
    const c = client();
    const ct = await c.searchScans('LUNG-CT-01', 'xnat:ctScanData', signal());
    const seg = await c.searchScans('LUNG-CT-01', 'xnat:segScanData', signal(), { bodyPartByXpath: true });
    expect(bodies[0]).toBe(fixtureText('search-bundle-ct-scans.xml'));
    expect(bodies[1]).toBe(fixtureText('search-bundle-seg-scans-xpath.xml'));
    expect(buildScanSearchBundle('xnat:ctScanData', 'A&B')).toContain('<xdat:value>A&amp;B</xdat:value>');
    expect(() => buildScanSearchBundle('xnat:ctScanData</xdat:root_element_name>', 'P')).toThrow();
    expect(ct.rows.map((r) => [r.scanId, r.sessionId, r.modality, r.bodyPart, r.manufacturer])).toEqual([
      ['1', 'XNAT_E00001', 'CT', 'CHEST', 'SIEMENS'], ['2', 'XNAT_E00001', '', 'Lung', 'Siemens'], ['4', 'XNAT_E00002', 'CT', 'WHOLEBODY', 'GE MEDICAL SYSTEMS'],
    ]);
    // xnat:segScanData's display document has no BODYPARTEXAMINED: the xpath field answers it.
    expect(seg.rows[0]).toMatchObject({ scanId: '301', sessionId: 'XNAT_E00001', modality: 'SEG', bodyPart: 'CHEST', present: { bodyPart: true } });
  });

  it('reads an alias token', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    server.use(loginHandler(state), http.get(`${BASE}/data/services/tokens/issue`, json('token-issue.json')));
    const token = await client().issueToken(signal());
    expect(token.alias).toBe(ALIAS);
    expect(token.estimatedExpirationTime).toBe(1767225600000);
  });
});

describe('XNAT client: sessions', () => {
  it('logs in once with Basic auth and then sends only the JSESSIONID cookie', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    const seen: { cookie?: string; authorization: string | null }[] = [];
    server.use(loginHandler(state), http.get(`${BASE}/data/projects`, ({ request }) => {
      seen.push({ cookie: cookie(request), authorization: request.headers.get('authorization') });
      return json('projects.json')();
    }));
    const c = client();
    for (let i = 0; i < 3; i++) await c.listProjects(signal());
    expect(state.logins).toBe(1);
    expect(c.loginCount).toBe(1);
    expect(seen).toEqual([0, 1, 2].map(() => ({ cookie: SESSION, authorization: null })));
  });

  it('shares one login between concurrent calls', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    server.use(
      http.post(`${BASE}/data/JSESSION`, async ({ request }) => { await delay(30); return loginResponse(state, request); }),
      http.get(`${BASE}/data/projects`, json('projects.json')),
    );
    const c = client();
    await Promise.all(Array.from({ length: 8 }, () => c.listProjects(signal())));
    expect(state.logins).toBe(1);
  });

  for (const [name, expiredResponse] of [
    ['a 401', () => new HttpResponse('', { status: 401 })],
    ['a 302 to the login page', () => new HttpResponse(null, { status: 302, headers: { location: `${BASE}/app/template/Login.vm` } })],
    ['a 200 text/html login page', () => new HttpResponse(fixtureText('login-page.html'), { headers: { 'content-type': 'text/html' } })],
  ] as const) {
    it(`renews a session that expired mid-run (${name}) with exactly one re-login, transparently`, async () => {
      const state = { logins: 0, valid: new Set<string>() };
      server.use(loginHandler(state), http.get(`${BASE}/data/projects`, ({ request }) => {
        const id = cookie(request);
        return id && state.valid.has(id) ? json('projects.json')() : expiredResponse();
      }));
      const c = client();
      await c.listProjects(signal());
      state.valid.clear(); // the 15-minute idle timeout
      const again = await Promise.all([c.listProjects(signal()), c.listProjects(signal()), c.listProjects(signal())]);
      expect(again.every((r) => r.rows.length === 2)).toBe(true);
      expect(state.logins).toBe(2);
    });
  }

  it('gives PROVIDER_AUTH_FAILED when the site still refuses after one re-login', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    server.use(loginHandler(state), http.get(`${BASE}/data/projects`, () => new HttpResponse('', { status: 401 })));
    const error = await failure(client().listProjects(signal()));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(state.logins).toBe(2);
  });

  it('gives PROVIDER_AUTH_FAILED for bad credentials without retrying the login', async () => {
    const state = { logins: 0, valid: new Set<string>() };
    server.use(loginHandler(state), http.get(`${BASE}/data/projects`, json('projects.json')));
    const error = await failure(client({ password: 'wrong-password' }).listProjects(signal()));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(state.logins).toBe(1);
  });

  it('logs in with an alias token as Basic alias:secret', async () => {
    const state = { logins: 0, valid: new Set<string>(), user: ALIAS, password: SECRET };
    server.use(loginHandler(state), http.get(`${BASE}/data/projects`, json('projects.json')));
    const site = xnatSite({ baseUrl: BASE, credentials: { alias: ALIAS_VAR, secret: SECRET_VAR } });
    const c = createXnatClientForSite(site, { env: ENV, fetch: (...args) => globalThis.fetch(...args), logger: silentLogger });
    expect((await c.listProjects(signal())).rows).toHaveLength(2);
    expect(state.logins).toBe(1);
  });

  it('fails with PROVIDER_AUTH_FAILED when the named env vars are unset, without calling the site', async () => {
    const site = xnatSite({ baseUrl: BASE });
    const c = createXnatClientForSite(site, { env: {}, fetch: () => { throw new Error('no call expected'); }, logger: silentLogger });
    expect((await failure(c.listProjects(signal()))).code).toBe('PROVIDER_AUTH_FAILED');
  });
});

describe('XNAT client: faults', () => {
  const state = { logins: 0, valid: new Set<string>() };

  for (const [name, respond] of [
    ['an HTML error page (500)', () => new HttpResponse(fixtureText('error-500.html'), { status: 500, headers: { 'content-type': 'text/html' } })],
    ['an HTML page with 200 that is not a login page', () => new HttpResponse(fixtureText('error-500.html'), { headers: { 'content-type': 'text/html' } })],
    ['truncated JSON', () => new HttpResponse(fixtureText('projects.json').slice(0, 120), { headers: { 'content-type': 'application/json' } })],
    ['a 500 with JSON', () => HttpResponse.json({ error: 'boom' }, { status: 500 })],
    ['an unexpected shape', () => HttpResponse.json({ ResultSet: { Result: [{ name: 'no id' }], totalRecords: '1' } })],
    ['a non-numeric totalRecords', () => HttpResponse.json({ ResultSet: { Result: [], totalRecords: 'many' } })],
  ] as const) {
    it(`maps ${name} to PROVIDER_BAD_RESPONSE without the body or URL in the message`, async () => {
      server.use(loginHandler(state), http.get(`${BASE}/data/projects`, respond));
      const error = await failure(client().listProjects(signal()));
      expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
      expect(error.message).not.toMatch(/xnat\.test|PSQLException|LUNG-CT-01|boom/);
      expect(errorText(error)).not.toMatch(/PSQLException|xnat\.test/);
    });
  }

  it('stops at the deadline with PROVIDER_TIMEOUT when the site hangs', async () => {
    server.use(loginHandler(state), http.get(`${BASE}/data/projects`, async () => { await delay('infinite'); return new HttpResponse(''); }));
    const started = performance.now();
    const error = await failure(withDeadline(200, silentLogger, (ctx) => client().listProjects(ctx.signal)));
    expect(error.code).toBe('PROVIDER_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('stops at the deadline with PROVIDER_TIMEOUT when the login hangs', async () => {
    server.use(http.post(`${BASE}/data/JSESSION`, async () => { await delay('infinite'); return new HttpResponse(''); }));
    const error = await failure(withDeadline(150, silentLogger, (ctx) => client().listProjects(ctx.signal)));
    expect(error.code).toBe('PROVIDER_TIMEOUT');
  });

  it('maps a refused connection to PROVIDER_UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    server.use(http.all(`http://127.0.0.1:${port}/*`, () => passthrough()));
    const c = createXnatClient({ baseUrl: `http://127.0.0.1:${port}`, credentials: { kind: 'password', username: USER, password: PASSWORD }, fetch: (...args) => globalThis.fetch(...args) });
    expect((await failure(c.listProjects(signal()))).code).toBe('PROVIDER_UNAVAILABLE');
  });

  for (const [name, respond] of [
    ['403', () => new HttpResponse('', { status: 403 })],
    ['404', () => new HttpResponse('', { status: 404 })],
    ['an HTML page', () => new HttpResponse('<html><body>Search disabled</body></html>', { headers: { 'content-type': 'text/html' } })],
    ['rows without the asked display fields', () => HttpResponse.json({ ResultSet: { Result: [{ key: 'x' }], totalRecords: '1' } })],
    // A type without a display document: XNAT fails the search with a NullPointerException.
    ['a 500 Tomcat error page', () => new HttpResponse(fixtureText('error-500.html'), { status: 500, headers: { 'content-type': 'text/html' } })],
    ['a 502 without a body', () => new HttpResponse(null, { status: 502 })],
  ] as const) {
    it(`reports the scan search as unavailable (list instead) on ${name}`, async () => {
      server.use(loginHandler(state), http.post(`${BASE}/data/search`, respond));
      const error = await failure(client().searchScans('LUNG-CT-01', 'xnat:ctScanData', signal()));
      expect(error).toBeInstanceOf(XnatSearchUnavailableError);
      expect(errorText(error)).not.toMatch(/PSQLException|xnat\.test/);
    });
  }

  it('still fails a scan search whose answer is truncated JSON (a fault, not a missing display document)', async () => {
    server.use(loginHandler(state), http.post(`${BASE}/data/search`, () => new HttpResponse(fixtureText('search-ct-scans.json').slice(0, 200), { headers: { 'content-type': 'application/json' } })));
    const error = await failure(client().searchScans('LUNG-CT-01', 'xnat:ctScanData', signal()));
    expect(error).not.toBeInstanceOf(XnatSearchUnavailableError);
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('never writes credentials or the session id to logs or errors', async () => {
    const local = { logins: 0, valid: new Set<string>() };
    const { logger, lines } = capturingLogger();
    server.use(loginHandler(local), http.get(`${BASE}/data/projects`, ({ request }) => {
      const id = cookie(request);
      return id && local.valid.has(id) && local.logins > 1 ? new HttpResponse('{"ResultSet":', { headers: { 'content-type': 'application/json' } }) : new HttpResponse('', { status: 401 });
    }));
    const c = client({ logger });
    const error = await failure(c.listProjects(signal()));
    const wrongLogin = await failure(client({ logger, password: 'nope-nope' }).listProjects(signal()));
    const everything = [...lines, errorText(error), errorText(wrongLogin), JSON.stringify(c)].join('\n');
    for (const secret of [PASSWORD, 'nope-nope', basic(USER, PASSWORD).slice(6), SESSION, USER]) {
      expect(everything).not.toContain(secret);
    }
    expect(lines.length).toBeGreaterThan(0);
  });

  it('streams a scan archive as application/zip', async () => {
    server.use(loginHandler(state), http.get(`${BASE}/data/experiments/:e/scans/:s/resources/DICOM/files`, ({ request }) => {
      expect(new URL(request.url).searchParams.get('format')).toBe('zip');
      return new HttpResponse(new Uint8Array([0x50, 0x4b, 3, 4]), { headers: { 'content-type': 'application/zip', 'content-length': '4' } });
    }));
    const archive = await client().scanArchive('XNAT_E00001', '2', signal());
    expect(archive.contentType).toBe('application/zip');
    expect(archive.contentLength).toBe(4);
    expect(new Uint8Array(await new Response(archive.body).arrayBuffer())).toEqual(new Uint8Array([0x50, 0x4b, 3, 4]));
  });

  it('refuses ids that are not XNAT ids before calling the site', async () => {
    server.use(loginHandler(state));
    expect((await failure(client().listScans('../../admin', signal()))).code).toBe('PROVIDER_BAD_RESPONSE');
  });
});

describe('XNAT fixtures', () => {
  it('hold every value of every ResultSet row as a string', () => {
    for (const name of ['projects.json', 'subjects-columns.json', 'subjects-xpath-columns.json', 'experiments-image-sessions.json', 'scans-columns.json', 'assessors-roi.json', 'search-ct-scans.json', 'search-seg-scans-xpath.json']) {
      const set = fixture<{ ResultSet: { Result: Record<string, unknown>[]; totalRecords: unknown } }>(name).ResultSet;
      expect(typeof set.totalRecords, name).toBe('string');
      for (const row of set.Result) for (const value of Object.values(row)) expect(typeof value, name).toBe('string');
    }
  });
});
