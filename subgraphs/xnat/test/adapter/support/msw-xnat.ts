import { http, HttpResponse, type HttpHandler } from 'msw';
import { fixtureText } from './helpers.js';

/**
 * msw handlers that answer like an XNAT 1.8 site over an in-test data set, with the shapes
 * of test/adapter/fixtures: string values, shortcut keys and lower-cased xpath keys, the
 * JSESSION login and cookie, the search service (per concrete scan type: a search rooted at
 * the abstract xnat:imageScanData, or at a type without a display document, fails with
 * 500; xnat:segScanData's document has no BODYPARTEXAMINED). Test support only: the
 * faithful fake server of the kind is src/testing/.
 */

export interface TScan {
  readonly id: string;
  readonly xsiType: string;
  readonly modality: string;
  readonly bodyPart: string;
  readonly manufacturer: string;
  readonly uid: string;
  readonly description: string;
  readonly frames: number;
}

export interface TRoi {
  readonly id: string;
  readonly collectionType: string;
  readonly referencedSeriesUid: string;
}

export interface TSession {
  readonly id: string;
  readonly subjectId: string;
  /** Built from the subject's label, as XNAT sites often do. */
  readonly label: string;
  readonly date: string;
  readonly uid: string;
  readonly xsiType: string;
  readonly scans: TScan[];
  readonly rois: TRoi[];
}

export interface TSubject {
  readonly id: string;
  /** Looks like a name, on purpose. */
  readonly label: string;
  readonly gender: string;
  readonly age: string;
  readonly yob: string;
  readonly dob: string;
}

export interface TProject {
  readonly id: string;
  readonly name: string;
  readonly subjects: TSubject[];
  readonly sessions: TSession[];
}

export interface FakeXnatOptions {
  readonly base: string;
  readonly users?: Readonly<Record<string, string>>;
  /** How the search service answers: results, or refused/absent/HTML/failing. */
  search?: 'on' | 403 | 404 | 'html' | 500;
  /**
   * Scan data types the site has no display document for: a search rooted at one fails
   * with 500, as a search rooted at the abstract xnat:imageScanData always does.
   */
  readonly typesWithoutDisplay?: readonly string[];
  /**
   * Scan data types whose display document has no BODYPARTEXAMINED (default
   * xnat:segScanData, as in xnat-web 1.8): the field is dropped unless named by xpath.
   */
  readonly typesWithoutBodyPartField?: readonly string[];
  /** Whether scan rows carry bodyPartExamined. */
  readonly bodyPartField?: boolean;
  /** How an unknown session is answered. */
  expiredAs?: 401 | 302 | 'html';
}

export interface FakeXnat {
  readonly handlers: HttpHandler[];
  /** "METHOD /template" of every request, in order. */
  readonly calls: string[];
  /** Sessions the server accepts. */
  readonly sessions: Set<string>;
  readonly options: FakeXnatOptions;
  /** Forgets every session (as a 15-minute idle timeout would). */
  expireAll(): void;
  byEndpoint(): Record<string, number>;
  reset(): void;
}

let sessionCounter = 0;

function newSessionId(): string {
  sessionCounter += 1;
  return (sessionCounter.toString(16).padStart(8, '0') + 'A1B2C3D4E5F60718293A4B5C').toUpperCase().slice(0, 32);
}

function resultSet(rows: readonly Record<string, string>[], extra: Record<string, unknown> = {}): Response {
  return new HttpResponse(JSON.stringify({ ResultSet: { Result: rows, totalRecords: String(rows.length), ...extra } }), {
    headers: { 'content-type': 'application/json;charset=UTF-8' },
  });
}

function cookieOf(request: Request): string | undefined {
  return /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
}

