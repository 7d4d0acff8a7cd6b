// FAKE for tests and the local demo: the slice of XNAT's data model the fake XNAT server
// answers from. This is not XNAT.
import {
  indexFakeXnatArchive,
  subjectAgeAtFirstSession,
  type FakeXnatArchive,
  type FakeXnatIndex,
  type FakeXnatProject,
  type FakeXnatRoiCollection,
  type FakeXnatScan,
  type FakeXnatSession,
  type FakeXnatSubject,
} from './fake-xnat-data.js';

/**
 * XNAT's schema as the REST listings and the search service see it, for the fake server:
 *
 * - the element hierarchy (xnat:mrSessionData extends xnat:imageSessionData extends
 *   xnat:subjectAssessorData extends xnat:experimentData; icr:roiCollectionData extends
 *   xnat:imageAssessorData; xnat:ctScanData extends xnat:imageScanData ...), which decides
 *   what an `xsiType` filter or a search root matches;
 * - the schema fields reachable by xpath (`xnat:imageScanData/scanner/manufacturer`),
 *   matched case-insensitively with `[@xsi:type=...]` predicates ignored, as XFT does;
 * - the REST column shortcuts of xnat-web's XMLPathShortcuts (`gender`, `subject_ID`,
 *   `UID`, `series_description` ...);
 * - the search display fields of the data types' display documents
 *   (`schemas/xnat/display/*_display.xml`: SUBJECT_ID, GENDER_TEXT, DOB, AGE ...; SESSION_ID,
 *   SUBJECT_ID, MODALITY, BODYPARTEXAMINED, SCANNER_MANUFACTURER ... of each concrete scan
 *   type). Abstract types (xnat:imageSessionData, xnat:imageScanData) have no display
 *   document, so in a search they only answer xpath fields.
 */

// ---------------------------------------------------------------------------------------
// Records

export type FakeRecord =
  | { readonly kind: 'project'; readonly value: FakeXnatProject }
  | { readonly kind: 'subject'; readonly value: FakeXnatSubject }
  | { readonly kind: 'session'; readonly value: FakeXnatSession }
  | { readonly kind: 'scan'; readonly value: FakeXnatScan }
  | { readonly kind: 'roi'; readonly value: FakeXnatRoiCollection };

export type RecordKind = FakeRecord['kind'];

export function xsiTypeOf(record: FakeRecord): string {
  switch (record.kind) {
    case 'project': return 'xnat:projectData';
    case 'subject': return 'xnat:subjectData';
    case 'session': return record.value.xsiType;
    case 'scan': return record.value.xsiType;
    case 'roi': return record.value.xsiType;
  }
}

// ---------------------------------------------------------------------------------------
// Elements

interface ElementDef {
  readonly name: string;
  readonly kind: RecordKind;
  readonly parent?: string;
  /** Has element security (a concrete, project-owned type). */
  readonly secure: boolean;
}

const ELEMENT_DEFS: readonly ElementDef[] = [
  { name: 'xnat:projectData', kind: 'project', secure: true },
  { name: 'xnat:subjectData', kind: 'subject', secure: true },
  { name: 'xnat:experimentData', kind: 'session', secure: false },
  { name: 'xnat:subjectAssessorData', kind: 'session', parent: 'xnat:experimentData', secure: false },
  { name: 'xnat:imageSessionData', kind: 'session', parent: 'xnat:subjectAssessorData', secure: false },
  { name: 'xnat:mrSessionData', kind: 'session', parent: 'xnat:imageSessionData', secure: true },
  { name: 'xnat:ctSessionData', kind: 'session', parent: 'xnat:imageSessionData', secure: true },
  { name: 'xnat:petSessionData', kind: 'session', parent: 'xnat:imageSessionData', secure: true },
  { name: 'xnat:derivedData', kind: 'roi', parent: 'xnat:experimentData', secure: false },
  { name: 'xnat:imageAssessorData', kind: 'roi', parent: 'xnat:derivedData', secure: false },
  { name: 'icr:roiCollectionData', kind: 'roi', parent: 'xnat:imageAssessorData', secure: true },
  { name: 'xnat:imageScanData', kind: 'scan', secure: false },
  { name: 'xnat:mrScanData', kind: 'scan', parent: 'xnat:imageScanData', secure: true },
  { name: 'xnat:ctScanData', kind: 'scan', parent: 'xnat:imageScanData', secure: true },
  { name: 'xnat:petScanData', kind: 'scan', parent: 'xnat:imageScanData', secure: true },
  { name: 'xnat:segScanData', kind: 'scan', parent: 'xnat:imageScanData', secure: true },
];

const ELEMENTS = new Map(ELEMENT_DEFS.map((e) => [e.name.toLowerCase(), e]));

/** The canonical spelling of an element name (XNAT matches them case-insensitively). */
export function canonicalElement(name: string): string | undefined {
  return ELEMENTS.get(name.trim().toLowerCase())?.name;
}

/** The element and all its supertypes, most specific first. */
export function ancestorsOf(element: string): string[] {
  const out: string[] = [];
  let current = ELEMENTS.get(element.toLowerCase());
  while (current) {
    out.push(current.name);
    current = current.parent ? ELEMENTS.get(current.parent.toLowerCase()) : undefined;
  }
  return out;
}

