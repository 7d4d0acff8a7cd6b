// FAKE for tests and the local demo, not XNAT: tests of the fake XNAT server (src/testing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FAKE_XNAT_USER,
  defaultFakeArchive,
  indexFakeXnatArchive,
  startFakeXnat,
  type FakeXnat,
} from '../../src/testing/index.js';
import { AUTH, basic, call, expectStringEnvelope, manualClock, readZip, resultSet } from './helpers.js';

const archive = defaultFakeArchive();
const index = indexFakeXnatArchive(archive);
const lungSessions = index.sessionsByProject.get('LUNG_CT') ?? [];
const sessionWithRois = archive.roiCollections.find((r) => r.referencedSeriesUids.length > 1)?.sessionId ?? archive.roiCollections[0]!.sessionId;

describe('fake XNAT list resources', () => {
  let fake: FakeXnat;
  beforeAll(async () => {
    fake = await startFakeXnat({ archive });
  });
  afterAll(() => fake.close());

  it('listens on loopback only', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers the ResultSet envelope with string values and a string totalRecords, in xnat-web\'s spacing', async () => {
    const response = await call(fake, '/data/projects?format=json');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text).toMatch(/^\{"ResultSet":\{"Result":\[\{/);
    expect(text).toMatch(/\], "totalRecords": "4","title": "Projects"\}\}$/);
    const envelope = JSON.parse(text) as Parameters<typeof expectStringEnvelope>[0];
    expectStringEnvelope(envelope);
    expect(Object.keys(envelope.ResultSet.Result[0]!)).toEqual(['pi_firstname', 'secondary_ID', 'pi_lastname', 'name', 'description', 'ID', 'URI']);
  });

  it('answers JSON without format= and XML, CSV or HTML tables when asked', async () => {
    expectStringEnvelope(await resultSet(fake, '/data/projects'));
    const xml = await (await call(fake, '/data/projects?format=xml')).text();
    expect(xml).toContain('<ResultSet totalRecords="4" title="Projects">');
    expect(xml).toContain('<column>secondary_ID</column>');
    const csv = await (await call(fake, '/data/projects?format=csv')).text();
    expect(csv.split('\n')[0]).toBe('pi_firstname,secondary_ID,pi_lastname,name,description,ID,URI');
    const html = await call(fake, '/data/projects?format=html');
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('lists a project\'s subjects with XNAT\'s default columns, all of them at once (no paging)', async () => {
    const envelope = await resultSet(fake, '/data/projects/LUNG_CT/subjects?format=json&limit=5&offset=10');
    expectStringEnvelope(envelope);
    expect(envelope.ResultSet.Result).toHaveLength((index.subjectsByProject.get('LUNG_CT') ?? []).length);
    expect(Object.keys(envelope.ResultSet.Result[0]!)).toEqual(['insert_date', 'project', 'ID', 'label', 'insert_user', 'URI']);
    expect(envelope.ResultSet.Result[0]!.URI).toMatch(/^\/data\/subjects\/XNAT_S\d{5}$/);
    expect(envelope.ResultSet.title).toBeUndefined();
  });

  it('keys shortcut columns by the shortcut and xpath columns by the lower-cased xpath; unknown columns are left out', async () => {
    const shortcuts = await resultSet(fake, `/data/projects/PROSTATE_MR/subjects?format=json&columns=${encodeURIComponent('ID,gender,age,dob,yob,nonsense')}`);
    expect(Object.keys(shortcuts.ResultSet.Result[0]!)).toEqual(['ID', 'gender', 'age', 'dob', 'yob', 'URI']);
    const xpath = 'xnat:subjectData/demographics[@xsi:type=xnat:demographicData]/gender';
    const xpaths = await resultSet(fake, `/data/projects/PROSTATE_MR/subjects?format=json&columns=${encodeURIComponent(`ID,${xpath},xnat:subjectData/not_a_field`)}`);
    expect(Object.keys(xpaths.ResultSet.Result[0]!)).toEqual(['ID', xpath.toLowerCase(), 'URI']);
    const subject = index.subjectById.get(xpaths.ResultSet.Result[0]!.ID as string)!;
    expect(xpaths.ResultSet.Result[0]![xpath.toLowerCase()]).toBe(subject.gender);
  });

  it('lists experiments with the root id under its lower-cased xpath, as real 1.8 servers do', async () => {
    const envelope = await resultSet(fake, '/data/projects/LUNG_CT/experiments?format=json');
    expectStringEnvelope(envelope);
    expect(Object.keys(envelope.ResultSet.Result[0]!)).toEqual(['date', 'xsiType', 'xnat:subjectassessordata/id', 'insert_date', 'project', 'ID', 'label', 'URI']);
    expect(envelope.ResultSet.Result).toHaveLength(lungSessions.length);
  });

  it('filters experiments by xsiType, the generic xnat:imageSessionData matching every image session', async () => {
    const all = await resultSet(fake, '/data/projects/LUNG_CT/experiments?format=json&xsiType=xnat:imageSessionData&columns=ID,subject_ID,UID');
    expect(all.ResultSet.Result).toHaveLength(lungSessions.length);
    expect(Object.keys(all.ResultSet.Result[0]!)).toEqual(['ID', 'subject_ID', 'UID', 'xnat:imagesessiondata/id', 'xsiType', 'project', 'URI']);
    const pet = await resultSet(fake, '/data/projects/LUNG_CT/experiments?format=json&xsiType=xnat:petSessionData');
    expect(pet.ResultSet.Result).toHaveLength(lungSessions.filter((s) => s.xsiType === 'xnat:petSessionData').length);
    expect(pet.ResultSet.Result.every((r) => r.xsiType === 'xnat:petSessionData' && 'xnat:petsessiondata/id' in r)).toBe(true);
    // XNAT does not filter on a comma-separated xsiType list.
    const list = await resultSet(fake, `/data/projects/LUNG_CT/experiments?format=json&xsiType=${encodeURIComponent('xnat:petSessionData,xnat:ctSessionData')}`);
    expect(list.ResultSet.Result).toHaveLength(lungSessions.length);
  });

  it('narrows the experiment root to a subtype when a column belongs to it (fieldStrength: MR sessions only)', async () => {
    const envelope = await resultSet(fake, '/data/projects/PROSTATE_MR/experiments?format=json&columns=ID,fieldStrength');
    const mr = (index.sessionsByProject.get('PROSTATE_MR') ?? []).filter((s) => s.xsiType === 'xnat:mrSessionData');
    expect(envelope.ResultSet.Result).toHaveLength(mr.length);
    expect(envelope.ResultSet.Result[0]).toHaveProperty('xnat:mrsessiondata/id');
  });

  it('filters rows by shortcut query parameters (comma for OR, * for LIKE)', async () => {
    const first = lungSessions[0]!;
    const bySubject = await resultSet(fake, `/data/projects/LUNG_CT/experiments?format=json&subject_ID=${first.subjectId}`);
    expect(bySubject.ResultSet.Result.map((r) => r.ID)).toEqual(lungSessions.filter((s) => s.subjectId === first.subjectId).map((s) => s.id));
    const like = await resultSet(fake, '/data/projects/LUNG_CT/subjects?format=json&label=LUNG_00*');
    expect(like.ResultSet.Result.length).toBeGreaterThan(0);
    expect(like.ResultSet.Result.every((r) => String(r.label).startsWith('LUNG_00'))).toBe(true);
  });

  it('lists a subject\'s experiments under /projects/{p}/subjects/{s}/experiments by id or label', async () => {
    const subject = index.subjectById.get(lungSessions[0]!.subjectId)!;
    const byId = await resultSet(fake, `/data/projects/LUNG_CT/subjects/${subject.id}/experiments?format=json`);
    const byLabel = await resultSet(fake, `/data/projects/LUNG_CT/subjects/${encodeURIComponent(subject.label)}/experiments?format=json`);
    expect(byId.ResultSet.Result.map((r) => r.ID)).toEqual((index.sessionsBySubject.get(subject.id) ?? []).map((s) => s.id));
    expect(byLabel).toEqual(byId);
  });

  it('lists a session\'s scans with XNAT\'s default columns and the adapter\'s xpath columns', async () => {
    const session = lungSessions[0]!;
    const scans = index.scansBySession.get(session.id) ?? [];
    const defaults = await resultSet(fake, `/data/experiments/${session.id}/scans?format=json`);
    expectStringEnvelope(defaults);
    expect(Object.keys(defaults.ResultSet.Result[0]!)).toEqual(['xsiType', 'xnat_imagescandata_id', 'note', 'series_description', 'ID', 'type', 'URI', 'quality']);
    expect(defaults.ResultSet.Result.map((r) => r.URI)).toEqual(scans.map((s) => `/data/experiments/${session.id}/scans/${s.id}`));
    const columns = 'ID,UID,modality,frames,xnat:imageScanData/bodyPartExamined,xnat:imageScanData/scanner/manufacturer';
    const envelope = await resultSet(fake, `/data/experiments/${session.id}/scans?format=json&columns=${encodeURIComponent(columns)}`);
    expect(envelope.ResultSet.Result[0]).toEqual({
      ID: scans[0]!.id, UID: scans[0]!.uid, modality: scans[0]!.modality, frames: String(scans[0]!.frames),
      'xnat:imagescandata/bodypartexamined': scans[0]!.bodyPartExamined, 'xnat:imagescandata/scanner/manufacturer': scans[0]!.manufacturer,
      URI: `/data/experiments/${session.id}/scans/${scans[0]!.id}`,
    });
  });

  it('lists ROI collections as assessors, one row per referenced series UID when that column is asked', async () => {
    const rois = index.roiCollectionsBySession.get(sessionWithRois) ?? [];
    const plain = await resultSet(fake, `/data/experiments/${sessionWithRois}/assessors?format=json`);
    expect(Object.keys(plain.ResultSet.Result[0]!)).toEqual(['date', 'xsiType', 'session_label', 'xnat:imageassessordata/id', 'insert_date', 'session_ID', 'project', 'ID', 'label', 'URI']);
    expect(plain.ResultSet.Result).toHaveLength(rois.length);
    const columns = 'ID,label,xsiType,session_ID,icr:roiCollectionData/collectionType,icr:roiCollectionData/references/seriesUID';
    const flat = await resultSet(fake, `/data/experiments/${sessionWithRois}/assessors?format=json&xsiType=icr:roiCollectionData&columns=${encodeURIComponent(columns)}`);
    expectStringEnvelope(flat);
    expect(flat.ResultSet.Result).toHaveLength(rois.reduce((n, r) => n + r.referencedSeriesUids.length, 0));
    expect(flat.ResultSet.Result[0]).toHaveProperty('icr:roicollectiondata/collectiontype');
    expect(flat.ResultSet.Result[0]).toHaveProperty('icr:roicollectiondata/id');
  });

  it('answers the single project item form with items[0].data_fields, and XML by default', async () => {
    const json = await (await call(fake, '/data/projects/BRAIN_MR?format=json')).json() as { items: { data_fields: Record<string, unknown>; meta: Record<string, unknown>; children: { field: string }[] }[] };
    expect(json.items[0]!.data_fields).toMatchObject({ ID: 'BRAIN_MR', secondary_ID: 'BRAIN MR' });
    expect(json.items[0]!.meta['xsi:type']).toBe('xnat:projectData');
    expect(json.items[0]!.children.map((c) => c.field)).toContain('PI');
    const xml = await call(fake, '/data/projects/BRAIN_MR');
    expect(xml.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await xml.text()).toContain('<xnat:Project ID="BRAIN_MR"');
  });

  it('answers an unknown project, experiment or scan with 404 and an HTML status page', async () => {
    for (const path of ['/data/projects/NOPE/subjects?format=json', '/data/projects/NOPE?format=json', '/data/experiments/XNAT_E99999/scans?format=json', `/data/experiments/${lungSessions[0]!.id}/scans/999/resources/DICOM/files?format=zip`, '/data/nothing/here']) {
      const response = await call(fake, path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await response.text(), path).toMatch(/<html>/);
    }
  });

  it('streams a scan\'s DICOM files as a valid ZIP of DICOM Part 10 files', async () => {
    const session = lungSessions[0]!;
    const scan = (index.scansBySession.get(session.id) ?? []).find((s) => s.frames > 1)!;
    const response = await call(fake, `/data/experiments/${session.id}/scans/${scan.id}/resources/DICOM/files?format=zip`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const entries = readZip(Buffer.from(await response.arrayBuffer()));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry.name).toMatch(new RegExp(`^.+/scans/${scan.id}-[^/]+/resources/DICOM/files/.+\\.dcm$`));
      expect(entry.data.subarray(128, 132).toString('latin1')).toBe('DICM');
      expect(entry.data.includes(Buffer.from(scan.uid, 'latin1'))).toBe(true);
      expect(entry.data.includes(Buffer.from(session.uid, 'latin1'))).toBe(true);
    }
    const listing = await resultSet(fake, `/data/experiments/${session.id}/scans/${scan.id}/resources/DICOM/files?format=json`);
    expect(listing.ResultSet.Result.map((r) => r.Name)).toEqual(entries.map((e) => e.name.split('/').pop()));
  });

  it('counts calls by endpoint', async () => {
    fake.resetCalls();
    await call(fake, '/data/projects?format=json');
    await call(fake, '/data/projects/LUNG_CT/subjects?format=json');
    await call(fake, `/data/experiments/${lungSessions[0]!.id}/scans?format=json`);
    await call(fake, `/data/experiments/${lungSessions[0]!.id}/scans?format=json`);
    expect(fake.calls).toMatchObject({ projects: 1, subjects: 1, scans: 2, total: 4 });
    expect(fake.requests.map((r) => [r.endpoint, r.status])).toEqual([['projects', 200], ['subjects', 200], ['scans', 200], ['scans', 200]]);
  });
});

describe('fake XNAT authentication', () => {
  const clock = manualClock();
  let fake: FakeXnat;
  beforeAll(async () => {
    fake = await startFakeXnat({ archive, sessionTimeoutMs: 15 * 60_000, clock: clock.now });
  });
  afterAll(() => fake.close());

  async function login(authorization = AUTH.authorization): Promise<{ id: string; cookie: string; response: Response }> {
    const response = await fetch(`${fake.url}/data/JSESSION`, { method: 'POST', headers: { authorization } });
    const id = await response.text();
    return { id, cookie: `JSESSIONID=${id}`, response };
  }

  it('logs in with POST /data/JSESSION: the session id as text and the JSESSIONID cookie', async () => {
    const { id, response } = await login();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(id).toMatch(/^[0-9A-F]{32}$/);
    expect(response.headers.get('set-cookie')).toBe(`JSESSIONID=${id}; Path=/; HttpOnly`);
  });

  it('reuses the session cookie without a password, and the session idles out after the timeout', async () => {
    const { cookie } = await login();
    const ok = await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toBeNull();
    expect(fake.requests.at(-1)?.auth).toBe('session');
    // Activity restarts the idle clock.
    clock.advance(10 * 60_000);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie } })).status).toBe(200);
    clock.advance(10 * 60_000);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie } })).status).toBe(200);
    clock.advance(15 * 60_000 + 1);
    const expired = await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toMatch(/^text\/html/);
    expect(expired.headers.get('www-authenticate')).toBe('Basic realm="XNAT"');
  });

  it('answers no credentials and an unknown session with 401', async () => {
    expect((await fetch(`${fake.url}/data/projects?format=json`)).status).toBe(401);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie: 'JSESSIONID=0123456789ABCDEF0123456789ABCDEF' } })).status).toBe(401);
  });

  it('answers bad credentials with 401 and an HTML error page', async () => {
    const response = await fetch(`${fake.url}/data/JSESSION`, { method: 'POST', headers: { authorization: basic({ username: DEFAULT_FAKE_XNAT_USER.username, password: 'wrong' }) } });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<html>[\s\S]*401/);
  });

  it('accepts Basic credentials on any request, opening a session as XNAT does', async () => {
    const response = await call(fake, '/data/projects?format=json');
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^JSESSIONID=[0-9A-F]{32}; Path=\/; HttpOnly$/);
  });

  it('ends a session on DELETE /data/JSESSION and on expireAllSessions()', async () => {
    const first = await login();
    const deleted = await fetch(`${fake.url}/data/JSESSION`, { method: 'DELETE', headers: { cookie: first.cookie } });
    expect(deleted.status).toBe(200);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie: first.cookie } })).status).toBe(401);
    const second = await login();
    fake.expireAllSessions();
    expect(fake.activeSessions()).toBe(0);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie: second.cookie } })).status).toBe(401);
  });

  it('issues alias tokens whose alias and secret work as Basic credentials until they expire', async () => {
    const { cookie } = await login();
    const response = await fetch(`${fake.url}/data/services/tokens/issue`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const token = (await response.json()) as { alias: string; secret: string; estimatedExpirationTime: number; xdatUserId: number };
    expect(token.alias).toMatch(/^[0-9a-f-]{36}$/);
    expect(token.secret.length).toBe(64);
    expect(token.estimatedExpirationTime).toBe(clock.now() + 2 * 24 * 3_600_000);
    const aliasAuth = basic({ username: token.alias, password: token.secret });
    const session = await login(aliasAuth);
    expect(session.response.status).toBe(200);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { authorization: aliasAuth } })).status).toBe(200);
    expect(fake.requests.at(-1)?.auth).toBe('alias');
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { authorization: basic({ username: token.alias, password: 'not the secret' }) } })).status).toBe(401);
    clock.advance(2 * 24 * 3_600_000 + 1);
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { authorization: aliasAuth } })).status).toBe(401);
  });

  it('refuses POST on the token restlet, which only answers GET', async () => {
    const response = await call(fake, '/data/services/tokens/issue', { method: 'POST' });
    expect(response.status).toBe(405);
  });
});

