/**
 * The XNAT kind's adapter layer: the REST client (xnat-client, xnat-dto), the mappers to the
 * kit's records, the per-site snapshot cache and the ProviderAdapter of one XNAT site.
 */
export { createXnatAdapter, XNAT_API } from './create-xnat-adapter.js';
export {
  EXPERIMENT_COLUMNS, ROI_COLUMNS, SCAN_COLUMNS, SCAN_SEARCH_FIELDS, SUBJECT_COLUMNS,
  buildScanSearchBundle, createXnatClient, createXnatClientForSite, isScanDataType, isXnatId, scanSearchFieldIds,
  type ScanSearchOptions, type XnatArchiveStream, type XnatClient, type XnatClientOptions, type XnatCredentials,
} from './xnat-client.js';
export { ANY_SESSION_SCAN_TYPES, distinctScanTypes, scanTypesOfSession } from './xnat-scan-types.js';
export {
  XnatOptionsError, parseXnatSiteOptions, xnatSiteOptionsSchema, type XnatSiteOptions,
} from './xnat-options.js';
export { ALWAYS_EXACT, exactCriteriaFor } from './xnat-criteria.js';
export {
  XnatCallFailure, XnatCredentialsMissingError, XnatForbiddenError, XnatNotFoundError, XnatSearchUnavailableError,
} from './xnat-errors.js';
export { SEARCH_RETRY_MS, XnatSiteCache, type ProjectSnapshot, type SearchState, type SnapshotSource } from './xnat-site-cache.js';
export {
  aliasTokenSchema, experimentListSchema, experimentRowSchema, normalisedRow, projectItemSchema, projectListSchema,
  projectRowSchema, resultSetSchema, roiCollectionListSchema, roiCollectionRowSchema, scanListSchema,
  scanRowSchema, scanSearchSchemaFor, sessionIdSchema, subjectListSchema, subjectRowSchema, xnatValue, xpathKeyPrefix,
  type AliasTokenDto, type ExperimentRow, type ProjectItemDto, type ProjectRow, type ResultSet,
  type RoiCollectionRow, type ScanRow, type ScanSearchRow, type SubjectRow,
} from './xnat-dto.js';
export type { ScanEntry, SessionEntry, SubjectEntry } from './xnat-mappers.js';