export function isSubtypeOf(element: string, ancestor: string): boolean {
  return ancestorsOf(element).some((a) => a.toLowerCase() === ancestor.toLowerCase());
}

export function isSecureElement(element: string): boolean {
  return ELEMENTS.get(element.toLowerCase())?.secure ?? false;
}

export function kindOfElement(element: string): RecordKind | undefined {
  return ELEMENTS.get(element.toLowerCase())?.kind;
}

export function instanceOf(record: FakeRecord, element: string): boolean {
  return isSubtypeOf(xsiTypeOf(record), element);
}

/** "xnat:mrSessionData" -> "xnat_mrsessiondata" (XFT's SQL name, lower-cased as search keys are). */
export function sqlNameOf(element: string): string {
  return element.replace(':', '_').toLowerCase();
}

// ---------------------------------------------------------------------------------------
// Context: the archive plus its indexes

export interface FakeContext {
  readonly archive: FakeXnatArchive;
  readonly index: FakeXnatIndex;
}

export function fakeContext(archive: FakeXnatArchive): FakeContext {
  return { archive, index: indexFakeXnatArchive(archive) };
}

function sessionOfScan(ctx: FakeContext, scan: FakeXnatScan): FakeXnatSession {
  const session = ctx.index.sessionById.get(scan.sessionId);
  if (!session) throw new Error(`scan ${scan.sessionId}/${scan.id} has no session`);
  return session;
}

function subjectOf(ctx: FakeContext, subjectId: string): FakeXnatSubject | undefined {
  return ctx.index.subjectById.get(subjectId);
}

/** Records of `element` related to `record` (itself when it is one): the joins a search makes. */
export function relatedRecords(ctx: FakeContext, record: FakeRecord, element: string): FakeRecord[] {
  if (instanceOf(record, element)) return [record];
  const kind = kindOfElement(element);
  const keep = (records: FakeRecord[]): FakeRecord[] => records.filter((r) => instanceOf(r, element));
  const project = (id: string): FakeRecord[] => {
    const p = ctx.index.projectById.get(id);
    return p ? [{ kind: 'project', value: p }] : [];
  };
  const subject = (id: string): FakeRecord[] => {
    const s = subjectOf(ctx, id);
    return s ? [{ kind: 'subject', value: s }] : [];
  };
  const sessionsOf = (subjectId: string): FakeRecord[] =>
    (ctx.index.sessionsBySubject.get(subjectId) ?? []).map((value) => ({ kind: 'session', value }));
  const scansOf = (sessionId: string): FakeRecord[] =>
    (ctx.index.scansBySession.get(sessionId) ?? []).map((value) => ({ kind: 'scan', value }));
  const roisOf = (sessionId: string): FakeRecord[] =>
    (ctx.index.roiCollectionsBySession.get(sessionId) ?? []).map((value) => ({ kind: 'roi', value }));
  switch (record.kind) {
    case 'project': {
      const subjects = (ctx.index.subjectsByProject.get(record.value.id) ?? []).map((value): FakeRecord => ({ kind: 'subject', value }));
      const sessions = (ctx.index.sessionsByProject.get(record.value.id) ?? []).map((value): FakeRecord => ({ kind: 'session', value }));
      if (kind === 'subject') return keep(subjects);
      if (kind === 'session') return keep(sessions);
      if (kind === 'scan') return keep(sessions.flatMap((s) => scansOf(s.value.id as string)));
      if (kind === 'roi') return keep(sessions.flatMap((s) => roisOf(s.value.id as string)));
      return [];
    }
    case 'subject':
      if (kind === 'project') return project(record.value.project);
      if (kind === 'session') return keep(sessionsOf(record.value.id));
      if (kind === 'scan') return keep(sessionsOf(record.value.id).flatMap((s) => scansOf(s.value.id as string)));
      if (kind === 'roi') return keep(sessionsOf(record.value.id).flatMap((s) => roisOf(s.value.id as string)));
      return [];
    case 'session':
      if (kind === 'project') return project(record.value.project);
      if (kind === 'subject') return subject(record.value.subjectId);
      if (kind === 'scan') return keep(scansOf(record.value.id));
      if (kind === 'roi') return keep(roisOf(record.value.id));
      return [];
    case 'scan': {
      const session = sessionOfScan(ctx, record.value);
      if (kind === 'project') return project(session.project);
      if (kind === 'subject') return subject(session.subjectId);
      if (kind === 'session') return keep([{ kind: 'session', value: session }]);
      if (kind === 'roi') return keep(roisOf(session.id).filter((r) => (r.value as FakeXnatRoiCollection).referencedScanIds.includes(record.value.id)));
      return [];
    }
    case 'roi': {
      if (kind === 'project') return project(record.value.project);
      if (kind === 'subject') return subject(record.value.subjectId);
      const session = ctx.index.sessionById.get(record.value.sessionId);
      if (kind === 'session') return session ? keep([{ kind: 'session', value: session }]) : [];
      if (kind === 'scan') return keep(scansOf(record.value.sessionId).filter((s) => record.value.referencedScanIds.includes((s.value as FakeXnatScan).id)));
      return [];
    }
  }
}

