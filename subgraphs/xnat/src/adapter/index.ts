/**
 * The XNAT kind's adapter layer: the REST client (xnat-client, xnat-dto), the mappers to the
 * kit's records, the per-site snapshot cache and the ProviderAdapter of one XNAT site.
 */
export { createXnatAdapter, XNAT_API } from './create-xnat-adapter.js';
export {
  EXPERIMENT_COLUMNS, ROI_COLUMNS, SCAN_COLUMNS, SEARCH_FIELDS, SUBJECT_COLUMNS,
  buildSearchBundle, createXnatClient, createXnatClientForSite, isXnatId,
  type SearchRoot, type XnatArchiveStream, type XnatClient, type XnatClientOptions, type XnatCredentials,
} from './xnat-client.js';
export {
  XnatOptionsError, parseXnatSiteOptions, xnatSiteOptionsSchema, type XnatSiteOptions,
} from './xnat-options.js';
export { ALWAYS_EXACT, exactCriteriaFor } from './xnat-criteria.js';
export {
  XnatCallFailure, XnatCredentialsMissingError, XnatNotFoundError, XnatSearchUnavailableError,
} from './xnat-errors.js';
export { SEARCH_RETRY_MS, XnatSiteCache, type ProjectSnapshot, type SearchState, type SnapshotSource } from './xnat-site-cache.js';
export {
  aliasTokenSchema, experimentListSchema, experimentRowSchema, normalisedRow, projectItemSchema, projectListSchema,
  projectRowSchema, rawRowSchema, resultSetSchema, roiCollectionListSchema, roiCollectionRowSchema, scanListSchema,
  scanRowSchema, scanSearchRowSchema, scanSearchSchema, sessionIdSchema, subjectListSchema, subjectRowSchema,
  subjectSearchRowSchema, subjectSearchSchema, xnatValue,
  type AliasTokenDto, type ExperimentRow, type ProjectItemDto, type ProjectRow, type RawRow, type ResultSet,
  type RoiCollectionRow, type ScanRow, type ScanSearchRow, type SubjectRow, type SubjectSearchRow,
} from './xnat-dto.js';
export type { ScanEntry, SessionEntry, SubjectEntry } from './xnat-mappers.js';