describe('fake XNAT faults', () => {
  let fake: FakeXnat;
  beforeAll(async () => {
    fake = await startFakeXnat({ archive });
  });
  afterAll(() => fake.close());

  it('html500: the next request gets a Tomcat HTML error page with status 500, the one after is normal', async () => {
    fake.faults.next('html500');
    const failed = await call(fake, '/data/projects?format=json');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await failed.text()).toContain('HTTP Status 500');
    expect((await call(fake, '/data/projects?format=json')).status).toBe(200);
  });

  it('status500: a plain 500 with an empty body', async () => {
    fake.faults.next('status500');
    const failed = await call(fake, '/data/projects?format=json');
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('');
  });

  it('truncatedJson: a 200 JSON answer cut short', async () => {
    fake.faults.next('truncatedJson');
    const response = await call(fake, '/data/projects/LUNG_CT/subjects?format=json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text.startsWith('{"ResultSet"')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('targets a fault at one endpoint and clears pending faults', async () => {
    const session = archive.sessions[0]!.id;
    fake.faults.next('html500', { endpoint: 'scans', times: 2 });
    expect((await call(fake, '/data/projects?format=json')).status).toBe(200);
    expect((await call(fake, `/data/experiments/${session}/scans?format=json`)).status).toBe(500);
    expect((await call(fake, `/data/experiments/${session}/scans?format=json`)).status).toBe(500);
    expect((await call(fake, `/data/experiments/${session}/scans?format=json`)).status).toBe(200);
    fake.faults.next('status500');
    fake.faults.clear();
    expect((await call(fake, '/data/projects?format=json')).status).toBe(200);
  });

  it('expireSessions: the next request finds its session gone (401), a Basic request still works', async () => {
    const login = await call(fake, '/data/JSESSION', { method: 'POST' });
    const cookie = `JSESSIONID=${await login.text()}`;
    fake.faults.next('expireSessions');
    expect((await fetch(`${fake.url}/data/projects?format=json`, { headers: { cookie } })).status).toBe(401);
    fake.faults.next('expireSessions');
    expect((await call(fake, '/data/projects?format=json')).status).toBe(200);
  });

  it('hang: the next request is never answered, and close() still returns', async () => {
    const hanging = await startFakeXnat({ archive });
    hanging.faults.next('hang');
    const pending = fetch(`${hanging.url}/data/projects?format=json`, { headers: AUTH });
    const outcome = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))]);
    expect(outcome).toBe('still waiting');
    expect(hanging.requests.at(-1)?.status).toBeUndefined();
    await hanging.close();
    await expect(pending).rejects.toThrow();
  });
});
