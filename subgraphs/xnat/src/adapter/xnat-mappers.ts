import { bodyPartFromDicom, modalityFromDicom, type BodyPart, type Modality, type Sex } from '@cancer-imaging/schema';
import type { SegmentationRecord, SeriesRecord, StudyRecord } from '@cancer-imaging/provider-kit';
import type { ExperimentRow, RoiCollectionRow, ScanRow, ScanSearchRow } from './xnat-dto.js';

/**
 * XNAT rows to the adapter's compact cache entries and to the kit's records. Allow-list
 * only: each function copies the named fields it needs. Subject and session labels (often
 * names), dcmPatientName/dcmPatientId and operators are never copied; the date of birth is
 * read once, to compute an age, and dropped. The subject accession (XNAT_S00001) is kept as
 * `nativePatientId` only, which the kit pseudonymises and never returns. XNAT ids stay in
 * `localId`s; DICOM UIDs stay in the `*InstanceUid` fields.
 */

/** One scan as the snapshot holds it: what the criteria need, nothing else. */
export interface ScanEntry {
  readonly scanId: string;
  /** The scan's stored DICOM Modality (trimmed, upper case); '' when the header had none. */
  readonly modality: string;
  readonly bodyPart: string | null;
  readonly manufacturer: string | null;
}

/** One image session of a subject, with its scans in scan-id order. */
export interface SessionEntry {
  readonly id: string;
  readonly subjectId: string;
  /** YYYY-MM-DD, or null. */
  readonly date: string | null;
  readonly scans: ScanEntry[];
}

/** One subject of a project that has at least one scanned image session. */
export interface SubjectEntry {
  readonly id: string;
  readonly sex: Sex;
  /** Whole years at the earliest session, computed once; the birth date is not kept. */
  readonly age: number | null;
  /** In experiment-id order. */
  readonly sessions: SessionEntry[];
}

/** Demographics as read, before the age is computed. */
export interface Demographics {
  readonly sex: Sex;
  readonly age: string;
  readonly yob: string;
  readonly dob: string;
}

/** What a study record needs beyond the snapshot, from the experiments listing. */
export interface SessionDetail {
  readonly uid: string;
  readonly date: string | null;
}

/** A scan with the fields browsing shows. */
export interface ScanDetail extends ScanEntry {
  readonly uid: string;
  readonly description: string | null;
  readonly frames: number | null;
}

/** An ROI collection, per referenced series UID. */
export interface RoiEntry {
  readonly id: string;
  readonly collectionType: string;
  readonly referencedSeriesUid: string;
}

function text(value: string | undefined | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/**
 * XNAT gender as the contract's Sex. XNAT stores the demographics gender as entered:
 * `male`, `female`, `other`, `unknown` or "" (the subjects listing returns it verbatim);
 * M/F/O are read too, as sites that imported demographics from other systems hold them.
 */
export function toSex(gender: string | undefined | null): Sex {
  switch (gender?.trim().toLowerCase()) {
    case 'male': case 'm': return 'MALE';
    case 'female': case 'f': return 'FEMALE';
    case 'other': case 'o': return 'OTHER';
    default: return 'UNKNOWN';
  }
}

/**
 * A scan's modality: its stored DICOM Modality (XNAT's `modality`), trimmed and upper case.
 * A scan stored without one (a header without Modality) has none: it matches no modality
 * criterion and shows as OT. Its data type (xnat:ctScanData...) or its session's modality
 * is not used instead: they do not say what the header said, and a count must not widen.
 */
export function scanModality(modality: string | undefined): string {
  return modality?.trim().toUpperCase() ?? '';
}

/** A modality outside the contract's vocabulary (SR, KO, PR...) or unknown is reported as OT. */
export function toModality(value: string | null | undefined): Modality {
  return modalityFromDicom(value) ?? 'OT';
}

export function toBodyPart(value: string | null | undefined): BodyPart | null {
  return bodyPartFromDicom(value) ?? null;
}

/** An XNAT date ("2021-03-04", also "2021-03-04 10:00:00.0" or "03/04/2021") as YYYY-MM-DD, or null. */
export function toIsoDate(value: string | undefined | null): string | null {
  const v = value?.trim() ?? '';
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
  let iso: string | undefined;
  if (m) iso = `${m[1]}-${m[2]}-${m[3]}`;
  else if ((m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v))) iso = `${m[3]}-${m[1]}-${m[2]}`;
  else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(v))) iso = `${m[1]}-${m[2]}-${m[3]}`;
  if (!iso) return null;
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? iso : null;
}

/** Completed years between two YYYY-MM-DD dates (a birthday counts on its day); null if negative. */
export function wholeYearsBetween(birthDate: string, onDate: string): number | null {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = onDate.split('-').map(Number) as [number, number, number];
  const years = oy - by - (om < bm || (om === bm && od < bd) ? 1 : 0);
  return years >= 0 ? years : null;
}

/**
 * The subject's age in whole years at its earliest session: the demographics `age` when it
 * is a number, else from the date of birth and that session's date, else from the year of
 * birth and that session's year. null when none of these is known.
 */