// ---------------------------------------------------------------------------------------
// Schema fields (xpath)

/** A field value: one string, or several for a multi-valued field (one REST row each). */
export type FieldValue = string | readonly string[];

interface XpathField {
  /** The element that declares the field; its subtypes inherit it. */
  readonly owner: string;
  /** Lower-cased path below the element, predicates removed. */
  readonly path: string;
  readonly get: (record: FakeRecord, ctx: FakeContext) => FieldValue;
}

const str = (value: string | number | undefined | null): string => (value === undefined || value === null ? '' : String(value));

function asSession(record: FakeRecord): FakeXnatSession {
  if (record.kind !== 'session') throw new Error(`expected a session, got a ${record.kind}`);
  return record.value;
}
function asScan(record: FakeRecord): FakeXnatScan {
  if (record.kind !== 'scan') throw new Error(`expected a scan, got a ${record.kind}`);
  return record.value;
}
function asSubject(record: FakeRecord): FakeXnatSubject {
  if (record.kind !== 'subject') throw new Error(`expected a subject, got a ${record.kind}`);
  return record.value;
}
function asProject(record: FakeRecord): FakeXnatProject {
  if (record.kind !== 'project') throw new Error(`expected a project, got a ${record.kind}`);
  return record.value;
}
function asRoi(record: FakeRecord): FakeXnatRoiCollection {
  if (record.kind !== 'roi') throw new Error(`expected an ROI collection, got a ${record.kind}`);
  return record.value;
}

/** Experiment-level values shared by sessions and ROI collections. */
function experiment(record: FakeRecord): { id: string; label: string; project: string; date: string; time: string; insertDate: string; insertUser: string; xsiType: string } {
  if (record.kind === 'session') return { ...record.value, insertUser: record.value.insertUser };
  if (record.kind === 'roi') return { ...record.value, insertUser: 'admin' };
  throw new Error(`expected an experiment, got a ${record.kind}`);
}

function f(owner: string, path: string, get: XpathField['get']): XpathField {
  return { owner, path: path.toLowerCase(), get };
}

