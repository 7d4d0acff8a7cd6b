import type { DatasetMetadata, SiteConfig } from '@cancer-imaging/provider-kit';
import { z } from 'zod';
import { STUDY_MAIN_GROUPING_TAGS, type InstanceFacts, type StudyEntry } from './orthanc-mappers.js';

/**
 * The `options` of an Orthanc site in the registry, e.g.
 *
 * ```yaml
 * - id: hospital-a
 *   kind: orthanc
 *   baseUrl: https://pacs.hospital-a.example/orthanc
 *   credentials: { username: CIG_ORTHANC_A_USER, password: CIG_ORTHANC_A_PASSWORD }
 *   options:
 *     grouping: { by: tag, tag: ClinicalTrialProtocolID }   # the default
 *     parallelism: 8
 * ```
 *
 * `grouping` says how the site's studies fall into datasets (a dataset's localId):
 * - `{ by: tag, tag }` (default ClinicalTrialProtocolID): the value of a study-level
 *   tag. Only non-identifying tags may group (no AccessionNumber, no PatientID).
 *   InstitutionName is a study main tag in Orthanc 1.10 and costs no tag read; the
 *   ClinicalTrial* and InstitutionalDepartmentName tags are read once per study from one
 *   instance and cached. A study without the tag belongs to no dataset and is not counted.
 * - `{ by: site }`: one dataset for the whole site, localId "all", or the localId of the
 *   site's only curated dataset when the registry describes exactly one.
 * - `{ by: studyDescriptionPrefix, prefixes }`: the longest listed prefix StudyDescription
 *   starts with (case-sensitive); the prefix is the localId.
 * - `{ by: label, labels? }`: Orthanc study labels (Orthanc >= 1.12 only; describe() refuses
 *   older servers); a study is in the dataset of each of its labels (only the listed ones
 *   when `labels` is given).
 */

export const GROUPING_TAGS = [
  'ClinicalTrialProtocolID', 'ClinicalTrialProtocolName', 'ClinicalTrialSponsorName', 'ClinicalTrialSiteID',
  'ClinicalTrialSiteName', 'InstitutionName', 'InstitutionalDepartmentName',
] as const;
export type GroupingTag = (typeof GROUPING_TAGS)[number];

export const groupingSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('site') }),
  z.strictObject({ by: z.literal('tag'), tag: z.enum(GROUPING_TAGS) }),
  z.strictObject({ by: z.literal('studyDescriptionPrefix'), prefixes: z.array(z.string().trim().min(1)).min(1) }),
  z.strictObject({ by: z.literal('label'), labels: z.array(z.string().min(1)).min(1).optional() }),
]);
export type GroupingOption = z.infer<typeof groupingSchema>;

export const orthancSiteOptionsSchema = z.strictObject({
  grouping: groupingSchema.default({ by: 'tag', tag: 'ClinicalTrialProtocolID' }),
  /** Upstream calls in flight at once when filling the cache (tag reads, batched finds). */
  parallelism: z.number().int().min(1).max(32).default(8),
  /** StudyInstanceUIDs per /tools/find list match. */
  batchSize: z.number().int().min(1).max(500).default(100),
  /** Changes read per /changes call; more pending changes just trigger a rebuild. */
  changesLimit: z.number().int().min(1).max(10_000).default(1_000),
});
export type OrthancSiteOptions = z.infer<typeof orthancSiteOptionsSchema>;

export class OrthancOptionsError extends Error {
  override name = 'OrthancOptionsError';
}

/** Validates a site's options; throws OrthancOptionsError naming the site. */
export function parseOrthancSiteOptions(site: Pick<SiteConfig, 'id' | 'options'>): OrthancSiteOptions {
  const parsed = orthancSiteOptionsSchema.safeParse(site.options ?? {});
  if (!parsed.success) throw new OrthancOptionsError(`site ${site.id}: invalid Orthanc options: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** How a site's studies map to datasets. */
export interface Grouping {
  readonly option: GroupingOption;
  /** A tag that must be read from an instance (not a main tag in 1.10), if any. */
  readonly instanceTag: GroupingTag | undefined;
  /** Whether labels come from the server (Orthanc >= 1.12). */
  readonly needsLabels: boolean;
  /** The dataset ids this grouping can produce, when known without reading the site (site, prefixes). */
  readonly staticDatasetIds: readonly string[] | undefined;
  /** The datasets a study is in: none, one, or (labels) several. */
  datasetsOf(study: StudyEntry, facts: InstanceFacts | undefined): readonly string[];
}

export const SITE_DATASET_ID = 'all';

export function createGrouping(option: GroupingOption, curated: readonly DatasetMetadata[]): Grouping {
  switch (option.by) {
    case 'site': {
      const only = curated.length === 1 ? curated[0]!.localId : SITE_DATASET_ID;
      const ids = [only];
      return { option, instanceTag: undefined, needsLabels: false, staticDatasetIds: ids, datasetsOf: () => ids };
    }
    case 'tag': {
      const main = (STUDY_MAIN_GROUPING_TAGS as readonly string[]).includes(option.tag);
      return {
        option,
        instanceTag: main ? undefined : option.tag,
        needsLabels: false,
        staticDatasetIds: undefined,
        datasetsOf: (study, facts) => {
          const value = main ? study.groupingTags[option.tag] : facts?.groupingValue;
          return value ? [value] : [];
        },
      };
    }
    case 'studyDescriptionPrefix': {
      const prefixes = [...new Set(option.prefixes)].sort((a, b) => b.length - a.length);
      return {
        option,
        instanceTag: undefined,
        needsLabels: false,
        staticDatasetIds: prefixes,
        datasetsOf: (study) => {
          const match = study.description === null ? undefined : prefixes.find((prefix) => study.description!.startsWith(prefix));
          return match ? [match] : [];
        },
      };
    }
    case 'label': {
      const allowed = option.labels ? new Set(option.labels) : undefined;
      return {
        option,
        instanceTag: undefined,
        needsLabels: true,
        staticDatasetIds: undefined,
        datasetsOf: (study) => (allowed ? study.labels.filter((label) => allowed.has(label)) : study.labels),
      };
    }
  }
}
