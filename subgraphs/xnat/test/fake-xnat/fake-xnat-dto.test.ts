// FAKE for tests and the local demo, not XNAT: the fake XNAT server (src/testing) answers the adapter's
// own calls in shapes its zod DTO schemas (src/adapter/xnat-dto.ts) accept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aliasTokenSchema,
  buildScanSearchBundle,
  EXPERIMENT_COLUMNS,
  experimentListSchema,
  projectItemSchema,
  projectListSchema,
  ROI_COLUMNS,
  roiCollectionListSchema,
  SCAN_COLUMNS,
  scanListSchema,
  scanSearchSchemaFor,
  scanTypesOfSession,
  sessionIdSchema,
  SUBJECT_COLUMNS,
  subjectListSchema,
} from '../../src/adapter/index.js';
import { defaultFakeArchive, indexFakeXnatArchive, startFakeXnat, type FakeXnat } from '../../src/testing/index.js';
import { call } from './helpers.js';

const archive = defaultFakeArchive();
const index = indexFakeXnatArchive(archive);
const columns = (list: readonly string[]): string => encodeURIComponent(list.join(','));

describe('the fake XNAT against the adapter\'s DTO schemas', () => {
  let fake: FakeXnat;
  beforeAll(async () => {
    fake = await startFakeXnat({ archive });
  });
  afterAll(() => fake.close());

  async function json(path: string, init: RequestInit = {}): Promise<unknown> {
    const response = await call(fake, path, init);
    expect(response.status, path).toBe(200);
    return response.json();
  }

  it('POST /data/JSESSION answers a session id sessionIdSchema accepts', async () => {
    const response = await call(fake, '/data/JSESSION', { method: 'POST' });
    expect(sessionIdSchema.parse(await response.text())).toMatch(/^[0-9A-F]{32}$/);
  });

  it('GET /data/services/tokens/issue parses with aliasTokenSchema', async () => {
    const token = aliasTokenSchema.parse(await json('/data/services/tokens/issue'));
    expect(token.alias).not.toBe('');
    expect(typeof token.estimatedExpirationTime).toBe('number');
  });

  it('GET /data/projects parses with projectListSchema', async () => {
    const parsed = projectListSchema.parse(await json('/data/projects?format=json'));
    expect(parsed.ResultSet.Result.map((p) => p.id)).toEqual(archive.projects.map((p) => p.id));
    expect(parsed.ResultSet.totalRecords).toBe(archive.projects.length);
  });

  it('GET /data/projects/{p}?format=json parses with projectItemSchema for every project', async () => {
    for (const project of archive.projects) {
      const parsed = projectItemSchema.parse(await json(`/data/projects/${project.id}?format=json`));
      expect(parsed.items[0]!.data_fields.ID).toBe(project.id);
      expect(parsed.items[0]!.data_fields.keywords).toBe(project.keywords);
    }
  });

  it('the subjects call (SUBJECT_COLUMNS) parses with subjectListSchema and carries every demographic column', async () => {
    for (const project of archive.projects) {
      const parsed = subjectListSchema.parse(await json(`/data/projects/${project.id}/subjects?format=json&columns=${columns(SUBJECT_COLUMNS)}`));
      const subjects = index.subjectsByProject.get(project.id) ?? [];
      expect(parsed.ResultSet.Result.map((s) => s.id)).toEqual(subjects.map((s) => s.id));
      for (const row of parsed.ResultSet.Result) {
        const subject = index.subjectById.get(row.id)!;
        expect(row.present).toMatchObject({ gender: true, age: true, dob: true, yob: true });
        expect(row).toMatchObject({ gender: subject.gender, age: String(subject.age ?? ''), dob: subject.dob ?? '', yob: String(subject.yob ?? '') });
      }
    }
  });

  it('the experiments call (xsiType=xnat:imageSessionData, EXPERIMENT_COLUMNS) parses with experimentListSchema', async () => {
    for (const project of archive.projects) {
      const parsed = experimentListSchema.parse(await json(`/data/projects/${project.id}/experiments?format=json&xsiType=${encodeURIComponent('xnat:imageSessionData')}&columns=${columns(EXPERIMENT_COLUMNS)}`));
      const sessions = index.sessionsByProject.get(project.id) ?? [];
      expect(parsed.ResultSet.Result.map((e) => e.id)).toEqual(sessions.map((s) => s.id));
      for (const row of parsed.ResultSet.Result) {
        const session = index.sessionById.get(row.id)!;
        expect(row).toMatchObject({ subjectId: session.subjectId, uid: session.uid, xsiType: session.xsiType, date: session.date });
      }
    }
  });

  it('the experiments call without columns parses too (default columns)', async () => {
    const parsed = experimentListSchema.parse(await json('/data/projects/BRAIN_MR/experiments?format=json'));
    expect(parsed.ResultSet.Result.length).toBe((index.sessionsByProject.get('BRAIN_MR') ?? []).length);
  });

  it('the scans call (SCAN_COLUMNS) parses with scanListSchema for every session, body part and manufacturer included', async () => {
    for (const session of archive.sessions) {
      const parsed = scanListSchema.parse(await json(`/data/experiments/${session.id}/scans?format=json&columns=${columns(SCAN_COLUMNS)}`));
      const scans = index.scansBySession.get(session.id) ?? [];
      expect(parsed.ResultSet.Result.map((s) => s.id)).toEqual(scans.map((s) => s.id));
      parsed.ResultSet.Result.forEach((row, i) => {
        const scan = scans[i]!;
        expect(row.present).toMatchObject({ bodyPart: true, manufacturer: true, modality: true, uid: true });
        expect(row).toMatchObject({ uid: scan.uid, bodyPart: scan.bodyPartExamined, manufacturer: scan.manufacturer, frames: String(scan.frames), xsiType: scan.xsiType });
      });
    }
  });

  it('the assessors call (xsiType=icr:roiCollectionData, ROI_COLUMNS) parses with roiCollectionListSchema', async () => {
    const sessions = [...new Set(archive.roiCollections.map((r) => r.sessionId))];
    for (const sessionId of sessions) {
      const parsed = roiCollectionListSchema.parse(await json(`/data/experiments/${sessionId}/assessors?format=json&xsiType=${encodeURIComponent('icr:roiCollectionData')}&columns=${columns(ROI_COLUMNS)}`));
      const expected = (index.roiCollectionsBySession.get(sessionId) ?? []).flatMap((r) => r.referencedSeriesUids.map((uid) => [r.id, r.collectionType, uid, sessionId]));
      expect(parsed.ResultSet.Result.map((r) => [r.id, r.collectionType, r.referencedSeriesUid, r.sessionId])).toEqual(expected);
    }
  });

  it('the adapter\'s per-type scan search bundles parse with scanSearchSchemaFor: every scan of the type, by session', async () => {
    for (const project of archive.projects) {
      const sessions = index.sessionsByProject.get(project.id) ?? [];
      const implied = new Set([...sessions.flatMap((s) => scanTypesOfSession(s.xsiType) ?? []), 'xnat:segScanData']);
      for (const scanType of implied) {
        for (const bodyPartByXpath of [false, true]) {
          const body = buildScanSearchBundle(scanType, project.id, { bodyPartByXpath });
          const parsed = scanSearchSchemaFor(scanType).parse(await json('/data/search?format=json', { method: 'POST', body, headers: { 'content-type': 'text/xml' } }));
          const scans = sessions.flatMap((s) => (index.scansBySession.get(s.id) ?? []).filter((scan) => scan.xsiType === scanType));
          expect(parsed.ResultSet.Result.map((r) => [r.sessionId, r.scanId, r.modality, r.bodyPart, r.manufacturer]))
            .toEqual(scans.map((scan) => [scan.sessionId, scan.id, scan.modality, scan.bodyPartExamined, scan.manufacturer]));
          expect(parsed.ResultSet.Result.every((r) => r.present.bodyPart)).toBe(true);
        }
      }
      // Every scan of the project is of a type its sessions imply, or SEG.
      const all = sessions.flatMap((s) => index.scansBySession.get(s.id) ?? []);
      expect(all.every((scan) => implied.has(scan.xsiType))).toBe(true);
    }
  });

  it('answers a scan search rooted at the abstract xnat:imageScanData with 500: it has no display document', async () => {
    const response = await call(fake, '/data/search?format=json', { method: 'POST', body: buildScanSearchBundle('xnat:imageScanData', 'LUNG_CT'), headers: { 'content-type': 'text/xml' } });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