const XPATH_FIELDS: readonly XpathField[] = [
  // xnat:projectData
  f('xnat:projectData', 'ID', (r) => asProject(r).id),
  f('xnat:projectData', 'secondary_ID', (r) => asProject(r).secondaryId),
  f('xnat:projectData', 'name', (r) => asProject(r).name),
  f('xnat:projectData', 'description', (r) => asProject(r).description),
  f('xnat:projectData', 'keywords', (r) => asProject(r).keywords),
  f('xnat:projectData', 'PI/firstname', (r) => asProject(r).piFirstname),
  f('xnat:projectData', 'PI/lastname', (r) => asProject(r).piLastname),
  f('xnat:projectData', 'aliases/alias/alias', () => ''),
  f('xnat:projectData', 'fields/field/field', () => ''),
  f('xnat:projectData', 'meta/insert_date', (r) => asProject(r).insertDate),
  // xnat:subjectData
  f('xnat:subjectData', 'ID', (r) => asSubject(r).id),
  f('xnat:subjectData', 'label', (r) => asSubject(r).label),
  f('xnat:subjectData', 'project', (r) => asSubject(r).project),
  f('xnat:subjectData', 'group', (r) => str(asSubject(r).group)),
  f('xnat:subjectData', 'src', () => ''),
  f('xnat:subjectData', 'investigator/firstname', () => ''),
  f('xnat:subjectData', 'investigator/lastname', () => ''),
  f('xnat:subjectData', 'demographics/gender', (r) => asSubject(r).gender),
  f('xnat:subjectData', 'demographics/dob', (r) => str(asSubject(r).dob)),
  f('xnat:subjectData', 'demographics/yob', (r) => str(asSubject(r).yob)),
  f('xnat:subjectData', 'demographics/age', (r) => str(asSubject(r).age)),
  f('xnat:subjectData', 'demographics/handedness', (r) => str(asSubject(r).handedness)),
  ...['ses', 'education', 'educationDesc', 'race', 'ethnicity', 'weight', 'height', 'gestational_age', 'post_menstrual_age', 'birth_weight']
    .map((p) => f('xnat:subjectData', `demographics/${p}`, () => '')),
  f('xnat:subjectData', 'meta/insert_date', (r) => asSubject(r).insertDate),
  f('xnat:subjectData', 'meta/insert_user/login', (r) => asSubject(r).insertUser),
  f('xnat:subjectData', 'meta/last_modified', (r) => asSubject(r).insertDate),
  f('xnat:subjectData', 'sharing/share/project', () => ''),
  f('xnat:subjectData', 'sharing/share/label', () => ''),
  // xnat:experimentData
  f('xnat:experimentData', 'ID', (r) => experiment(r).id),
  f('xnat:experimentData', 'label', (r) => experiment(r).label),
  f('xnat:experimentData', 'project', (r) => experiment(r).project),
  f('xnat:experimentData', 'date', (r) => experiment(r).date),
  f('xnat:experimentData', 'time', (r) => experiment(r).time),
  f('xnat:experimentData', 'visit_id', () => ''),
  f('xnat:experimentData', 'visit', () => ''),
  f('xnat:experimentData', 'note', () => ''),
  f('xnat:experimentData', 'investigator/firstname', () => ''),
  f('xnat:experimentData', 'investigator/lastname', () => ''),
  ...['validation/method', 'validation/status', 'validation/date', 'validation/notes'].map((p) => f('xnat:experimentData', p, () => '')),
  f('xnat:experimentData', 'meta/insert_date', (r) => experiment(r).insertDate),
  f('xnat:experimentData', 'meta/insert_user/login', (r) => experiment(r).insertUser),
  f('xnat:experimentData', 'meta/last_modified', (r) => experiment(r).insertDate),
  f('xnat:experimentData', 'extension_item/element_name', (r) => experiment(r).xsiType),
  f('xnat:experimentData', 'sharing/share/project', () => ''),
  f('xnat:experimentData', 'sharing/share/label', () => ''),
  // xnat:subjectAssessorData
  f('xnat:subjectAssessorData', 'subject_ID', (r) => asSession(r).subjectId),
  f('xnat:subjectAssessorData', 'age', () => ''),
  // xnat:imageSessionData
  f('xnat:imageSessionData', 'UID', (r) => asSession(r).uid),
  f('xnat:imageSessionData', 'modality', (r) => asSession(r).modality),
  f('xnat:imageSessionData', 'scanner', (r) => asSession(r).scanner),
  f('xnat:imageSessionData', 'scanner/manufacturer', (r) => asSession(r).manufacturer),
  f('xnat:imageSessionData', 'scanner/model', (r) => asSession(r).model),
  f('xnat:imageSessionData', 'session_type', (r) => asSession(r).sessionType),
  f('xnat:imageSessionData', 'dcmPatientId', (r) => asSession(r).dcmPatientId),
  f('xnat:imageSessionData', 'dcmPatientName', (r) => asSession(r).dcmPatientName),
  f('xnat:imageSessionData', 'dcmAccessionNumber', (r) => asSession(r).dcmAccessionNumber),
  f('xnat:imageSessionData', 'operator', (r) => asSession(r).operator),
  f('xnat:imageSessionData', 'acquisition_site', () => ''),
  f('xnat:imageSessionData', 'study_id', () => ''),
  // xnat:mrSessionData / xnat:petSessionData
  f('xnat:mrSessionData', 'fieldStrength', (r) => str(asSession(r).fieldStrength)),
  ...['coil', 'marker', 'stabilization'].map((p) => f('xnat:mrSessionData', p, () => '')),
  f('xnat:petSessionData', 'tracer/name', (r) => str(asSession(r).tracer)),
  f('xnat:petSessionData', 'patientID', (r) => asSession(r).dcmPatientId),
  f('xnat:petSessionData', 'patientName', (r) => asSession(r).dcmPatientName),
  f('xnat:petSessionData', 'studyType', () => ''),
  // xnat:imageAssessorData / icr:roiCollectionData
  f('xnat:imageAssessorData', 'imageSession_ID', (r) => asRoi(r).sessionId),
  f('icr:roiCollectionData', 'collectionType', (r) => asRoi(r).collectionType),
  f('icr:roiCollectionData', 'name', (r) => asRoi(r).name),
  f('icr:roiCollectionData', 'UID', (r) => asRoi(r).uid),
  f('icr:roiCollectionData', 'subjectID', (r) => asRoi(r).subjectId),
  f('icr:roiCollectionData', 'references/seriesUID', (r) => asRoi(r).referencedSeriesUids),
  // xnat:imageScanData
  f('xnat:imageScanData', 'ID', (r) => asScan(r).id),
  f('xnat:imageScanData', 'image_session_ID', (r) => asScan(r).sessionId),
  f('xnat:imageScanData', 'xnat_imagescandata_id', (r) => String(asScan(r).imageScanDataId)),
  f('xnat:imageScanData', 'project', (r, ctx) => sessionOfScan(ctx, asScan(r)).project),
  f('xnat:imageScanData', 'type', (r) => asScan(r).type),
  f('xnat:imageScanData', 'UID', (r) => asScan(r).uid),
  f('xnat:imageScanData', 'note', (r) => asScan(r).note),
  f('xnat:imageScanData', 'quality', (r) => asScan(r).quality),
  f('xnat:imageScanData', 'condition', () => ''),
  f('xnat:imageScanData', 'series_description', (r) => asScan(r).seriesDescription),
  f('xnat:imageScanData', 'documentation', () => ''),
  f('xnat:imageScanData', 'scanner', (r, ctx) => sessionOfScan(ctx, asScan(r)).scanner),
  f('xnat:imageScanData', 'scanner/manufacturer', (r) => asScan(r).manufacturer),
  f('xnat:imageScanData', 'scanner/model', (r) => asScan(r).model),
  f('xnat:imageScanData', 'modality', (r) => asScan(r).modality),
  f('xnat:imageScanData', 'frames', (r) => String(asScan(r).frames)),
  f('xnat:imageScanData', 'bodyPartExamined', (r) => asScan(r).bodyPartExamined),
  f('xnat:imageScanData', 'operator', (r, ctx) => sessionOfScan(ctx, asScan(r)).operator),
  f('xnat:imageScanData', 'startTime', (r) => asScan(r).startTime),
  f('xnat:imageScanData', 'protocolName', (r) => asScan(r).type),
  f('xnat:imageScanData', 'requestedProcedureDescription', () => ''),
  ...['validation/method', 'validation/status', 'validation/date', 'validation/notes'].map((p) => f('xnat:imageScanData', p, () => '')),
  f('xnat:imageScanData', 'meta/insert_date', (r, ctx) => sessionOfScan(ctx, asScan(r)).insertDate),
  f('xnat:imageScanData', 'meta/insert_user/login', (r, ctx) => sessionOfScan(ctx, asScan(r)).insertUser),
  f('xnat:imageScanData', 'meta/last_modified', (r, ctx) => sessionOfScan(ctx, asScan(r)).insertDate),
  f('xnat:imageScanData', 'extension_item/element_name', (r) => asScan(r).xsiType),
  // xnat:mrScanData
  f('xnat:mrScanData', 'fieldStrength', (r, ctx) => str(sessionOfScan(ctx, asScan(r)).fieldStrength)),
  ...['coil', 'marker', 'stabilization', 'parameters/tr', 'parameters/te', 'parameters/ti', 'parameters/flip', 'parameters/sequence', 'parameters/imageType']
    .map((p) => f('xnat:mrScanData', p, () => '')),
  ...['parameters/kvp', 'parameters/convolutionKernel', 'parameters/imageType'].map((p) => f('xnat:ctScanData', p, () => '')),
];

