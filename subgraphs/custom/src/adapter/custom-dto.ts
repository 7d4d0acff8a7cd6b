/** Row shapes the adapter's SQL returns (column aliases), before mapping to kit records. */

export interface CountRow {
  readonly datasetId: string;
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
}

export interface SubjectRow {
  readonly patientId: string;
  readonly sex: string | null;
  readonly ageAtDiagnosis: number | null;
  readonly diagnosis: string | null;
  readonly yearOfDiagnosis: number | null;
}

/** One (study, modality, body part) group of a subject's series, with how many series it has. */
export interface StudyPartRow {
  readonly datasetId: string;
  readonly patientId: string;
  readonly studyUid: string;
  readonly studyYear: number | null;
  readonly studyDescription: string | null;
  readonly modality: string;
  readonly bodyPart: string | null;
  readonly seriesCount: number;
}

export interface SeriesRowDto {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly modality: string;
  readonly bodyPart: string | null;
  readonly manufacturer: string | null;
  readonly seriesDescription: string | null;
  readonly instanceCount: number | null;
}

export interface SegmentationRowDto {
  readonly seriesUid: string;
  readonly segUid: string;
  readonly format: string;
  readonly label: string | null;
}
