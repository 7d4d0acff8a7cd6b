import type { BodyPart, Modality, Sex } from '@cancer-imaging/schema';

/**
 * The one GraphQL operation behind a EUCAIM search: every provider's protected cohort,
 * per dataset, with the dataset's catalogue description. It is an ordinary public query:
 * anyone may send it to /graphql and must get the same counts.
 */
export const EUCAIM_SEARCH_OPERATION = /* GraphQL */ `
  query EucaimSearch($criteria: CohortCriteria!) {
    providers {
      id
      cohort(criteria: $criteria) {
        status
        unsupportedCriteria
        datasets {
          dataset {
            id
            title
            description
            modalities
            bodyParts
            sex
            ageRange { min max }
          }
          subjects { value precision }
          studies { value precision }
        }
      }
    }
  }
`;

export type CountPrecision = 'EXACT' | 'ROUNDED' | 'SUPPRESSED' | 'UNAVAILABLE';
export type SiteStatus = 'OK' | 'PARTIAL' | 'TIMEOUT' | 'UNREACHABLE' | 'ERROR';

export interface CountAnswer {
  readonly value: number | null;
  readonly precision: CountPrecision;
}

export interface DatasetCohortAnswer {
  readonly dataset: {
    readonly id: string;
    readonly title: string;
    readonly description: string;
    readonly modalities: readonly Modality[];
    readonly bodyParts: readonly BodyPart[];
    readonly sex: readonly Sex[];
    readonly ageRange: { readonly min: number | null; readonly max: number | null } | null;
  };
  readonly subjects: CountAnswer;
  readonly studies: CountAnswer;
}

export interface ProviderAnswer {
  readonly id: string;
  /** Null when the provider's kind subgraph could not be reached. */
  readonly cohort: {
    readonly status: SiteStatus;
    readonly unsupportedCriteria: readonly string[];
    readonly datasets: readonly DatasetCohortAnswer[];
  } | null;
}

/** The `data` of the operation. */
export interface EucaimSearchData {
  readonly providers: readonly ProviderAnswer[];
}