/** Removes `[...]` predicates and turns "." separators into "/". */
function normalisePath(path: string): string {
  return path.replace(/\[[^\]]*\]/g, '').replace(/\./g, '/').replace(/^\/+|\/+$/g, '').toLowerCase();
}

export interface ResolvedXpath {
  /** The element named in the xpath (canonical spelling). */
  readonly element: string;
  readonly field: XpathField;
}

/** Resolves "element/path" to a schema field, or undefined when XNAT has no such field. */
export function resolveXpath(xpath: string): ResolvedXpath | undefined {
  const slash = xpath.search(/[/.]/);
  if (slash < 0) return undefined;
  const element = canonicalElement(xpath.slice(0, slash));
  if (!element) return undefined;
  const path = normalisePath(xpath.slice(slash + 1));
  const ancestors = ancestorsOf(element).map((a) => a.toLowerCase());
  const field = XPATH_FIELDS.find((x) => x.path === path && ancestors.includes(x.owner.toLowerCase()));
  return field ? { element, field } : undefined;
}

// ---------------------------------------------------------------------------------------
// REST column shortcuts (xnat-web XMLPathShortcuts)

export type ListingKind = 'projects' | 'subjects' | 'experiments' | 'scans' | 'assessors';

const EXPERIMENT_SHORTCUTS: Readonly<Record<string, string>> = {
  ID: 'xnat:experimentData/ID', visit_id: 'xnat:experimentData/visit_id', visit: 'xnat:experimentData/visit',
  date: 'xnat:experimentData/date', time: 'xnat:experimentData/time', note: 'xnat:experimentData/note',
  pi_firstname: 'xnat:experimentData/investigator/firstname', pi_lastname: 'xnat:experimentData/investigator/lastname',
  validation_method: 'xnat:experimentData/validation/method', validation_status: 'xnat:experimentData/validation/status',
  validation_date: 'xnat:experimentData/validation/date', validation_notes: 'xnat:experimentData/validation/notes',
  project: 'xnat:experimentData/project', label: 'xnat:experimentData/label',
  insert_date: 'xnat:experimentData/meta/insert_date', insert_user: 'xnat:experimentData/meta/insert_user/login',
  last_modified: 'xnat:experimentData/meta/last_modified', xsiType: 'xnat:experimentData/extension_item/element_name',
};

