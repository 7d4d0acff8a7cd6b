import {
  bodyPartFromDicom, modalityFromDicom, sexFromDicom, type BodyPart, type Modality, type Sex,
} from '@cancer-imaging/schema';
import type { SegmentationRecord, SeriesRecord, StudyRecord } from '@cancer-imaging/provider-kit';
import {
  simplifiedString, type SeriesDto, type SimplifiedTags, type SimplifiedValue, type StudyDto,
} from './orthanc-dto.js';

/**
 * Orthanc DTOs to the adapter's cache entries and to the kit's records. Allow-list only:
 * each function copies the named fields it needs and nothing else. PatientName,
 * PatientBirthDate, AccessionNumber, physicians, operators and addresses are never copied
 * (most are already stripped by the DTO schemas); the birth date is read once, to compute
 * an age, and dropped. PatientID is kept as `nativePatientId` only, which the kit
 * pseudonymises and never returns. Orthanc ids (`orthancId`, records' `localId`) stay
 * apart from DICOM UIDs (`studyInstanceUid`, `seriesInstanceUid`).
 */

/** One study as the site cache holds it: main tags only, no direct identifier but the PatientID. */
export interface StudyEntry {
  readonly orthancId: string;
  readonly studyInstanceUid: string;
  /** PatientID: the subject key within a dataset; only ever handed to the kit as nativePatientId. */
  readonly nativePatientId: string;
  readonly sex: Sex;
  /** YYYYMMDD, or null when the study has no valid StudyDate. */
  readonly studyDate: string | null;
  /** HHMMSS (fraction dropped), or '' when absent. */
  readonly studyTime: string;
  readonly description: string | null;
  /** Study main tags usable for grouping (InstitutionName), by keyword. */
  readonly groupingTags: Readonly<Record<string, string>>;
  readonly labels: readonly string[];
  /** Whole years from PatientBirthDate to StudyDate, computed here; the birth date is not kept. */
  readonly ageFromBirthDate: number | null;
  /** Orthanc ids of the study's series, sorted. */
  readonly seriesIds: readonly string[];
  /** Orthanc's LastUpdate of the study: changes whenever an instance is added. */
  readonly lastUpdate: string;
}

/** One series, from an expanded series find. */
export interface SeriesSummary {
  readonly orthancId: string;
  readonly studyOrthancId: string;
  readonly seriesInstanceUid: string;
  /** The Modality as written (trimmed, upper case), '' when absent. */
  readonly modality: string;
  readonly bodyPart: string | null;
  readonly manufacturer: string | null;
  readonly description: string | null;
  readonly instanceCount: number;
  /** A few instance ids, sorted, for reading tags (first: the representative instance). */
  readonly sampleInstanceIds: readonly string[];
  /** RequestedTags Orthanc returned (ApiVersion >= 17), keyword to string. */
  readonly requestedTags: Readonly<Record<string, string>>;
}

/** Tags the adapter reads from one instance: only these keywords are ever kept. */
export interface InstanceFacts {
  readonly patientAge: string | null;
  /** The grouping tag's value when it is not a main tag (e.g. ClinicalTrialProtocolID). */
  readonly groupingValue: string | null;
}

/** What a SEG or RTSTRUCT instance says it segments. */
export interface SegmentationFacts {
  readonly referencedSeriesUids: readonly string[];
  readonly label: string | null;
}

/** Study main tags that grouping may use, because Orthanc 1.10 indexes them. */
export const STUDY_MAIN_GROUPING_TAGS = ['InstitutionName'] as const;

const SAMPLE_INSTANCES = 32;