export function createFakeXnat(projects: readonly TProject[], options: FakeXnatOptions): FakeXnat {
  const base = options.base;
  const users = options.users ?? {};
  const calls: string[] = [];
  const sessions = new Set<string>();
  const byProject = new Map(projects.map((p) => [p.id, p]));
  const sessionIndex = new Map<string, TSession>();
  for (const p of projects) for (const s of p.sessions) sessionIndex.set(s.id, s);

  const expired = (): Response => {
    const mode = options.expiredAs ?? 401;
    if (mode === 302) return new HttpResponse(null, { status: 302, headers: { location: `${base}/app/template/Login.vm` } });
    if (mode === 'html') return new HttpResponse(fixtureText('login-page.html'), { headers: { 'content-type': 'text/html;charset=UTF-8' } });
    return new HttpResponse('<html><body>Login required</body></html>', { status: 401, headers: { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="XNAT"' } });
  };
  const authorised = (request: Request): boolean => {
    const id = cookieOf(request);
    return id !== undefined && sessions.has(id);
  };
  const guard = (template: string, handle: (request: Request, params: Record<string, string>) => Response | Promise<Response>) =>
    async ({ request, params }: { request: Request; params: Record<string, string | readonly string[] | undefined> }) => {
      calls.push(template);
      if (!authorised(request)) return expired();
      return handle(request, params as Record<string, string>);
    };

  const scanRow = (session: TSession, scan: TScan): Record<string, string> => ({
    xsiType: scan.xsiType,
    xnat_imagescandata_id: `${session.id}-${scan.id}`,
    note: '',
    series_description: scan.description,
    ID: scan.id,
    type: scan.description,
    UID: scan.uid,
    modality: scan.modality,
    frames: String(scan.frames),
    quality: 'usable',
    ...(options.bodyPartField !== false && { 'xnat:imagescandata/bodypartexamined': scan.bodyPart }),
    'xnat:imagescandata/scanner/manufacturer': scan.manufacturer,
    URI: `/data/experiments/${session.id}/scans/${scan.id}`,
  });

  const handlers: HttpHandler[] = [
    http.post(`${base}/data/JSESSION`, ({ request }) => {
      calls.push('POST /data/JSESSION');
      const header = request.headers.get('authorization') ?? '';
      const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      if (colon < 0 || users[user] === undefined || users[user] !== password) {
        return new HttpResponse('<html><body>Login attempt failed. Please try again.</body></html>', { status: 401, headers: { 'content-type': 'text/html' } });
      }
      const id = newSessionId();
      sessions.add(id);
      return new HttpResponse(id, { headers: { 'content-type': 'text/plain;charset=UTF-8', 'set-cookie': `JSESSIONID=${id}; Path=/; HttpOnly` } });
    }),
    http.delete(`${base}/data/JSESSION`, ({ request }) => {
      calls.push('DELETE /data/JSESSION');
      const id = cookieOf(request);
      if (id) sessions.delete(id);
      return new HttpResponse(null, { status: 200 });
    }),
    http.get(`${base}/data/projects`, guard('GET /data/projects', () => resultSet(projects.map((p) => ({
      pi_firstname: '', secondary_ID: p.id, pi_lastname: '', name: p.name, description: '', ID: p.id, URI: `/data/projects/${p.id}`,
    })), { title: 'Projects' }))),
    http.get(`${base}/data/projects/:p`, guard('GET /data/projects/{p}', (_request, params) => {
      const project = byProject.get(params.p!);
      if (!project) return new HttpResponse('Unable to find project', { status: 404, headers: { 'content-type': 'text/plain' } });
      return HttpResponse.json({ items: [{ children: [], meta: { 'xsi:type': 'xnat:projectData', isHistory: false }, data_fields: { ID: project.id, name: project.name, secondary_ID: project.id } }] });
    })),
    http.get(`${base}/data/projects/:p/subjects`, guard('GET /data/projects/{p}/subjects', (_request, params) => {
      const project = byProject.get(params.p!);
      if (!project) return new HttpResponse('Unable to identify project', { status: 404 });
      return resultSet(project.subjects.map((s) => ({
        project: project.id, gender: s.gender, yob: s.yob, ID: s.id, label: s.label, dob: s.dob, age: s.age, URI: `/data/subjects/${s.id}`,
      })));
    })),
    http.get(`${base}/data/projects/:p/experiments`, guard('GET /data/projects/{p}/experiments', (_request, params) => {
      const project = byProject.get(params.p!);
      if (!project) return new HttpResponse('Unable to identify project', { status: 404 });
      return resultSet(project.sessions.map((s) => ({
        date: s.date, xsiType: s.xsiType, 'xnat:imagesessiondata/id': s.id, project: project.id, subject_ID: s.subjectId, UID: s.uid,
        modality: s.scans[0]?.modality ?? '', 'xnat:imagesessiondata/scanner/manufacturer': s.scans[0]?.manufacturer ?? '',
        ID: s.id, label: s.label, URI: `/data/experiments/${s.id}`,
      })));
    })),
    http.get(`${base}/data/experiments/:e/scans`, guard('GET /data/experiments/{id}/scans', (_request, params) => {
      const session = sessionIndex.get(params.e!);
      if (!session) return new HttpResponse('', { status: 404 });
      return resultSet(session.scans.map((scan) => scanRow(session, scan)));
    })),
    http.get(`${base}/data/experiments/:e/assessors`, guard('GET /data/experiments/{id}/assessors', (_request, params) => {
      const session = sessionIndex.get(params.e!);
      if (!session) return new HttpResponse('', { status: 404 });
      return resultSet(session.rois.map((roi) => ({
        date: session.date, xsiType: 'icr:roiCollectionData', 'xnat:imageassessordata/id': roi.id, session_ID: session.id,
        'icr:roicollectiondata/collectiontype': roi.collectionType, 'icr:roicollectiondata/references/seriesuid': roi.referencedSeriesUid,
        project: '', ID: roi.id, label: `${session.label}_${roi.collectionType}`, URI: `/data/experiments/${roi.id}`,
      })));
    })),
    http.get(`${base}/data/experiments/:e/scans/:s/resources/DICOM/files`, guard('GET /data/experiments/{id}/scans/{scan}/resources/DICOM/files', (_request, params) => {
      const session = sessionIndex.get(params.e!);
      if (!session?.scans.some((s) => s.id === params.s)) return new HttpResponse('', { status: 404 });
      const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]);
      return new HttpResponse(bytes, { headers: { 'content-type': 'application/zip', 'content-length': String(bytes.length) } });
    })),
    http.post(`${base}/data/search`, guard('POST /data/search', async (request) => {
      const mode = options.search ?? 'on';
      if (mode === 403 || mode === 404) return new HttpResponse('<html><body>Forbidden</body></html>', { status: mode, headers: { 'content-type': 'text/html' } });
      if (mode === 'html') return new HttpResponse('<html><body><h1>Search is disabled on this site</h1></body></html>', { headers: { 'content-type': 'text/html' } });
      const body = await request.text();
      const root = /<xdat:root_element_name>([^<]+)</.exec(body)?.[1] ?? '';
      const fields = [...body.matchAll(/<xdat:field_ID>([^<]+)</g)].map((m) => m[1]!);
      const projectId = /<xdat:value>([^<]+)</.exec(body)?.[1] ?? '';
      const concrete = /^xnat:[A-Za-z0-9]+ScanData$/.test(root) && root !== 'xnat:imageScanData';
      if (mode === 500 || !concrete || (options.typesWithoutDisplay ?? []).includes(root)) {
        return new HttpResponse(fixtureText('error-500.html'), { status: 500, headers: { 'content-type': 'text/html;charset=UTF-8' } });
      }
      const project = byProject.get(projectId);
      if (!project) return resultSet([], { rootElementName: root });
      const local = root.slice(root.indexOf(':') + 1).toLowerCase();
      const bodyPartDisplay = !(options.typesWithoutBodyPartField ?? ['xnat:segScanData']).includes(root);
      const rows: Record<string, string>[] = [];
      for (const session of project.sessions) {
        for (const scan of session.scans) {
          if (scan.xsiType !== root) continue;
          const row: Record<string, string> = {};
          for (const field of fields) {
            if (field === 'ID') row.id = scan.id;
            else if (field === 'SESSION_ID') row.session_id = session.id;
            else if (field === 'MODALITY') row.modality = scan.modality;
            else if (field === 'SCANNER_MANUFACTURER') row.scanner_manufacturer = scan.manufacturer;
            else if (field === 'BODYPARTEXAMINED' && bodyPartDisplay && options.bodyPartField !== false) row.bodypartexamined = scan.bodyPart;
            else if (field === `${root}/bodyPartExamined` && options.bodyPartField !== false) row[`xnat_col_${local}bodypartexamined`] = scan.bodyPart;
          }
          row.quarantine_status = 'active';
          rows.push(row);
        }
      }
      return resultSet(rows, { rootElementName: root });
    })),
  ];

  return {
    handlers,
    calls,
    sessions,
    options,
    expireAll: () => sessions.clear(),
    byEndpoint: () => {
      const counts: Record<string, number> = {};
      for (const call of calls) counts[call] = (counts[call] ?? 0) + 1;
      return counts;
    },
    reset: () => { calls.length = 0; },
  };
}

const MODALITY_XSI: Readonly<Record<string, [string, string]>> = {
  CT: ['xnat:ctSessionData', 'xnat:ctScanData'],
  MR: ['xnat:mrSessionData', 'xnat:mrScanData'],
  PT: ['xnat:petSessionData', 'xnat:petScanData'],
};

/**
 * A deterministic data set: `subjects` subjects per project, each with `sessionsPer`
 * sessions of `scansPer` scans, varied modalities, body parts, manufacturers, sexes and
 * ages; some ROI collections. Labels look like names on purpose.
 */
export function buildProjects(spec: {
  readonly projects: readonly { id: string; subjects: number }[];
  readonly sessionsPer?: (subject: number) => number;
  readonly scansPer?: (subject: number, session: number) => number;
  readonly withRois?: boolean;
}): TProject[] {
  const manufacturers = ['SIEMENS', 'GE MEDICAL SYSTEMS', 'Philips', 'siemens '];
  const bodyParts = ['CHEST', 'ABDOMEN', 'PELVIS', 'Lung', ''];
  let subjectSeq = 0;
  let sessionSeq = 0;
  return spec.projects.map((p, projectIndex) => {
    const subjects: TSubject[] = [];
    const sessions: TSession[] = [];
    for (let i = 0; i < p.subjects; i++) {
      subjectSeq += 1;
      const id = `XNAT_S${String(subjectSeq).padStart(5, '0')}`;
      const label = `DOE_PATIENT${subjectSeq}`;
      const gender = i % 5 === 4 ? '' : i % 2 === 0 ? 'female' : 'male';
      // Age as given, else from a date of birth, else from a year of birth, else unknown.
      const ageKind = i % 4;
      const subject: TSubject = {
        id, label, gender,
        age: ageKind === 0 ? String(40 + (i % 35)) : '',
        dob: ageKind === 1 ? `19${50 + (i % 40)}-0${1 + (i % 9)}-1${i % 9}` : '',
        yob: ageKind === 2 ? String(1945 + (i % 40)) : '',
      };
      subjects.push(subject);
      const nSessions = spec.sessionsPer ? spec.sessionsPer(i) : 1 + (i % 2);
      for (let k = 0; k < nSessions; k++) {
        sessionSeq += 1;
        const modality = ['CT', 'MR', 'PT'][(i + k + projectIndex) % 3]!;
        const [sessionXsi, scanXsi] = MODALITY_XSI[modality]!;
        const sessionId = `XNAT_E${String(sessionSeq).padStart(5, '0')}`;
        const studyUid = `1.3.6.1.4.1.9328.50.${projectIndex + 1}.${sessionSeq}`;
        const scans: TScan[] = [];
        const nScans = spec.scansPer ? spec.scansPer(i, k) : 1 + ((i + k) % 3);
        for (let s = 0; s < nScans; s++) {
          // A third scan is a dose report (SR, filed as xnat:otherDicomScanData) or a DICOM SEG.
          const reportScan = s === 2 && (i + k) % 2 === 0;
          const segScan = s === 2 && !reportScan;
          scans.push({
            id: String(s + 1 + (s === 1 ? 9 : 0) + (segScan ? 300 : 0)),
            xsiType: reportScan ? 'xnat:otherDicomScanData' : segScan ? 'xnat:segScanData' : scanXsi,
            // Some scans were stored without a DICOM Modality: they count under no modality.
            modality: reportScan ? 'SR' : segScan ? 'SEG' : (s === 1 && k === 0 ? '' : modality),
            bodyPart: bodyParts[(i + s) % bodyParts.length]!,
            manufacturer: manufacturers[(i + k + s) % manufacturers.length]!,
            uid: `${studyUid}.${s + 1}`,
            description: `${modality} series ${s + 1}`,
            frames: 10 + s,
          });
        }
        const rois: TRoi[] = spec.withRois && scans.length > 0 && i % 3 === 0
          ? [{ id: `RoiCollection_${sessionSeq}_a`, collectionType: i % 2 === 0 ? 'RTSTRUCT' : 'SEG', referencedSeriesUid: scans[0]!.uid },
            { id: `RoiCollection_${sessionSeq}_b`, collectionType: 'AIM', referencedSeriesUid: scans[0]!.uid }]
          : [];
        sessions.push({
          id: sessionId, subjectId: id, label: `${label}_${modality}${k + 1}`,
          date: `20${10 + ((i + k) % 12)}-0${1 + (k % 9)}-15`, uid: studyUid, xsiType: sessionXsi, scans, rois,
        });
      }
    }
    // One subject without any session, one session without scans: neither is counted.
    subjectSeq += 1;
    subjects.push({ id: `XNAT_S${String(subjectSeq).padStart(5, '0')}`, label: 'NO_IMAGING', gender: 'male', age: '50', yob: '', dob: '' });
    sessionSeq += 1;
    sessions.push({
      id: `XNAT_E${String(sessionSeq).padStart(5, '0')}`, subjectId: subjects[0]!.id, label: 'EMPTY', date: '2020-01-01',
      uid: '1.2.3', xsiType: 'xnat:mrSessionData', scans: [], rois: [],
    });
    return { id: p.id, name: `Project ${p.id}`, subjects, sessions };
  });
}