/** Shortcut name -> xpath, per listing resource. */
export const REST_SHORTCUTS: Readonly<Record<ListingKind, Readonly<Record<string, string>>>> = {
  projects: {
    ID: 'xnat:projectData/ID', secondary_ID: 'xnat:projectData/secondary_ID', name: 'xnat:projectData/name',
    description: 'xnat:projectData/description', keywords: 'xnat:projectData/keywords', alias: 'xnat:projectData/aliases/alias/alias',
    pi_firstname: 'xnat:projectData/PI/firstname', pi_lastname: 'xnat:projectData/PI/lastname', note: 'xnat:projectData/fields/field[name=note]/field',
  },
  subjects: {
    project: 'xnat:subjectData/project', label: 'xnat:subjectData/label', ID: 'xnat:subjectData/ID',
    group: 'xnat:subjectData/group', src: 'xnat:subjectData/src',
    pi_firstname: 'xnat:subjectData/investigator/firstname', pi_lastname: 'xnat:subjectData/investigator/lastname',
    ...Object.fromEntries(['dob', 'yob', 'age', 'gender', 'handedness', 'ses', 'education', 'educationDesc', 'race', 'ethnicity', 'weight', 'height', 'gestational_age', 'post_menstrual_age', 'birth_weight']
      .map((k) => [k, `xnat:subjectData/demographics[@xsi:type=xnat:demographicData]/${k}`])),
    insert_date: 'xnat:subjectData/meta/insert_date', insert_user: 'xnat:subjectData/meta/insert_user/login', last_modified: 'xnat:subjectData/meta/last_modified',
  },
  experiments: {
    ...EXPERIMENT_SHORTCUTS,
    scanner: 'xnat:imageSessionData/scanner', operator: 'xnat:imageSessionData/operator',
    dcmAccessionNumber: 'xnat:imageSessionData/dcmAccessionNumber', dcmPatientId: 'xnat:imageSessionData/dcmPatientId',
    dcmPatientName: 'xnat:imageSessionData/dcmPatientName', session_type: 'xnat:imageSessionData/session_type',
    modality: 'xnat:imageSessionData/modality', UID: 'xnat:imageSessionData/UID', studyInstanceUID: 'xnat:imageSessionData/UID',
    coil: 'xnat:mrSessionData/coil', fieldStrength: 'xnat:mrSessionData/fieldStrength', marker: 'xnat:mrSessionData/marker',
    stabilization: 'xnat:mrSessionData/stabilization', studyType: 'xnat:petSessionData/studyType',
    patientID: 'xnat:petSessionData/patientID', patientName: 'xnat:petSessionData/patientName', tracer_name: 'xnat:petSessionData/tracer/name',
    subject_ID: 'xnat:subjectAssessorData/subject_ID', subject_label: 'xnat:subjectData/label', subject_project: 'xnat:subjectData/project',
  },
  scans: {
    ID: 'xnat:imageScanData/ID', type: 'xnat:imageScanData/type', UID: 'xnat:imageScanData/UID', note: 'xnat:imageScanData/note',
    quality: 'xnat:imageScanData/quality', condition: 'xnat:imageScanData/condition', series_description: 'xnat:imageScanData/series_description',
    documentation: 'xnat:imageScanData/documentation', scanner: 'xnat:imageScanData/scanner', modality: 'xnat:imageScanData/modality',
    frames: 'xnat:imageScanData/frames', validation_method: 'xnat:imageScanData/validation/method', validation_status: 'xnat:imageScanData/validation/status',
    validation_date: 'xnat:imageScanData/validation/date', validation_notes: 'xnat:imageScanData/validation/notes',
    xnat_imagescandata_id: 'xnat:imageScanData/xnat_imagescandata_id', scanTime: 'xnat:imageScanData/startTime',
    coil: 'xnat:mrScanData/coil', fieldStrength: 'xnat:mrScanData/fieldStrength', marker: 'xnat:mrScanData/marker', stabilization: 'xnat:mrScanData/stabilization',
    insert_date: 'xnat:imageScanData/meta/insert_date', insert_user: 'xnat:imageScanData/meta/insert_user/login',
    last_modified: 'xnat:imageScanData/meta/last_modified', xsiType: 'xnat:imageScanData/extension_item/element_name',
  },
  assessors: {
    ...EXPERIMENT_SHORTCUTS,
    session_ID: 'xnat:imageAssessorData/imageSession_ID', session_label: 'xnat:imageSessionData/label', session_project: 'xnat:imageSessionData/project',
  },
};

// ---------------------------------------------------------------------------------------
// Search display fields (the data types' display documents)

export type DisplayType = 'string' | 'integer' | 'date' | 'float';

export interface DisplayField {
  readonly id: string;
  readonly header: string;
  readonly type: DisplayType;
  readonly get: (record: FakeRecord, ctx: FakeContext) => string;
}

const d = (id: string, header: string, type: DisplayType, get: DisplayField['get']): DisplayField => ({ id, header, type, get });

function sessionAge(ctx: FakeContext, session: FakeXnatSession): string {
  // AGE of a session's display document: COALESCE(session age, demographics age,
  // years between dob and the session date, year of the session - yob), floored.
  const subject = subjectOf(ctx, session.subjectId);
  if (!subject) return '';
  if (subject.age !== undefined) return String(subject.age);
  if (session.date === '') return '';
  const age = subjectAgeAtFirstSession(subject, [session]);
  return age === undefined ? '' : String(age);
}

