import { FEDERATION_LINK, sharedTypeDefs } from '@cancer-imaging/schema';
import { kindTypePrefix } from '@cancer-imaging/provider-kit';
import { ACCESS_MUTATION_FIELDS, ACCESS_QUERY_FIELDS, ACCESS_TYPE_DEFS } from './access/access-schema.js';

/**
 * The catalogue's SDL. The catalogue owns the entity interfaces `Provider` and `Dataset`
 * and, because an entity interface's owner must list every implementation in the
 * supergraph, it also declares one `<Kind>Provider` and one `<Kind>Dataset` per kind.
 * Kind subgraphs add their own fields (status, cohort, counts, subjects) to those same
 * types; the catalogue never declares them.
 */

interface FieldSpec {
  readonly name: string;
  readonly type: string;
  readonly description: string;
}

/** Provider fields, printed once on the interface and again on every kind's type. */
const PROVIDER_FIELDS: readonly FieldSpec[] = [
  { name: 'id', type: 'ID!', description: 'Registry id of the site, e.g. `demo-nl`. Stable; use it as the provider id in cohort criteria.' },
  { name: 'name', type: 'String!', description: 'Human-readable name of the site.' },
  { name: 'country', type: 'String!', description: 'Country of the site: an ISO 3166-1 alpha-2 code such as `NL`.' },
  { name: 'kind', type: 'String!', description: 'Kind of repository the site runs (`xnat`, `orthanc`, `custom`, ...). Open: a new kind needs no change to this field.' },
  { name: 'datasets', type: '[Dataset!]!', description: "The site's curated datasets, ordered by their local id." },
];

/** Dataset fields (DCAT-AP names in the descriptions), printed on the interface and every kind's type. */
const DATASET_FIELDS: readonly FieldSpec[] = [
  { name: 'id', type: 'ID!', description: 'Graph id `<siteId>:<kind>:<localId>`: opaque to clients and stable.' },
  { name: 'localId', type: 'String!', description: "The dataset's id at its site (a collection, an XNAT project, an Orthanc grouping). Not unique across sites." },
  { name: 'title', type: 'String!', description: 'Title of the dataset (dct:title).' },
  { name: 'description', type: 'String!', description: 'Free-text account of the dataset (dct:description); empty when none was curated.' },
  { name: 'version', type: 'String', description: 'Version of the dataset as its publisher numbers it (dcat:version).' },
  { name: 'provider', type: 'Provider!', description: 'The site that holds the dataset.' },
  { name: 'cancerTypes', type: '[CancerType!]!', description: 'Conditions the dataset covers (EUCAIM condition), each coded with ICD-10 and SNOMED CT.' },
  { name: 'modalities', type: '[Modality!]!', description: 'Imaging modalities present in the dataset.' },
  { name: 'bodyParts', type: '[BodyPart!]!', description: 'Body parts examined in the dataset.' },
  { name: 'manufacturers', type: '[String!]!', description: 'Scanner manufacturers, as in DICOM Manufacturer (0008,0070).' },
  { name: 'sex', type: '[Sex!]!', description: 'Sexes of the subjects represented in the dataset.' },
  { name: 'ageRange', type: 'AgeRange', description: 'Approximate age range of the subjects; null when not published.' },
  { name: 'accessRights', type: 'AccessRights!', description: 'Who may use the dataset (dct:accessRights).' },
  { name: 'accessModes', type: '[AccessMode!]!', description: 'How the data can be used once access is granted.' },
  { name: 'licence', type: 'String', description: 'Licence of the data (dct:license): an SPDX id or a URL.' },
  { name: 'publisher', type: 'Publisher!', description: 'Who publishes the dataset (dct:publisher).' },
  { name: 'contact', type: 'Contact', description: 'Whom to ask about the dataset (dcat:contactPoint).' },
  { name: 'keywords', type: '[String!]!', description: 'Free keywords (dcat:keyword).' },
  { name: 'issued', type: 'String', description: 'Date of formal issuance (dct:issued), ISO 8601 as curated: a year, a month or a day.' },
];

/** CohortSite fields the catalogue resolves; each kind adds `cohort`, counted from `criteria`. */
const COHORT_SITE_FIELDS: readonly FieldSpec[] = [
  { name: 'id', type: 'ID!', description: '`<cohortId>@<siteId>`: this site\'s part of one saved cohort.' },
  { name: 'provider', type: 'Provider!', description: 'The site.' },
  { name: 'criteria', type: 'SavedCriteria!', description: 'The saved criteria the site counts.' },
];

