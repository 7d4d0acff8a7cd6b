/** The report as the graph gives it: the saved cohort and each site's protected counts. */
export const COHORT_REPORT_OPERATION = /* GraphQL */ `
  query GatewayCohortReport($id: ID!) {
    cohortReport(id: $id) {
      generatedAt
      cohort {
        id
        createdAt
        criteria {
          cancerTypes modalities bodyParts manufacturers sex
          ageAtDiagnosis { min max }
          yearOfDiagnosis { min max }
          datasetIds providerIds
        }
      }
      sites {
        provider { id name country kind }
        cohort {
          status errorCode unsupportedCriteria
          subjects { value precision adjustedTo }
          studies { value precision adjustedTo }
          series { value precision adjustedTo }
          datasets {
            dataset { id title }
            subjects { value precision adjustedTo }
            studies { value precision adjustedTo }
            series { value precision adjustedTo }
          }
        }
      }
    }
  }
`;

export interface ReportCount {
  readonly value: number | null;
  readonly precision: 'EXACT' | 'ROUNDED' | 'SUPPRESSED' | 'UNAVAILABLE';
  readonly adjustedTo: number | null;
}

export interface ReportCounts {
  readonly subjects: ReportCount;
  readonly studies: ReportCount;
  readonly series: ReportCount;
}

export interface ReportSite {
  readonly provider: { readonly id: string; readonly name: string; readonly country: string; readonly kind: string };
  /** Null when the site's kind subgraph did not answer at all. */
  readonly cohort: (ReportCounts & {
    readonly status: string;
    readonly errorCode: string | null;
    readonly unsupportedCriteria: readonly string[];
    readonly datasets: readonly (ReportCounts & { readonly dataset: { readonly id: string; readonly title: string | null } })[];
  }) | null;
}

export interface CohortReportData {
  readonly cohortReport: {
    readonly generatedAt: string;
    readonly cohort: { readonly id: string; readonly createdAt: string; readonly criteria: Readonly<Record<string, unknown>> };
    readonly sites: readonly (ReportSite | null)[];
  } | null;
}
