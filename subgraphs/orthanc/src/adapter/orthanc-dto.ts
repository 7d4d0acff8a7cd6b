import { z } from 'zod';

/**
 * zod schemas of the Orthanc REST API responses this kind reads, written from what a real
 * Orthanc 1.10.1 (ApiVersion 16, DICOMweb plugin 1.7) answers; recorded examples sit in
 * test/adapter/fixtures. Objects keep only the fields the adapter reads: zod strips the
 * rest at parse time, so direct identifiers Orthanc returns beside them (PatientName,
 * AccessionNumber, ReferringPhysicianName, OperatorsName...) are dropped at the boundary
 * and never reach a cache, a mapper or a log.
 *
 * Main DICOM tags in Orthanc 1.10 (what `MainDicomTags` holds, what /tools/find matches
 * from the index without opening files):
 * - patient: PatientName, PatientID, PatientBirthDate, PatientSex, OtherPatientIDs;
 * - study: StudyDate, StudyTime, StudyID, StudyDescription, AccessionNumber,
 *   StudyInstanceUID, RequestedProcedureDescription, InstitutionName, RequestingPhysician,
 *   ReferringPhysicianName;
 * - series: Manufacturer, Modality, SeriesDate, SeriesTime, SeriesDescription,
 *   BodyPartExamined, ProtocolName, SeriesNumber, SeriesInstanceUID, StationName,
 *   OperatorsName, ContrastBolusAgent, ImageOrientationPatient, ... (no ClinicalTrial*).
 * PatientAge, ClinicalTrialProtocolID and ModalitiesInStudy are NOT main tags in 1.10:
 * they need an instance's tags (or RequestedTags on ApiVersion >= 17).
 */

/** GET /system */
export const systemSchema = z.object({
  ApiVersion: z.number().int().nonnegative(),
  Version: z.string(),
  Name: z.string(),
  PluginsEnabled: z.boolean(),
  DatabaseVersion: z.number().int().optional(),
  CheckRevisions: z.boolean().optional(),
});
export type SystemDto = z.infer<typeof systemSchema>;

/** GET /plugins: the ids of the loaded plugins ("dicom-web", "explorer.js", ...). */
export const pluginsSchema = z.array(z.string());
export type PluginsDto = z.infer<typeof pluginsSchema>;

/** GET /statistics */
export const statisticsSchema = z.object({
  CountPatients: z.number().int().nonnegative(),
  CountStudies: z.number().int().nonnegative(),
  CountSeries: z.number().int().nonnegative(),
  CountInstances: z.number().int().nonnegative(),
  TotalDiskSizeMB: z.number().nonnegative(),
  TotalUncompressedSizeMB: z.number().nonnegative(),
});
export type StatisticsDto = z.infer<typeof statisticsSchema>;

/** One entry of GET /changes. */
export const changeSchema = z.object({
  ChangeType: z.string(),
  ResourceType: z.string(),
  ID: z.string(),
  Seq: z.number().int(),
  Date: z.string(),
  Path: z.string().optional(),
});
export type ChangeDto = z.infer<typeof changeSchema>;

/** GET /changes?since=&limit= and GET /changes?last */
export const changesSchema = z.object({
  Changes: z.array(changeSchema),
  Done: z.boolean(),
  /** The Seq of the last change returned; with no change, the newest Seq of the server. */
  Last: z.number().int(),
});
export type ChangesDto = z.infer<typeof changesSchema>;

/** Patient main tags, as the adapter may read them (PatientName is stripped here). */
export const patientMainTagsSchema = z.object({
  PatientID: z.string(),
  PatientSex: z.string().optional(),
  /** Read only to compute an age inside the adapter; never stored or returned. */
  PatientBirthDate: z.string().optional(),
});
export type PatientMainTagsDto = z.infer<typeof patientMainTagsSchema>;

/** Study main tags the adapter reads (AccessionNumber, physicians, StudyID are stripped). */
export const studyMainTagsSchema = z.object({
  StudyInstanceUID: z.string(),
  StudyDate: z.string().optional(),
  StudyTime: z.string().optional(),
  StudyDescription: z.string().optional(),
  InstitutionName: z.string().optional(),
});
export type StudyMainTagsDto = z.infer<typeof studyMainTagsSchema>;

/** Series main tags the adapter reads (OperatorsName, StationName... are stripped). */
export const seriesMainTagsSchema = z.object({
  SeriesInstanceUID: z.string(),
  Modality: z.string().optional(),
  BodyPartExamined: z.string().optional(),
  Manufacturer: z.string().optional(),
  SeriesDescription: z.string().optional(),
  SeriesNumber: z.string().optional(),
});
export type SeriesMainTagsDto = z.infer<typeof seriesMainTagsSchema>;