const SUBJECT_DISPLAY: readonly DisplayField[] = [
  d('SUBJECT_ID', 'Subject', 'string', (r) => asSubject(r).id),
  d('SUBJECTID', 'Subject', 'string', (r) => asSubject(r).id),
  d('URI', 'uri', 'string', (r) => `/archive/subjects/${asSubject(r).id}`),
  d('INSERT_DATE', 'Inserted', 'date', (r) => asSubject(r).insertDate),
  d('INSERT_USER', 'Creator', 'string', (r) => asSubject(r).insertUser),
  d('GENDER', 'Gender', 'string', (r) => asSubject(r).gender),
  d('GENDER_TEXT', 'M/F', 'string', (r) => {
    const g = asSubject(r).gender;
    return g === 'male' ? 'M' : g === 'female' ? 'F' : 'U';
  }),
  d('HANDEDNESS', 'Hand', 'string', (r) => str(asSubject(r).handedness)),
  d('HANDEDNESS_TEXT', 'Hand', 'string', (r) => {
    const h = asSubject(r).handedness;
    return h === 'right' ? 'R' : h === 'left' ? 'L' : h === 'ambidextrous' ? 'A' : '';
  }),
  // DOB is the year of birth: COALESCE(yob, year of dob), an integer.
  d('DOB', 'YOB', 'integer', (r) => {
    const s = asSubject(r);
    return s.yob !== undefined ? String(s.yob) : s.dob !== undefined ? s.dob.slice(0, 4) : '';
  }),
  d('AGE', 'Age', 'integer', (r) => str(asSubject(r).age)),
  d('EDUC', 'Education', 'string', () => ''),
  d('SES', 'Ses', 'string', () => ''),
  d('MR_COUNT', 'MR Count', 'integer', (r, ctx) => String((ctx.index.sessionsBySubject.get(asSubject(r).id) ?? []).filter((s) => s.xsiType === 'xnat:mrSessionData').length)),
  d('INVEST_CSV', 'PI', 'string', () => ''),
  d('PROJECTS', 'Projects', 'string', (r) => `,<${asSubject(r).project}>`),
  d('PROJECT', 'Project', 'string', (r) => asSubject(r).project),
  d('SUB_GROUP', 'Group', 'string', (r) => str(asSubject(r).group)),
  d('SUBJECT_LABEL', 'Subject', 'string', (r) => asSubject(r).label),
  d('ADD_IDS', 'Labels', 'string', (r) => asSubject(r).label),
  d('RACE', 'Race', 'string', () => ''),
  d('ETHNICITY', 'Ethnicity', 'string', () => ''),
];

function sessionDisplay(prefix: 'MR' | 'CT' | 'PET'): readonly DisplayField[] {
  return [
    d('SESSION_ID', 'Session', 'string', (r) => asSession(r).id),
    d('URI', 'uri', 'string', (r) => `/archive/experiments/${asSession(r).id}`),
    d('SUBJECT_ID', 'Subject', 'string', (r) => asSession(r).subjectId),
    d('SUBJECT_LABEL', 'Subject Label', 'string', (r, ctx) => str(subjectOf(ctx, asSession(r).subjectId)?.label)),
    d('DATE', 'Date', 'date', (r) => asSession(r).date),
    d('DATE_CHAR', 'Date', 'string', (r) => asSession(r).date),
    d('VISIT', 'Visit ID', 'string', () => ''),
    d('INVEST', 'PI', 'string', () => ''),
    d('TYPE', 'Type', 'string', (r) => asSession(r).sessionType),
    d('SCANNER', 'Scanner', 'string', (r) => asSession(r).scanner),
    d('SCANNER_CSV', 'Scanner', 'string', (r) => asSession(r).scanner),
    d('OPERATOR_CSV', 'Operator', 'string', (r) => asSession(r).operator),
    d('AGE', 'Age', 'float', (r, ctx) => sessionAge(ctx, asSession(r))),
    d('GEN_AGE', 'Age', 'float', (r, ctx) => sessionAge(ctx, asSession(r))),
    d('INSERT_DATE', 'Inserted', 'date', (r) => asSession(r).insertDate),
    d('INSERT_USER', 'Creator', 'string', (r) => asSession(r).insertUser),
    d('LAST_MODIFIED', 'Modified', 'date', (r) => asSession(r).insertDate),
    d('PROJECTS', 'Projects', 'string', (r) => `,<${asSession(r).project}>`),
    d('PROJECT', 'Project', 'string', (r) => asSession(r).project),
    d('LABEL', 'Label', 'string', (r) => asSession(r).label),
    d(`${prefix}_SCAN_COUNT_AGG`, 'Scans', 'string', (r, ctx) => {
      const counts = new Map<string, number>();
      for (const scan of ctx.index.scansBySession.get(asSession(r).id) ?? []) counts.set(scan.type, (counts.get(scan.type) ?? 0) + 1);
      return [...counts].map(([type, n]) => `${type}(${n})`).join(' ');
    }),
  ];
}

