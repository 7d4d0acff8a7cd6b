import { z } from 'zod';

/**
 * zod schemas of every XNAT 1.8 response the adapter reads (REST API under /data, the
 * restlet resources of xnat-web 1.8.x). Recorded-shape examples sit in
 * test/adapter/fixtures (see its README for each file's call and source).
 *
 * Facts these schemas encode:
 * - List resources (`?format=json`) answer the envelope
 *   `{"ResultSet":{"Result":[row...],"totalRecords":"N", "title"?, "Columns"?, "rootElementName"?}}`.
 *   Every row value is a STRING: numbers ("128") and booleans ("true") too, and a missing
 *   value is "" (XFTTable writes nulls as empty strings). `totalRecords` is a string as well.
 * - A row's keys are the REST shortcut names when a column is one (`ID`, `label`, `gender`,
 *   `subject_ID`, `UID`, `series_description` ... from XMLPathShortcuts), and the
 *   LOWER-CASED xpath otherwise (`xnat:subjectdata/demographics[@xsi:type=xnat:demographicdata]/gender`,
 *   `xnat:imagescandata/scanner/manufacturer`, `xnat:subjectassessordata/id`); XNAT also
 *   adds the root element's id column under its lower-cased xpath. Which form comes back
 *   depends on the column asked for and on the XNAT release, so each row schema below
 *   accepts every known alias of a field and normalises it to one typed record.
 * - The search service (`POST /data/search?format=json` with an `xdat:bundle`) keys the
 *   root element's fields by their lower-cased display-field id (`subject_id`,
 *   `gender_text`) and joined elements' fields by `<element sql name>_<field id>`, lower
 *   case (`xnat_imagesessiondata_subject_id`).
 *
 * Rows are normalised to records holding only the fields the adapter uses. Direct
 * identifiers XNAT can send beside them (dcmPatientName, dcmPatientId, operator, the
 * subject's label, which is often a name) are dropped here and never reach a cache, a
 * mapper or a log; the date of birth is kept only until the mapper has computed an age.
 */

/** Any scalar XNAT may put in a row, as the trimmed string it means ("" when absent). */
export const xnatValue = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((value) => (value === null ? '' : String(value).trim()));

/** A raw row: column name to string value. */
export const rawRowSchema = z.record(z.string(), xnatValue);
export type RawRow = z.infer<typeof rawRowSchema>;

/** `totalRecords` as XNAT writes it ("12"), or a number from a lenient server. */
const totalRecordsSchema = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const n = typeof value === 'number' ? value : Number(value.trim());
    if (!Number.isSafeInteger(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: 'totalRecords is not a non-negative integer' });
      return z.NEVER;
    }
    return n;
  });

/** The `{"ResultSet":{...}}` envelope around rows of one kind. */
export function resultSetSchema<T extends z.ZodType>(row: T) {
  return z.object({
    ResultSet: z.object({
      Result: z.array(row),
      totalRecords: totalRecordsSchema.optional(),
      title: z.string().optional(),
      rootElementName: z.string().optional(),
    }),
  });
}

export interface ResultSet<T> {
  readonly rows: T[];
  /** totalRecords when XNAT sent it (it always equals rows.length: XNAT does not page). */
  readonly totalRecords?: number;
}

/**
 * A row schema from field aliases: each output field takes the first alias present in the
 * row (exact key first, then case-insensitively, which covers the lower-cased xpath form).
 * `required` fields must be present and non-empty; the others default to ''.
 */