/** Registry identifiers that also make a GraphQL type-name prefix: a letter first, single dashes. */
const KIND_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface KindTypeNames {
  readonly provider: string;
  readonly dataset: string;
}

/** The catalogue's implementation types of one kind: custom → CustomProvider, CustomDataset. */
export function kindTypeNames(kind: string): KindTypeNames {
  const prefix = kindTypePrefix(kind);
  return { provider: `${prefix}Provider`, dataset: `${prefix}Dataset` };
}

/** The catalogue's type for one kind's part of a cohort report: custom → CustomCohortSite. */
export function cohortSiteTypeName(kind: string): string {
  return `${kindTypePrefix(kind)}CohortSite`;
}

/**
 * Checks the kinds and returns them de-duplicated and sorted, so the SDL does not depend on
 * the order the caller found them in. Throws on a kind that cannot name a GraphQL type
 * (e.g. `3d-pacs`) or on two kinds that would share type names (`my-2x`, `my2x`).
 */
export function normaliseKinds(kinds: readonly string[]): string[] {
  const unique = [...new Set(kinds)].sort();
  if (unique.length === 0) throw new RangeError('The catalogue needs at least one provider kind.');
  const kindByPrefix = new Map<string, string>();
  for (const kind of unique) {
    if (!KIND_PATTERN.test(kind)) {
      throw new RangeError(`Provider kind "${kind}" cannot name GraphQL types: use lower-case letters, digits and single dashes, starting with a letter.`);
    }
    const prefix = kindTypePrefix(kind);
    const clash = kindByPrefix.get(prefix);
    if (clash !== undefined) throw new RangeError(`Provider kinds "${clash}" and "${kind}" would both name types ${prefix}Provider and ${prefix}Dataset.`);
    kindByPrefix.set(prefix, kind);
  }
  return unique;
}

function printFields(fields: readonly FieldSpec[]): string {
  return fields.map((field) => `  """${field.description}"""\n  ${field.name}: ${field.type}`).join('\n');
}

function printKindTypes(kind: string): string {
  const names = kindTypeNames(kind);
  return `"""A site of kind \`${kind}\`. Status and cohort counts come from the ${kind} subgraph."""
type ${names.provider} implements Provider @key(fields: "id") {
${printFields(PROVIDER_FIELDS)}
}

"""A dataset held by a site of kind \`${kind}\`. Counts and records come from the ${kind} subgraph."""
type ${names.dataset} implements Dataset @key(fields: "id") {
${printFields(DATASET_FIELDS)}
}

"""A site of kind \`${kind}\` in a cohort report. Its counts come from the ${kind} subgraph."""
type ${cohortSiteTypeName(kind)} implements CohortSite @key(fields: "id") {
${printFields(COHORT_SITE_FIELDS)}
}
`;
}