/**
 * RequestedTags of an expanded resource (ApiVersion >= 17 only): by default the
 * "human" format, tag name to string; a sequence or the "full" format gives objects,
 * which the adapter ignores.
 */
export const requestedTagsSchema = z.record(z.string(), z.unknown());

/** An expanded patient (GET /patients/{id}, /patients?expand, /tools/find Expand). */
export const patientSchema = z.object({
  ID: z.string(),
  Type: z.literal('Patient'),
  MainDicomTags: patientMainTagsSchema,
  Studies: z.array(z.string()),
  IsStable: z.boolean().optional(),
  LastUpdate: z.string().optional(),
  Labels: z.array(z.string()).optional(),
});
export type PatientDto = z.infer<typeof patientSchema>;

/** An expanded study (GET /studies/{id}, /studies?expand, /tools/find Level Study Expand). */
export const studySchema = z.object({
  ID: z.string(),
  Type: z.literal('Study'),
  ParentPatient: z.string(),
  MainDicomTags: studyMainTagsSchema,
  PatientMainDicomTags: patientMainTagsSchema,
  Series: z.array(z.string()),
  IsStable: z.boolean().optional(),
  LastUpdate: z.string().optional(),
  /** Orthanc >= 1.12. */
  Labels: z.array(z.string()).optional(),
  /** ApiVersion >= 17, when the request named RequestedTags. */
  RequestedTags: requestedTagsSchema.optional(),
});
export type StudyDto = z.infer<typeof studySchema>;

/** An expanded series (GET /series/{id}, /studies/{id}/series?expand, find Level Series Expand). */
export const seriesSchema = z.object({
  ID: z.string(),
  Type: z.literal('Series'),
  ParentStudy: z.string(),
  MainDicomTags: seriesMainTagsSchema,
  Instances: z.array(z.string()),
  ExpectedNumberOfInstances: z.number().int().nullable().optional(),
  Status: z.string().optional(),
  IsStable: z.boolean().optional(),
  LastUpdate: z.string().optional(),
  Labels: z.array(z.string()).optional(),
  RequestedTags: requestedTagsSchema.optional(),
});
export type SeriesDto = z.infer<typeof seriesSchema>;

/** An expanded instance (find Level Instance Expand, GET /series/{id}/instances). */
export const instanceSchema = z.object({
  ID: z.string(),
  Type: z.literal('Instance'),
  ParentSeries: z.string(),
  MainDicomTags: z.object({ SOPInstanceUID: z.string(), InstanceNumber: z.string().optional() }),
  IndexInSeries: z.number().int().nullable().optional(),
  FileSize: z.number().int().optional(),
});
export type InstanceDto = z.infer<typeof instanceSchema>;

/** A value in Orthanc's simplified tag format: a string, null (binary, too long), or a sequence. */
export type SimplifiedValue = string | null | readonly SimplifiedTags[];
export interface SimplifiedTags {
  readonly [keyword: string]: SimplifiedValue;
}
export const simplifiedValueSchema: z.ZodType<SimplifiedValue> = z.lazy(() =>
  z.union([z.string(), z.null(), z.array(simplifiedTagsSchema)]));
/**
 * GET /instances/{id}/simplified-tags, GET /studies/{id}/shared-tags?simplify: keyword to
 * value. Kept whole by the client; the adapter picks the few keywords it needs at once.
 */
export const simplifiedTagsSchema: z.ZodType<SimplifiedTags> = z.lazy(() => z.record(z.string(), simplifiedValueSchema));

/** One attribute of a DICOM JSON dataset (PS3.18 F.2), as QIDO-RS answers. */
export const dicomJsonAttributeSchema = z.object({
  vr: z.string(),
  Value: z.array(z.unknown()).optional(),
});
/** GET /dicom-web/series (application/dicom+json): one dataset per series, keyed by tag "0020000E". */
export const qidoSeriesSchema = z.array(z.record(z.string().regex(/^[0-9A-Fa-f]{8}$/), dicomJsonAttributeSchema));
export type QidoSeriesDto = z.infer<typeof qidoSeriesSchema>;
export type DicomJsonDataset = QidoSeriesDto[number];

/** The string value of a DICOM JSON attribute, if it holds one. */
export function dicomJsonString(dataset: DicomJsonDataset, tag: string): string | undefined {
  const value = dataset[tag.toUpperCase()]?.Value?.[0];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** A string-valued keyword of a simplified tag set, if present (sequences and nulls give undefined). */
export function simplifiedString(tags: SimplifiedTags, keyword: string): string | undefined {
  const value = tags[keyword];
  return typeof value === 'string' ? value : undefined;
}
