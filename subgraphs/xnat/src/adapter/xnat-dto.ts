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
 *   root element's fields by their lower-cased display-field id (`session_id`, `modality`),
 *   a field named by xpath by `XNAT_COL_<element local name><path without separators>` in
 *   lower case (`xnat:ctScanData/bodyPartExamined` -> `xnat_col_ctscandatabodypartexamined`),
 *   and joined elements' fields by `<element sql name>_<field id>`, lower case.
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

/** A row value as the trimmed string it means ("" for null), or undefined when it is no scalar. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Lower-cased keys of a row; of two keys equal but for case, the non-empty value wins. */
function lowerCaseKeys(row: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const lower = new Map<string, unknown>();
  for (const [key, value] of Object.entries(row)) {
    const k = key.toLowerCase();
    if (!lower.has(k) || (value !== '' && value !== null)) lower.set(k, value);
  }
  return lower;
}

const isRowObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A row schema from field aliases: each output field takes the first alias present in the
 * row with a non-empty value (exact key first, then case-insensitively, which covers the
 * lower-cased xpath form); `present` says whether any alias was there at all. A value read
 * must be a scalar (string, number, boolean or null, as the trimmed string it means).
 * `required` fields must be present and non-empty; the others default to ''.
 *
 * Written as one transform rather than a record of zod scalars: a 5,000-subject project's
 * answers hold about 25,000 rows, and this keeps their parse in the tens of milliseconds.
 */
export function normalisedRow<const F extends string, const R extends F>(
  aliases: Readonly<Record<F, readonly string[]>>,
  required: readonly R[],
) {
  const fields = Object.keys(aliases) as F[];
  const lowerAliases = fields.map((field) => aliases[field].map((alias) => alias.toLowerCase()));
  return z.custom<Record<string, unknown>>(isRowObject, 'a row is an object').transform((row, ctx) => {
    let lower: Map<string, unknown> | undefined;
    const out = {} as Record<F, string>;
    const present = {} as Record<F, boolean>;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const list = aliases[field];
      let found = false;
      let value = '';
      for (let j = 0; j < list.length; j++) {
        const alias = list[j]!;
        let candidate: unknown = Object.hasOwn(row, alias) ? row[alias] : undefined;
        if (candidate === undefined) candidate = (lower ??= lowerCaseKeys(row)).get(lowerAliases[i]![j]!);
        if (candidate === undefined) continue;
        const text = scalarText(candidate);
        if (text === undefined) {
          ctx.addIssue({ code: 'custom', path: [alias], message: `${field} is not a scalar` });
          return z.NEVER;
        }
        found = true;
        if (text !== '') {
          value = text;
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
// GET /data/projects/{p}/subjects?format=json&columns=ID,gender,age,dob,yob
// (ProjectSubjectList; default columns ID, project, label, insert_date, insert_user, URI).
// The demographics as stored: gender `male`/`female`/`other`/`unknown` (or ""), the full
// date of birth, the year of birth, the age. The search service's subject display fields
// are no substitute: GENDER_TEXT folds everything but male/female into "U", DOB is the
// YEAR of birth (COALESCE(yob, year of dob)) and there is no YOB field.

const DEMOGRAPHICS = 'xnat:subjectdata/demographics[@xsi:type=xnat:demographicdata]';

export const subjectRowSchema = normalisedRow({
  /** The subject accession (XNAT_S00001): the only subject key the adapter keeps. */
  id: ['ID', 'xnat:subjectdata/id'],
  gender: ['gender', `${DEMOGRAPHICS}/gender`],
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
  subjectId: ['subject_ID', 'xnat:subjectassessordata/subject_id', 'xnat:imagesessiondata/subject_id'],
  date: ['date', 'xnat:experimentdata/date', 'xnat:imagesessiondata/date'],
  xsiType: ['xsiType'],
  uid: ['UID', 'studyInstanceUID', 'xnat:imagesessiondata/uid'],
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
// POST /data/search?format=json with an xdat:bundle rooted at ONE concrete scan data type
// (xnat:ctScanData, xnat:mrScanData ...; SearchResource). Only concrete types have a display
// document (xnat-web schemas/xnat/display/xnat_<type>_display.xml): a search rooted at the
// abstract xnat:imageScanData fails. The root's display fields come back under their
// lower-cased ids: ID -> `id`, SESSION_ID -> `session_id`, MODALITY, BODYPARTEXAMINED,
// SCANNER_MANUFACTURER. xnat:segScanData's document has no BODYPARTEXAMINED: for such a
// type the field is named by xpath, and comes back as `xnat_col_<type>bodypartexamined`.

const scanSearchSchemas = new Map<string, ReturnType<typeof buildScanSearchSchema>>();

function buildScanSearchSchema(xpathPrefix: string) {
  return resultSetSchema(normalisedRow({
    scanId: ['id'],
    sessionId: ['session_id'],
    modality: ['modality'],
    bodyPart: ['bodypartexamined', `${xpathPrefix}bodypartexamined`],
    manufacturer: ['scanner_manufacturer'],
  }, ['scanId', 'sessionId']));
}

/** The key prefix XNAT gives a field named by xpath in a search rooted at `scanType`. */
export function xpathKeyPrefix(scanType: string): string {
  return `xnat_col_${scanType.slice(scanType.indexOf(':') + 1).toLowerCase()}`;
}

/** The answer schema of a search rooted at one scan data type (one row per scan). */
export function scanSearchSchemaFor(scanType: string) {
  const key = scanType.toLowerCase();
  let schema = scanSearchSchemas.get(key);
  if (!schema) scanSearchSchemas.set(key, (schema = buildScanSearchSchema(xpathKeyPrefix(scanType))));
  return schema;
}
export type ScanSearchRow = z.infer<ReturnType<typeof scanSearchSchemaFor>>['ResultSet']['Result'][number];

// ---------------------------------------------------------------------------------------
// GET /data/services/tokens/issue (XNAT's TokenRestlet / AliasTokenService; the restlet
// answers GET only): the alias token JSON. estimatedExpirationTime is epoch milliseconds.

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