function scanDisplay(datePrefix: 'MR' | 'CT' | 'PET' | 'SEG', extra: readonly DisplayField[] = []): readonly DisplayField[] {
  const session = (r: FakeRecord, ctx: FakeContext): FakeXnatSession => sessionOfScan(ctx, asScan(r));
  return [
    d('IMAGE_SCANDATA_ID', 'imagescandata_id', 'string', (r) => String(asScan(r).imageScanDataId)),
    d('SESSION_ID', 'image_session_id', 'string', (r) => asScan(r).sessionId),
    d('SESSION_LABEL', 'Session Label', 'string', (r, ctx) => session(r, ctx).label),
    d('SUBJECT_ID', 'Subject', 'string', (r, ctx) => session(r, ctx).subjectId),
    d(`${datePrefix}_DATE`, `${datePrefix} Date`, 'string', (r, ctx) => session(r, ctx).date),
    d('URI', 'URI', 'string', (r) => `/archive/experiments/${asScan(r).sessionId}/scans/${asScan(r).id}`),
    d('PROJECT', 'project', 'string', (r, ctx) => session(r, ctx).project),
    d('NOTE', 'note', 'string', (r) => asScan(r).note),
    d('QUALITY', 'quality', 'string', (r) => asScan(r).quality),
    d('CONDITION', 'condition', 'string', () => ''),
    d('SERIES_DESCRIPTION', 'series_description', 'string', (r) => asScan(r).seriesDescription),
    d('DOCUMENTATION', 'documentation', 'string', () => ''),
    d('SCANNER', 'scanner', 'string', (r, ctx) => session(r, ctx).scanner),
    d('SCANNER_MANUFACTURER', 'manufacturer', 'string', (r) => asScan(r).manufacturer),
    d('SCANNER_MODEL', 'model', 'string', (r) => asScan(r).model),
    d('MODALITY', 'modality', 'string', (r) => asScan(r).modality),
    d('FRAMES', 'frames', 'string', (r) => String(asScan(r).frames)),
    d('OPERATOR', 'operator', 'string', (r, ctx) => session(r, ctx).operator),
    d('STARTTIME', 'startTime', 'string', (r) => asScan(r).startTime),
    d('ID', 'ID', 'string', (r) => asScan(r).id),
    d('TYPE', 'type', 'string', (r) => asScan(r).type),
    d('UID', 'UID', 'string', (r) => asScan(r).uid),
    d('INSERT_DATE', 'Inserted', 'string', (r, ctx) => session(r, ctx).insertDate),
    d('INSERT_USER', 'Creator', 'string', (r, ctx) => session(r, ctx).insertUser),
    d('PROTOCOLNAME', 'protocolName', 'string', (r) => asScan(r).type),
    d('REQUESTEDPROCEDUREDESCRIPTION', 'requestedProcedureDescription', 'string', () => ''),
    d('BODYPARTEXAMINED', 'bodyPartExamined', 'string', (r) => asScan(r).bodyPartExamined),
    ...extra,
  ];
}

const PROJECT_DISPLAY: readonly DisplayField[] = [
  d('ID', 'ID', 'string', (r) => asProject(r).id),
  d('SECONDARY_ID', 'Title', 'string', (r) => asProject(r).secondaryId),
  d('NAME', 'Name', 'string', (r) => asProject(r).name),
  d('DESCRIPTION', 'Description', 'string', (r) => asProject(r).description),
  d('KEYWORDS', 'Keywords', 'string', (r) => asProject(r).keywords),
  d('PI', 'PI', 'string', (r) => `${asProject(r).piLastname}, ${asProject(r).piFirstname}`),
  d('INSERT_DATE', 'Inserted', 'date', (r) => asProject(r).insertDate),
];

const ROI_DISPLAY: readonly DisplayField[] = [
  d('ID', 'ID', 'string', (r) => asRoi(r).id),
  d('LABEL', 'Label', 'string', (r) => asRoi(r).label),
  d('PROJECT', 'Project', 'string', (r) => asRoi(r).project),
  d('DATE', 'Date', 'date', (r) => asRoi(r).date),
  d('SESSION_ID', 'Session', 'string', (r) => asRoi(r).sessionId),
  d('SUBJECT_ID', 'Subject', 'string', (r) => asRoi(r).subjectId),
  d('COLLECTIONTYPE', 'Type', 'string', (r) => asRoi(r).collectionType),
  d('NAME', 'Name', 'string', (r) => asRoi(r).name),
  d('UID', 'UID', 'string', (r) => asRoi(r).uid),
  d('INSERT_DATE', 'Inserted', 'date', (r) => asRoi(r).insertDate),
];

const MR_SCAN_EXTRA = [
  d('FIELDSTRENGTH', 'fieldStrength', 'string', (r: FakeRecord, ctx: FakeContext) => str(sessionOfScan(ctx, asScan(r)).fieldStrength)),
  d('COIL', 'coil', 'string', () => ''),
];

const DISPLAYS: ReadonlyMap<string, readonly DisplayField[]> = new Map([
  ['xnat:projectdata', PROJECT_DISPLAY],
  ['xnat:subjectdata', SUBJECT_DISPLAY],
  ['xnat:mrsessiondata', sessionDisplay('MR')],
  ['xnat:ctsessiondata', sessionDisplay('CT')],
  ['xnat:petsessiondata', sessionDisplay('PET')],
  ['xnat:mrscandata', scanDisplay('MR', MR_SCAN_EXTRA)],
  ['xnat:ctscandata', scanDisplay('CT')],
  ['xnat:petscandata', scanDisplay('PET')],
  ['xnat:segscandata', scanDisplay('SEG')],
  ['icr:roicollectiondata', ROI_DISPLAY],
]);

/** A display field of an element's display document, matched case-insensitively. */
export function displayFieldOf(element: string, fieldId: string): DisplayField | undefined {
  const id = fieldId.trim().toUpperCase();
  return DISPLAYS.get(element.toLowerCase())?.find((x) => x.id === id);
}

export function hasDisplayDocument(element: string): boolean {
  return DISPLAYS.has(element.toLowerCase());
}

/**
 * The display-field id XNAT gives an xpath field in a search: XNAT_COL_ + the element's
 * local name + the path, separators removed, upper case ("xnat:mrSessionData/label" ->
 * XNAT_COL_MRSESSIONDATALABEL).
 */
export function xpathDisplayId(element: string, path: string): string {
  const local = element.slice(element.indexOf(':') + 1);
  return `XNAT_COL_${local}${path.replace(/\[[^\]]*\]/g, '').replace(/[/.]/g, '')}`.toUpperCase();
}