export function ageAt(demographics: Pick<Demographics, 'age' | 'yob' | 'dob'>, earliestSessionDate: string | null): number | null {
  const age = Number(demographics.age);
  if (demographics.age !== '' && Number.isFinite(age) && age >= 0 && age < 150) return Math.floor(age);
  if (!earliestSessionDate) return null;
  const dob = toIsoDate(demographics.dob);
  if (dob) return wholeYearsBetween(dob, earliestSessionDate);
  const yob = Number(demographics.yob);
  if (demographics.yob !== '' && Number.isInteger(yob) && yob > 1850) {
    const years = Number(earliestSessionDate.slice(0, 4)) - yob;
    return years >= 0 ? years : null;
  }
  return null;
}

function frames(value: string): number | null {
  const n = Number(value);
  return value !== '' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

export function scanEntryFromRow(row: ScanRow): ScanEntry {
  return {
    scanId: row.id,
    modality: scanModality(row.modality),
    bodyPart: text(row.bodyPart),
    manufacturer: text(row.manufacturer),
  };
}

export function scanDetailFromRow(row: ScanRow): ScanDetail {
  return {
    ...scanEntryFromRow(row),
    uid: row.uid,
    description: text(row.seriesDescription) ?? text(row.type),
    frames: frames(row.frames),
  };
}

export function scanEntryFromSearch(row: ScanSearchRow): ScanEntry {
  return {
    scanId: row.scanId,
    modality: scanModality(row.modality),
    bodyPart: text(row.bodyPart),
    manufacturer: text(row.manufacturer),
  };
}

export function sessionDetailFromRow(row: ExperimentRow): SessionDetail {
  return { uid: row.uid, date: toIsoDate(row.date) };
}

export function roiEntriesFromRows(rows: readonly RoiCollectionRow[]): RoiEntry[] {
  const seen = new Set<string>();
  const entries: RoiEntry[] = [];
  for (const row of rows) {
    if (row.xsiType && row.xsiType.toLowerCase() !== 'icr:roicollectiondata') continue;
    const key = `${row.id}\u0000${row.referencedSeriesUid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ id: row.id, collectionType: row.collectionType.trim().toUpperCase(), referencedSeriesUid: row.referencedSeriesUid });
  }
  return entries.sort((a, b) => compareText(a.id, b.id) || compareText(a.referencedSeriesUid, b.referencedSeriesUid));
}

/** DICOM UIDs are digits and dots. */
export function isDicomUid(value: string): boolean {
  return /^\d+(?:\.\d+)*$/.test(value) && value.length <= 64;
}

/** The series local id: `<experimentId>/<scanId>`. */
export function seriesLocalId(sessionId: string, scanId: string): string {
  return `${sessionId}/${scanId}`;
}

export function parseSeriesLocalId(localId: string): { sessionId: string; scanId: string } | undefined {
  const slash = localId.indexOf('/');
  if (slash <= 0 || slash === localId.length - 1) return undefined;
  return { sessionId: localId.slice(0, slash), scanId: localId.slice(slash + 1) };
}

export function toSeriesRecord(sessionId: string, scan: ScanDetail): SeriesRecord {
  return {
    localId: seriesLocalId(sessionId, scan.scanId),
    seriesInstanceUid: isDicomUid(scan.uid) ? scan.uid : '',
    modality: toModality(scan.modality),
    bodyPart: toBodyPart(scan.bodyPart),
    manufacturer: scan.manufacturer,
    description: scan.description,
    instanceCount: scan.frames,
  };
}

/**
 * A study record: modalities are those of its scans; the body part is the one most of its
 * scans show (ties to the first alphabetically). The session label is not a description:
 * XNAT labels are often built from patient names.
 */
export function toStudyRecord(session: SessionEntry, detail: SessionDetail | undefined): StudyRecord {
  const modalities = [...new Set(session.scans.map((s) => toModality(s.modality)))].sort();
  const bodyParts = new Map<BodyPart, number>();
  for (const s of session.scans) {
    const part = toBodyPart(s.bodyPart);
    if (part) bodyParts.set(part, (bodyParts.get(part) ?? 0) + 1);
  }
  const bodyPart = [...bodyParts].sort(([a, n], [b, m]) => m - n || compareText(a, b))[0]?.[0] ?? null;
  const date = detail?.date ?? session.date;
  const uid = detail?.uid ?? '';
  return {
    localId: session.id,
    studyInstanceUid: isDicomUid(uid) ? uid : '',
    year: date ? Number(date.slice(0, 4)) : null,
    modalities,
    bodyPart,
    description: null,
  };
}

/** ROI collection type to the contract's segmentation format. */
export function toSegmentationFormat(collectionType: string): SegmentationRecord['format'] {
  switch (collectionType.trim().toUpperCase()) {
    case 'RTSTRUCT': return 'RTSTRUCT';
    case 'SEG': return 'DICOM_SEG';
    default: return 'ROI_COLLECTION';
  }
}

export function toSegmentationRecord(roi: RoiEntry): SegmentationRecord {
  return {
    localId: roi.id,
    format: toSegmentationFormat(roi.collectionType),
    // The collection's own DICOM series UID is not in the assessor listing; the series it
    // segments is the key the kit files it under (listSegmentations).
    seriesInstanceUid: null,
    // The assessor label is free text written by users; the collection type says what it is.
    label: roi.collectionType || null,
  };
}

/** Code-unit order: stable across runs and locales. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** XNAT scan ids: numbers in numeric order ("2" before "10"), then the others by text. */
export function compareScanIds(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || compareText(a, b);
  if (na !== nb) return na ? -1 : 1;
  return compareText(a, b);
}
