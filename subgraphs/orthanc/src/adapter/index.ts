/**
 * The Orthanc kind's adapter layer: the REST client (orthanc-client, orthanc-dto), the
 * mappers to the kit's records and the ProviderAdapter of one Orthanc site.
 */
export { createOrthancAdapter } from './create-orthanc-adapter.js';
export {
  createOrthancClient, createOrthancClientForSite, isOrthancId, orthancVersionAtLeast, toFeatures,
  type ExpandedByLevel, type FindLevel, type FindRequest, type OrthancClient, type OrthancClientOptions,
  type OrthancFeatures, type PageOptions, type SeriesArchiveStream,
} from './orthanc-client.js';
export {
  GROUPING_TAGS, OrthancOptionsError, SITE_DATASET_ID, groupingSchema, orthancSiteOptionsSchema, parseOrthancSiteOptions,
  type GroupingOption, type GroupingTag, type OrthancSiteOptions,
} from './orthanc-options.js';
export { ALWAYS_EXACT, exactCriteriaFor } from './orthanc-criteria.js';
export {
  OrthancCredentialsMissingError, OrthancNotFoundError, OrthancUnsupportedFeatureError,
} from './orthanc-errors.js';
export type {
  ChangeDto, ChangesDto, DicomJsonDataset, InstanceDto, PatientDto, PluginsDto, QidoSeriesDto, SeriesDto,
  SimplifiedTags, StatisticsDto, StudyDto, SystemDto,
} from './orthanc-dto.js';
export { dicomJsonString } from './orthanc-dto.js';