function text(value: string | undefined | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** A DICOM DA value as YYYYMMDD (also accepts the old "YYYY.MM.DD"), or null. */
export function toDicomDate(value: string | undefined | null): string | null {
  const digits = value?.trim().replace(/\./g, '');
  if (!digits || !/^\d{8}$/.test(digits)) return null;
  const month = Number(digits.slice(4, 6));
  const day = Number(digits.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? digits : null;
}

/** Completed years between two YYYYMMDD dates (a birthday counts on its day); null if negative. */
export function wholeYearsBetween(birthDate: string, onDate: string): number | null {
  const [by, bm, bd] = [birthDate.slice(0, 4), birthDate.slice(4, 6), birthDate.slice(6, 8)].map(Number) as [number, number, number];
  const [oy, om, od] = [onDate.slice(0, 4), onDate.slice(4, 6), onDate.slice(6, 8)].map(Number) as [number, number, number];
  const years = oy - by - (om < bm || (om === bm && od < bd) ? 1 : 0);
  return years >= 0 ? years : null;
}

/**
 * A DICOM Age String ("063Y", "018M", "010W", "030D") in completed years, or null when it
 * is not one. Months, weeks and days are converted the way the sample generator's oracle
 * does (12 months, 365.25 days a year).
 */
export function parseDicomAge(value: string | null | undefined): number | null {
  const match = /^(\d{1,3})\s*([DWMY])$/i.exec(value?.trim() ?? '');
  if (!match) return null;
  const n = Number(match[1]);
  switch (match[2]!.toUpperCase()) {
    case 'Y': return n;
    case 'M': return Math.floor(n / 12);
    case 'W': return Math.floor((n * 7) / 365.25);
    default: return Math.floor(n / 365.25);
  }
}

export function toStudyEntry(dto: StudyDto): StudyEntry {
  const tags = dto.MainDicomTags;
  const patient = dto.PatientMainDicomTags;
  const studyDate = toDicomDate(tags.StudyDate);
  const birthDate = toDicomDate(patient.PatientBirthDate);
  const groupingTags: Record<string, string> = {};
  const institution = text(tags.InstitutionName);
  if (institution) groupingTags.InstitutionName = institution;
  return {
    orthancId: dto.ID,
    studyInstanceUid: tags.StudyInstanceUID.trim(),
    nativePatientId: patient.PatientID,
    sex: sexFromDicom(patient.PatientSex),
    studyDate,
    studyTime: /^\d{1,6}/.exec(tags.StudyTime?.trim() ?? '')?.[0] ?? '',
    description: text(tags.StudyDescription),
    groupingTags,
    labels: [...(dto.Labels ?? [])].sort(),
    ageFromBirthDate: birthDate && studyDate ? wholeYearsBetween(birthDate, studyDate) : null,
    seriesIds: [...dto.Series].sort(),
    lastUpdate: dto.LastUpdate ?? '',
  };
}

function requestedStrings(tags: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [keyword, value] of Object.entries(tags ?? {})) {
    if (typeof value === 'string') result[keyword] = value;
    else if (value !== null && typeof value === 'object' && typeof (value as { Value?: unknown }).Value === 'string') {
      result[keyword] = (value as { Value: string }).Value;
    }
  }
  return result;
}

export function toSeriesSummary(dto: SeriesDto, keepRequested: readonly string[] = []): SeriesSummary {
  const tags = dto.MainDicomTags;
  const requested = requestedStrings(dto.RequestedTags);
  const kept: Record<string, string> = {};
  for (const keyword of keepRequested) if (requested[keyword] !== undefined) kept[keyword] = requested[keyword]!;
  return {
    orthancId: dto.ID,
    studyOrthancId: dto.ParentStudy,
    seriesInstanceUid: tags.SeriesInstanceUID.trim(),
    modality: tags.Modality?.trim().toUpperCase() ?? '',
    bodyPart: text(tags.BodyPartExamined),
    manufacturer: text(tags.Manufacturer),
    description: text(tags.SeriesDescription),
    instanceCount: dto.Instances.length,
    sampleInstanceIds: [...dto.Instances].sort().slice(0, SAMPLE_INSTANCES),
    requestedTags: kept,
  };
}

/** Modalities that are not images: a study's representative instance is taken elsewhere first. */
const NON_IMAGE_MODALITIES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'RTRECORD', 'SR', 'KO', 'PR', 'DOC', 'REG', 'PLAN']);

/**
 * The series whose first instance stands for the study's patient-level and trial tags:
 * the first image series by SeriesInstanceUID, else the first series. SEG, RTSTRUCT and
 * reports are written by other software and often lack PatientAge or trial tags.
 */
export function representativeSeries(series: readonly SeriesSummary[]): SeriesSummary | undefined {
  const ordered = [...series].filter((s) => s.sampleInstanceIds.length > 0).sort((a, b) => compareText(a.seriesInstanceUid, b.seriesInstanceUid));
  return ordered.find((s) => !NON_IMAGE_MODALITIES.has(s.modality)) ?? ordered[0];
}

/** Picks PatientAge and the grouping tag out of an instance's tags; nothing else is kept. */
export function toInstanceFacts(tags: SimplifiedTags | Readonly<Record<string, string>>, groupingTag: string | undefined): InstanceFacts {
  const read = (keyword: string) => {
    const value = (tags as Record<string, SimplifiedValue | string>)[keyword];
    return typeof value === 'string' ? text(value) : null;
  };
  return { patientAge: read('PatientAge'), groupingValue: groupingTag ? read(groupingTag) : null };
}

