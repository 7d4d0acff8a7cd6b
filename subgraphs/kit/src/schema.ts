import { FEDERATION_LINK, providerContractTypeDefs, sharedTypeDefs } from '@cancer-imaging/schema';
import { kindTypePrefix } from './registry.js';

/** Names of a kind's implementation types, e.g. custom → CustomProvider, CustomDataset, ... */
export function kindTypeNames(kind: string) {
  const prefix = kindTypePrefix(kind);
  return {
    provider: `${prefix}Provider`,
    dataset: `${prefix}Dataset`,
    subject: `${prefix}Subject`,
    study: `${prefix}Study`,
    series: `${prefix}Series`,
    segmentation: `${prefix}Segmentation`,
    cohortSite: `${prefix}CohortSite`,
  } as const;
}
export type KindTypeNames = ReturnType<typeof kindTypeNames>;

/** Every field of SavedCriteria: what a kind needs from the catalogue to count a saved cohort. */
export const SAVED_CRITERIA_SELECTION =
  'criteria { cancerTypes modalities bodyParts manufacturers sex ageAtDiagnosis { min max } yearOfDiagnosis { min max } datasetIds providerIds }';

/**
 * The SDL of a kind subgraph: the shared types and the provider contract verbatim, plus the
 * kind's own implementation types. Provider and Dataset implementations are entities keyed
 * by id (the catalogue owns their descriptive fields); the record-level types are plain.
 * `extraTypeDefs` lets a kind add fields of its own (with `extend type`).
 */
export function buildProviderTypeDefs(kind: string, extraTypeDefs = ''): string {
  const t = kindTypeNames(kind);
  const kindTypes = `
"""A ${kind} site. Registry fields (name, country, ...) are resolved by the catalogue."""
type ${t.provider} implements Provider @key(fields: "id") {
  id: ID!
  status: ProviderStatus
  cohort(criteria: CohortCriteria!, deadlineMs: Int): ProviderCohort
}

"""A dataset at a ${kind} site."""
type ${t.dataset} implements Dataset @key(fields: "id") {
  id: ID!
  subjectCount: Int
  studyCount: Int
  seriesCount: Int
  subjects(first: Int = 20, after: String): SubjectConnection
}

"""
A ${kind} site's part of a saved cohort's report. The catalogue owns it and gives the saved
criteria; this subgraph counts them at the site named by the id (\`<cohortId>@<siteId>\`).
"""
type ${t.cohortSite} implements CohortSite @key(fields: "id") {
  id: ID!
  criteria: SavedCriteria! @external
  cohort: ProviderCohort @requires(fields: "${SAVED_CRITERIA_SELECTION}")
}

type ${t.subject} implements Subject {
  id: ID!
  sex: Sex!
  ageBand: String
  diagnosis: CancerType
  yearOfDiagnosis: Int
  studies(first: Int = 20, after: String): StudyConnection
}

type ${t.study} implements Study {
  id: ID!
  studyInstanceUid: String!
  year: Int
  modalities: [Modality!]!
  bodyPart: BodyPart
  description: String
  series(first: Int = 50, after: String): SeriesConnection
}

type ${t.series} implements Series {
  id: ID!
  seriesInstanceUid: String!
  modality: Modality!
  bodyPart: BodyPart
  manufacturer: String
  description: String
  instanceCount: Int
  retrieveUrl: String
  segmentations: [Segmentation!]!
}

type ${t.segmentation} implements Segmentation {
  id: ID!
  format: SegmentationFormat!
  seriesInstanceUid: String
  label: String
}
`;
  return [FEDERATION_LINK, sharedTypeDefs(), providerContractTypeDefs(), kindTypes, extraTypeDefs].join('\n');
}
