import {
  CohortBreakdownDocument, CohortBySiteDocument, DatasetDocument, ProvidersDocument, SearchDatasetsDocument,
  type CohortCriteria, type CohortDimension, type DatasetFilter,
} from '@cancer-imaging/sdk';
import type { SeededRandom } from '../support/seeded-random.js';

/**
 * What SDK users send, as the SDK sends it (its generated documents, by operation name):
 * the provider list, a page of the catalogue, one dataset, a cohort per site and a
 * breakdown. The variables come from fixed lists: a real workload has a popular set, and a
 * finite set lets every variant be seen during a warm-up, so that caches (plans, a response
 * cache) are full before memory is measured rather than growing through the measurement.
 */
export type WorkloadKind = 'providers' | 'datasets' | 'dataset' | 'cohort' | 'breakdown';

export interface WorkloadRequest {
  readonly kind: WorkloadKind;
  readonly body: { readonly query: string; readonly operationName: string; readonly variables: Record<string, unknown> };
}

const CRITERIA: readonly CohortCriteria[] = [
  { cancerTypes: ['PROSTATE'], modalities: ['MR'] },
  { cancerTypes: ['LUNG'] },
  { cancerTypes: ['BREAST'], modalities: ['MG', 'MR'] },
  { modalities: ['CT', 'MR'], yearOfDiagnosis: { min: 2012 } },
  { cancerTypes: ['COLORECTAL', 'RECTUM'], sex: ['MALE'] },
  { bodyParts: ['BRAIN'], ageAtDiagnosis: { min: 40, max: 70 } },
  { cancerTypes: ['LIVER'], modalities: ['CT'] },
  { sex: ['FEMALE'], ageAtDiagnosis: { min: 50 } },
  { cancerTypes: ['GLIOBLASTOMA', 'GLIOMA'] },
  { modalities: ['PT'], bodyParts: ['CHEST', 'WHOLEBODY'] },
  {},
  { providerIds: ['demo-nl', 'demo-de'], cancerTypes: ['LUNG', 'BREAST'] },
];

const FILTERS: readonly (DatasetFilter | undefined)[] = [
  undefined,
  { cancerTypes: ['LUNG'] },
  { modalities: ['MR'] },
  { countries: ['NL', 'ES'] },
  { accessRights: ['PUBLIC'] },
  { text: 'prostate' },
  { bodyParts: ['BRAIN'], modalities: ['MR'] },
];

const DIMENSIONS: readonly CohortDimension[] = ['MODALITY', 'BODY_PART', 'CANCER_TYPE', 'SEX', 'AGE_BAND', 'MANUFACTURER'];

/** Share of each operation in the mix, roughly a dashboard's: lists and cohorts dominate. */
const MIX: readonly [WorkloadKind, number][] = [['providers', 0.2], ['datasets', 0.25], ['dataset', 0.2], ['cohort', 0.25], ['breakdown', 0.1]];

function request(kind: WorkloadKind, document: { toString(): string }, operationName: string, variables: Record<string, unknown>): WorkloadRequest {
  return { kind, body: { query: document.toString(), operationName, variables } };
}

/** Draws the next SDK-like request. `datasetIds` are graph ids the catalogue lists. */
export function createSdkWorkload(random: SeededRandom, datasetIds: readonly string[]): () => WorkloadRequest {
  return () => {
    let roll = random.next();
    const kind = MIX.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'providers';
    switch (kind) {
      case 'providers':
        return request(kind, ProvidersDocument, 'Providers', {});
      case 'datasets': {
        const filter = random.pick(FILTERS);
        return request(kind, SearchDatasetsDocument, 'SearchDatasets', { first: 20, ...(filter && { filter }) });
      }
      case 'dataset':
        return request(kind, DatasetDocument, 'Dataset', { id: random.pick(datasetIds) });
      case 'cohort':
        return request(kind, CohortBySiteDocument, 'CohortBySite', { criteria: random.pick(CRITERIA) });
      case 'breakdown':
        return request(kind, CohortBreakdownDocument, 'CohortBreakdown', { criteria: random.pick(CRITERIA), by: random.pick(DIMENSIONS) });
    }
  };
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
}

/** The body as GraphQL, or undefined when it is not JSON. */
export function parseGraphQLBody(text: string): GraphQLBody | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as GraphQLBody) : undefined;
  } catch {
    return undefined;
  }
}