function sequence(tags: SimplifiedTags, keyword: string): readonly SimplifiedTags[] {
  const value = tags[keyword];
  return Array.isArray(value) ? (value as readonly SimplifiedTags[]) : [];
}

/**
 * The series a SEG or RTSTRUCT instance references: SEG through ReferencedSeriesSequence
 * (Common Instance Reference module); RTSTRUCT through ReferencedFrameOfReferenceSequence
 * > RTReferencedStudySequence > RTReferencedSeriesSequence. The label is the RTSTRUCT's
 * StructureSetLabel or the SEG's segment labels.
 */
export function toSegmentationFacts(tags: SimplifiedTags): SegmentationFacts {
  const uids = new Set<string>();
  for (const item of sequence(tags, 'ReferencedSeriesSequence')) {
    const uid = simplifiedString(item, 'SeriesInstanceUID')?.trim();
    if (uid) uids.add(uid);
  }
  for (const frame of sequence(tags, 'ReferencedFrameOfReferenceSequence')) {
    for (const study of sequence(frame, 'RTReferencedStudySequence')) {
      for (const series of sequence(study, 'RTReferencedSeriesSequence')) {
        const uid = simplifiedString(series, 'SeriesInstanceUID')?.trim();
        if (uid) uids.add(uid);
      }
    }
  }
  const segmentLabels = sequence(tags, 'SegmentSequence')
    .map((segment) => text(simplifiedString(segment, 'SegmentLabel')))
    .filter((label): label is string => label !== null);
  const label = text(simplifiedString(tags, 'StructureSetLabel')) ?? (segmentLabels.length > 0 ? [...new Set(segmentLabels)].join(', ') : null);
  return { referencedSeriesUids: [...uids].sort(), label };
}

/** A Modality outside the contract's vocabulary (KO, PR, SR...) is reported as OT. */
export function toModality(value: string | null | undefined): Modality {
  return modalityFromDicom(value) ?? 'OT';
}

export function toBodyPart(value: string | null | undefined): BodyPart | null {
  return bodyPartFromDicom(value) ?? null;
}

export function toSeriesRecord(series: SeriesSummary): SeriesRecord {
  return {
    localId: series.orthancId,
    seriesInstanceUid: series.seriesInstanceUid,
    modality: toModality(series.modality),
    bodyPart: toBodyPart(series.bodyPart),
    manufacturer: series.manufacturer,
    description: series.description,
    instanceCount: series.instanceCount,
  };
}

/**
 * A study record: modalities are those of its series; the body part is the one most of
 * its series show (ties to the first alphabetically), as DICOM has no study body part.
 */
export function toStudyRecord(study: StudyEntry, series: readonly SeriesSummary[]): StudyRecord {
  const modalities = [...new Set(series.map((s) => toModality(s.modality)))].sort();
  const bodyParts = new Map<BodyPart, number>();
  for (const s of series) {
    const part = toBodyPart(s.bodyPart);
    if (part) bodyParts.set(part, (bodyParts.get(part) ?? 0) + 1);
  }
  const bodyPart = [...bodyParts].sort(([a, n], [b, m]) => m - n || compareText(a, b))[0]?.[0] ?? null;
  return {
    localId: study.orthancId,
    studyInstanceUid: study.studyInstanceUid,
    year: study.studyDate ? Number(study.studyDate.slice(0, 4)) : null,
    modalities,
    bodyPart,
    description: study.description,
  };
}

export function toSegmentationRecord(series: SeriesSummary, facts: SegmentationFacts): SegmentationRecord {
  return {
    localId: series.orthancId,
    format: series.modality === 'SEG' ? 'DICOM_SEG' : 'RTSTRUCT',
    seriesInstanceUid: series.seriesInstanceUid,
    label: facts.label ?? series.description,
  };
}

/** Code-unit order: stable across runs and locales (localeCompare is neither). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders a subject's studies from the earliest: StudyDate, StudyTime, then UID; undated last. */
export function compareStudiesByDate(a: StudyEntry, b: StudyEntry): number {
  if (a.studyDate !== b.studyDate) {
    if (a.studyDate === null) return 1;
    if (b.studyDate === null) return -1;
    return compareText(a.studyDate, b.studyDate);
  }
  return compareText(a.studyTime, b.studyTime) || compareText(a.studyInstanceUid, b.studyInstanceUid);
}