const CATALOGUE_TYPES = `
"""
A site: one repository of one kind. The catalogue resolves the registry fields; the site's
kind subgraph adds live status and cohort counts.
"""
interface Provider @key(fields: "id") {
${printFields(PROVIDER_FIELDS)}
}

"""
A collection of imaging data at one site, described after EUCAIM's DCAT-AP profile. The
catalogue resolves the curated fields; the site's kind subgraph adds counts and records.
"""
interface Dataset @key(fields: "id") {
${printFields(DATASET_FIELDS)}
}

"""An inclusive range of ages in years; either end may be open."""
type AgeRange {
  """Youngest age in years, inclusive; null when open."""
  min: Int
  """Oldest age in years, inclusive; null when open."""
  max: Int
}

"""The organisation that publishes a dataset (foaf:Agent)."""
type Publisher {
  """Name of the organisation."""
  name: String!
  """Home page of the organisation."""
  url: String
}

"""A contact point for a dataset (vCard)."""
type Contact {
  """Name of the person or desk to contact."""
  name: String
  """E-mail address to write to."""
  email: String
}

"""
Restricts a dataset search. Any-of within a field, all-of across fields; an absent or
empty list does not restrict.
"""
input DatasetFilter {
  """Datasets covering any of these cancer types."""
  cancerTypes: [CancerType!]
  """Datasets containing any of these modalities."""
  modalities: [Modality!]
  """Datasets examining any of these body parts."""
  bodyParts: [BodyPart!]
  """Datasets held in any of these countries: ISO 3166-1 alpha-2 codes in upper case, such as \`NL\`."""
  countries: [String!]
  """Datasets with any of these access rights."""
  accessRights: [AccessRights!]
  """
  Text to look for, case-insensitively: each whitespace-separated word of it must appear,
  whole or inside a longer word, in the title, the description or a keyword. At most 256
  characters; blank text does not restrict.
  """
  text: String
  """Datasets held by any of these providers (site ids)."""
  providerIds: [ID!]
}

"""One page of datasets, in the catalogue's stable order (by site id, then local id)."""
type DatasetConnection {
  """Number of datasets matching the filter, over all pages."""
  totalCount: Int!
  """The datasets of this page."""
  nodes: [Dataset!]!
  """The datasets of this page with their cursors."""
  edges: [DatasetEdge!]!
  """Where this page ends and whether another follows."""
  pageInfo: PageInfo!
}

"""A dataset with the cursor that points at it."""
type DatasetEdge {
  """Pass as \`after\` to get the datasets that follow this one."""
  cursor: String!
  """The dataset."""
  node: Dataset!
}

"""
One site's part of a saved cohort's report. The catalogue gives the site and the saved
criteria; the site's kind subgraph counts them (\`cohort\`), protected for the caller.
"""
interface CohortSite @key(fields: "id") {
${printFields(COHORT_SITE_FIELDS)}
}

"""Cohort criteria saved under an id, with the time they were saved. Never rewritten."""
type SavedCohort {
  """Random id (a UUID): share it to share the cohort."""
  id: ID!
  """The criteria as saved: validated, lists de-duplicated, absent fields null."""
  criteria: SavedCriteria!
  """When the cohort was saved."""
  createdAt: DateTime!
}

"""
The document a researcher attaches to an access request: a saved cohort's protected
counts per site and per dataset. The gateway serves it as JSON and CSV at
\`/cohorts/<id>/report.json\` and \`/cohorts/<id>/report.csv\`.
"""
type CohortReport {
  """The saved cohort counted."""
  cohort: SavedCohort!
  """When these counts were made: now, at each request, protected for the caller."""
  generatedAt: DateTime!
  """Every site the criteria can reach (all, or those of \`providerIds\`), ordered by site id."""
  sites: [CohortSite!]!
}

type Mutation {
  """
  Saves cohort criteria under a new id, bound to them and to the time. The criteria are
  checked as a cohort search checks them (BAD_USER_INPUT naming the argument).
  """
  saveCohort(
    """The criteria to save."""
    criteria: CohortCriteria!
  ): SavedCohort!
${ACCESS_MUTATION_FIELDS}
}

type Query {
${ACCESS_QUERY_FIELDS}
  """A saved cohort by id; null when there is none."""
  savedCohort(
    """The id saveCohort returned."""
    id: ID!
  ): SavedCohort
  """A saved cohort's report: protected per-site, per-dataset counts, computed now; null when there is no such cohort."""
  cohortReport(
    """The id saveCohort returned."""
    id: ID!
  ): CohortReport
  """Every site in the registry, ordered by id."""
  providers: [Provider!]!
  """One site by its registry id; null when there is none."""
  provider(
    """Registry id of the site, e.g. \`demo-nl\`."""
    id: ID!
  ): Provider
  """
  Curated datasets matching the filter, ordered by site id and then local id (by code
  unit, so the order never depends on a locale). Cursors are positions in that order.
  """
  datasets(
    """Restricts the search; all datasets when absent."""
    filter: DatasetFilter
    """Page size, 0 to 100."""
    first: Int = 20
    """A cursor from a previous page: the page starts after it."""
    after: String
  ): DatasetConnection!
  """One dataset by its graph id; null when there is none."""
  dataset(
    """Graph id of the dataset, e.g. \`demo-nl:custom:prostate-mr-1\`."""
    id: ID!
  ): Dataset
}
`;

/**
 * The catalogue subgraph's SDL for the given provider kinds: the federation link, the shared
 * types, the entity interfaces with their queries, and each kind's implementation types.
 * Pure: the composition script calls it with the kinds whose subgraphs it composes.
 */
export function buildCatalogueTypeDefs(kinds: readonly string[]): string {
  const kindTypes = normaliseKinds(kinds).map(printKindTypes).join('\n');
  return `${FEDERATION_LINK}\n${sharedTypeDefs()}\n${CATALOGUE_TYPES}\n${ACCESS_TYPE_DEFS}\n${kindTypes}`;
}