export function normalisedRow<const F extends string, const R extends F>(
  aliases: Readonly<Record<F, readonly string[]>>,
  required: readonly R[],
) {
  const fields = Object.keys(aliases) as F[];
  return rawRowSchema.transform((row, ctx) => {
    const lower = new Map<string, string>();
    for (const [key, value] of Object.entries(row)) {
      const k = key.toLowerCase();
      if (!lower.has(k) || value !== '') lower.set(k, value);
    }
    const out = {} as Record<F, string>;
    const present = {} as Record<F, boolean>;
    for (const field of fields) {
      let found = false;
      let value = '';
      for (const alias of aliases[field]) {
        const candidate = row[alias] ?? lower.get(alias.toLowerCase());
        if (candidate === undefined) continue;
        found = true;
        if (candidate !== '') {
          value = candidate;
          break;
        }
      }
      present[field] = found;
      out[field] = value;
    }
    for (const field of required) {
      if (out[field] === '') {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} is missing` });
        return z.NEVER;
      }
    }
    return { ...out, present } as Record<F, string> & { readonly present: Readonly<Record<F, boolean>> };
  });
}

// ---------------------------------------------------------------------------------------
// GET /data/projects?format=json  (ProjectListResource; default columns ID, secondary_ID,
// name, description, pi_firstname, pi_lastname, URI)

export const projectRowSchema = normalisedRow({
  id: ['ID', 'xnat:projectdata/id'],
  name: ['name', 'xnat:projectdata/name'],
  secondaryId: ['secondary_ID', 'xnat:projectdata/secondary_id'],
  description: ['description', 'xnat:projectdata/description'],
}, ['id']);
export type ProjectRow = z.infer<typeof projectRowSchema>;
export const projectListSchema = resultSetSchema(projectRowSchema);

// ---------------------------------------------------------------------------------------
// GET /data/projects/{p}?format=json  (ProjectResource, the "items" form of one item)

export const projectItemSchema = z.object({
  items: z.array(z.object({
    meta: z.object({ 'xsi:type': z.string().optional() }).optional(),
    data_fields: z.object({
      ID: xnatValue,
      name: xnatValue.optional(),
      secondary_ID: xnatValue.optional(),
      description: xnatValue.optional(),
      keywords: xnatValue.optional(),
    }),
  })).min(1),
});
export type ProjectItemDto = z.infer<typeof projectItemSchema>;

// ---------------------------------------------------------------------------------------
// GET /data/projects/{p}/subjects?format=json&columns=ID,label,gender,age,dob,yob
// (ProjectSubjectList; default columns ID, project, label, insert_date, insert_user, URI)

const DEMOGRAPHICS = 'xnat:subjectdata/demographics[@xsi:type=xnat:demographicdata]';

export const subjectRowSchema = normalisedRow({
  /** The subject accession (XNAT_S00001): the only subject key the adapter keeps. */
  id: ['ID', 'xnat:subjectdata/id', 'subject_id'],
  project: ['project', 'xnat:subjectdata/project'],
  gender: ['gender', `${DEMOGRAPHICS}/gender`, 'gender_text'],
  age: ['age', `${DEMOGRAPHICS}/age`],
  yob: ['yob', `${DEMOGRAPHICS}/yob`],
  /** Read only to derive an age inside the adapter; never stored. */
  dob: ['dob', `${DEMOGRAPHICS}/dob`],
}, ['id']);
export type SubjectRow = z.infer<typeof subjectRowSchema>;
export const subjectListSchema = resultSetSchema(subjectRowSchema);

// ---------------------------------------------------------------------------------------
// GET /data/projects/{p}/experiments?format=json&xsiType=xnat:imageSessionData&columns=...
// (ProjSubExptList; default columns ID, project, date, xsiType, label, insert_date, URI,
// plus the root's id under its lower-cased xpath, e.g. "xnat:subjectassessordata/id")

export const experimentRowSchema = normalisedRow({
  id: ['ID', 'xnat:imagesessiondata/id', 'xnat:subjectassessordata/id', 'xnat:experimentdata/id', 'session_ID'],
  project: ['project', 'xnat:experimentdata/project'],
  subjectId: ['subject_ID', 'xnat:subjectassessordata/subject_id', 'xnat:imagesessiondata/subject_id'],
  date: ['date', 'xnat:experimentdata/date', 'xnat:imagesessiondata/date'],
  xsiType: ['xsiType'],
  uid: ['UID', 'studyInstanceUID', 'xnat:imagesessiondata/uid'],
  modality: ['modality', 'xnat:imagesessiondata/modality'],
  manufacturer: ['xnat:imagesessiondata/scanner/manufacturer', 'scanner/manufacturer'],
  sessionType: ['session_type', 'xnat:imagesessiondata/session_type'],
}, ['id', 'xsiType']);
export type ExperimentRow = z.infer<typeof experimentRowSchema>;
export const experimentListSchema = resultSetSchema(experimentRowSchema);

// ---------------------------------------------------------------------------------------
// GET /data/experiments/{id}/scans?format=json&columns=...  (ScanList; default columns
// xnat_imagescandata_id, ID, type, quality, xsiType, note, series_description, URI)

export const scanRowSchema = normalisedRow({
  id: ['ID', 'xnat:imagescandata/id'],
  xsiType: ['xsiType'],
  type: ['type', 'xnat:imagescandata/type'],
  seriesDescription: ['series_description', 'xnat:imagescandata/series_description'],
  uid: ['UID', 'xnat:imagescandata/uid'],
  modality: ['modality', 'xnat:imagescandata/modality'],
  frames: ['frames', 'xnat:imagescandata/frames'],
  bodyPart: ['xnat:imagescandata/bodypartexamined', 'bodyPartExamined'],
  manufacturer: ['xnat:imagescandata/scanner/manufacturer', 'scanner/manufacturer'],
  quality: ['quality', 'xnat:imagescandata/quality'],
}, ['id']);
export type ScanRow = z.infer<typeof scanRowSchema>;
export const scanListSchema = resultSetSchema(scanRowSchema);

// ---------------------------------------------------------------------------------------
// GET /data/experiments/{id}/assessors?format=json&xsiType=icr:roiCollectionData&columns=...
// (one row per referenced series UID when references/seriesUID is a column: XNAT flattens
// the multi-valued field into rows)

export const roiCollectionRowSchema = normalisedRow({
  id: ['ID', 'icr:roicollectiondata/id', 'xnat:imageassessordata/id', 'xnat:experimentdata/id'],
  xsiType: ['xsiType'],
  label: ['label', 'icr:roicollectiondata/label'],
  collectionType: ['icr:roicollectiondata/collectiontype', 'collectionType'],
  referencedSeriesUid: ['icr:roicollectiondata/references/seriesuid', 'references/seriesUID'],
  sessionId: ['session_ID', 'xnat:imageassessordata/imagesession_id'],
}, ['id']);
export type RoiCollectionRow = z.infer<typeof roiCollectionRowSchema>;
export const roiCollectionListSchema = resultSetSchema(roiCollectionRowSchema);

// ---------------------------------------------------------------------------------------
// POST /data/search?format=json with an xdat:bundle (SearchResource). Keys: lower-cased
// display-field ids of the root element; joined elements' fields as
// "<element sql name>_<field id>" in lower case.

/** Root xnat:imageScanData: one row per scan of the project's image sessions. */
export const scanSearchRowSchema = normalisedRow({
  scanId: ['id'],
  sessionId: ['image_session_id'],
  subjectId: ['xnat_imagesessiondata_subject_id'],
  sessionDate: ['xnat_imagesessiondata_date'],
  modality: ['modality'],
  bodyPart: ['bodypartexamined'],
  manufacturer: ['scanner_manufacturer'],
  xsiType: ['xsitype', 'element_name'],
}, ['scanId', 'sessionId', 'subjectId']);
export type ScanSearchRow = z.infer<typeof scanSearchRowSchema>;
export const scanSearchSchema = resultSetSchema(scanSearchRowSchema);

/** Root xnat:subjectData: one row per subject of the project. */
export const subjectSearchRowSchema = normalisedRow({
  subjectId: ['subject_id'],
  gender: ['gender_text', 'gender'],
  age: ['age'],
  yob: ['yob'],
  dob: ['dob'],
}, ['subjectId']);
export type SubjectSearchRow = z.infer<typeof subjectSearchRowSchema>;
export const subjectSearchSchema = resultSetSchema(subjectSearchRowSchema);

// ---------------------------------------------------------------------------------------
// POST /data/services/tokens/issue (XNAT's TokenRestlet / AliasTokenService): the alias
// token JSON. estimatedExpirationTime is epoch milliseconds.

export const aliasTokenSchema = z.object({
  alias: z.string().min(1),
  secret: z.string().min(1),
  xdatUserId: z.union([z.string(), z.number()]).optional(),
  singleUse: z.boolean().optional(),
  estimatedExpirationTime: z.union([z.number(), z.string()]).optional(),
  timestamp: z.number().optional(),
  enabled: z.boolean().optional(),
  created: z.number().optional(),
  id: z.number().optional(),
  validIPAddresses: z.array(z.string()).nullable().optional(),
});
export type AliasTokenDto = z.infer<typeof aliasTokenSchema>;

/** POST /data/JSESSION answers the bare session id as text/plain. */
export const sessionIdSchema = z.string().trim().regex(/^[A-Za-z0-9._-]{8,128}$/, 'not a session id');
