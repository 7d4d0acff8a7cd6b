import {
  CANCER_TYPES, bodyPartFromDicom, modalityFromDicom, sexFromDicom, type BodyPart, type CancerType, type Modality,
} from '@cancer-imaging/schema';
import {
  ProviderBadResponseError, type SegmentationRecord, type SeriesRecord, type StudyRecord, type SubjectRecord,
} from '@cancer-imaging/provider-kit';
import type { SegmentationRowDto, SeriesRowDto, StudyPartRow, SubjectRow } from './custom-dto.js';

/** Index values to contract records. Unknown codes never fail a page: they map to "unknown". */

export function toCancerType(value: string | null): CancerType | null {
  return value !== null && Object.hasOwn(CANCER_TYPES, value) ? (value as CancerType) : null;
}

/** A modality outside the contract's vocabulary (KO, PR, ...) is reported as OT (other). */
export function toModality(value: string | null): Modality {
  return modalityFromDicom(value) ?? 'OT';
}

export function toBodyPart(value: string | null): BodyPart | null {
  return bodyPartFromDicom(value) ?? null;
}

export function toSubjectRecord(row: SubjectRow, datasetLocalId: string): SubjectRecord {
  return {
    nativePatientId: row.patientId,
    datasetLocalId,
    sex: sexFromDicom(row.sex),
    ageAtDiagnosis: row.ageAtDiagnosis,
    diagnosis: toCancerType(row.diagnosis),
    yearOfDiagnosis: row.yearOfDiagnosis,
  };
}

export function toSeriesRecord(row: SeriesRowDto): SeriesRecord {
  return {
    localId: row.seriesUid,
    seriesInstanceUid: row.seriesUid,
    modality: toModality(row.modality),
    bodyPart: toBodyPart(row.bodyPart),
    manufacturer: row.manufacturer,
    description: row.seriesDescription,
    instanceCount: row.instanceCount,
  };
}

const SEGMENTATION_FORMATS = new Set<SegmentationRecord['format']>(['DICOM_SEG', 'RTSTRUCT', 'ROI_COLLECTION']);

export function toSegmentationRecord(row: SegmentationRowDto): SegmentationRecord {
  // The index's CHECK constraint admits only these; anything else is a foreign file.
  if (!SEGMENTATION_FORMATS.has(row.format as SegmentationRecord['format'])) {
    throw new ProviderBadResponseError('The site\'s index holds a segmentation of an unknown format.');
  }
  return { localId: row.segUid, format: row.format as SegmentationRecord['format'], seriesInstanceUid: row.segUid, label: row.label };
}

/**
 * Folds one subject's (study, modality, body part) groups into its studies. A study's
 * modalities are those of its series; its body part is the one most of its series show
 * (ties to the first alphabetically), as DICOM has no study-level body part. Studies come
 * in a stable order: by year (unknown last), then StudyInstanceUID.
 */
export function toStudyRecords(parts: readonly StudyPartRow[]): StudyRecord[] {
  interface Folded { uid: string; year: number | null; description: string | null; modalities: Set<Modality>; bodyParts: Map<BodyPart, number> }
  const studies = new Map<string, Folded>();
  for (const part of parts) {
    let study = studies.get(part.studyUid);
    if (!study) {
      study = { uid: part.studyUid, year: null, description: null, modalities: new Set(), bodyParts: new Map() };
      studies.set(part.studyUid, study);
    }
    // Study fields repeat on every series row; take the earliest year and the first description.
    if (part.studyYear !== null && (study.year === null || part.studyYear < study.year)) study.year = part.studyYear;
    study.description ??= part.studyDescription;
    study.modalities.add(toModality(part.modality));
    const bodyPart = toBodyPart(part.bodyPart);
    if (bodyPart) study.bodyParts.set(bodyPart, (study.bodyParts.get(bodyPart) ?? 0) + part.seriesCount);
  }
  return [...studies.values()]
    .map(({ uid, year, description, modalities, bodyParts }): StudyRecord => ({
      localId: uid,
      studyInstanceUid: uid,
      year,
      modalities: [...modalities].sort(),
      bodyPart: [...bodyParts].sort(([a, n], [b, m]) => m - n || (a < b ? -1 : 1))[0]?.[0] ?? null,
      description,
    }))
    .sort(compareStudies);
}

function compareStudies(a: StudyRecord, b: StudyRecord): number {
  const ya = a.year ?? Number.POSITIVE_INFINITY;
  const yb = b.year ?? Number.POSITIVE_INFINITY;
  if (ya !== yb) return ya - yb;
  return a.studyInstanceUid < b.studyInstanceUid ? -1 : a.studyInstanceUid > b.studyInstanceUid ? 1 : 0;
}
