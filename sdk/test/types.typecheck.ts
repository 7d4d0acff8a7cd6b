// Compile-time tests of the SDK's types, checked by `npm run typecheck` (the root tsconfig
// includes sdk/test) and by types.test.ts. Never run. Each `@ts-expect-error` line must
// fail to compile, or the typecheck fails; the text after it is the part of the compiler's
// message that types.test.ts expects, so a line that fails for another reason fails too.
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import {
  CohortBySiteDocument, SaveCohortDocument, sumCohortCounts, sumProtectedCounts,
  type CancerImagingClient, type CohortBySiteQuery, type StudyRecord, type SubjectRecord,
} from '../src/index.js';

declare const client: CancerImagingClient;
declare const subject: SubjectRecord;
declare const study: StudyRecord;

/** A document typed by another codegen run: its own TypedDocumentString class, with a private field. */
declare class OwnTypedDocumentString<TResult, TVariables> extends String implements DocumentTypeDecoration<TResult, TVariables> {
  __apiType?: (variables: TVariables) => TResult;
  private value: string;
}
declare const ownDocument: OwnTypedDocumentString<{ dataset: { title: string } | null }, { id: string }>;

export async function wrongEnums(): Promise<void> {
  // @ts-expect-error Type '"NOT_A_CANCER"' is not assignable to type 'CancerType'
  await client.cohortBySite({ cancerTypes: ['NOT_A_CANCER'] });
  // @ts-expect-error Type '"XRAY"' is not assignable to type 'Modality'
  await client.execute(CohortBySiteDocument, { criteria: { modalities: ['XRAY'] } });
  // @ts-expect-error Argument of type '"COLOUR"' is not assignable to parameter of type 'CohortDimension'
  await client.cohortBreakdown({}, 'COLOUR');
  // @ts-expect-error Type '"OPEN"' is not assignable to type 'AccessRights'
  client.datasets({ accessRights: ['OPEN'] });
  // @ts-expect-error Type '"PENDING"' is not assignable to type 'AccessRequestState'
  client.accessRequests({ states: ['PENDING'] });
}

export async function missingArguments(): Promise<void> {
  // @ts-expect-error Expected 1 arguments, but got 0
  await client.saveCohort();
  // @ts-expect-error Expected 2-3 arguments, but got 1
  await client.cohortBreakdown({ cancerTypes: ['LUNG'] });
  // @ts-expect-error Expected 2 arguments, but got 1
  await client.approveAccessRequest('request-1');
  // @ts-expect-error Property 'expiresAt' is missing
  await client.approveAccessRequest('request-1', { note: 'fine' });
  // @ts-expect-error Property 'purpose' is missing
  await client.requestAccess({ datasetIds: ['demo-nl:custom:lung-ct-01'] });
  // @ts-expect-error Expected 2-3 arguments, but got 1
  await client.execute(SaveCohortDocument);
  // @ts-expect-error Property 'criteria' is missing
  await client.request(SaveCohortDocument, {});
  // @ts-expect-error Expected 2-3 arguments, but got 1
  await client.request(ownDocument);
}

export async function wrongArguments(): Promise<void> {
  // @ts-expect-error Type 'string' is not assignable to type 'number'
  client.subjects('demo-nl:custom:lung-ct-01', { pageSize: '10' });
  // @ts-expect-error Argument of type 'SubjectRecord' is not assignable to parameter of type 'StudyRecord'
  client.series(subject);
  // @ts-expect-error Argument of type 'number' is not assignable to parameter of type 'string'
  await client.dataset(42);
  // @ts-expect-error Type 'number' is not assignable to type 'string'
  await client.request(ownDocument, { id: 42 });
}

export async function resultTypes(): Promise<void> {
  const providers = await client.providers();
  // @ts-expect-error Property 'secret' does not exist
  void providers[0]?.secret;
  const { data } = await client.cohortBySite({ cancerTypes: ['LUNG'] });
  // @ts-expect-error Type '"SUPPRESSED"' is not assignable to type '"EXACT" | "ROUNDED"'
  const precision: 'EXACT' | 'ROUNDED' = data!.providers[0]!.cohort!.subjects.precision;
  void precision;
  const total = sumProtectedCounts([]);
  // @ts-expect-error Property 'suppressedParts' does not exist
  void total.suppressedParts;
  for await (const dataset of client.datasets()) {
    // @ts-expect-error Property 'subjects' does not exist
    void dataset.subjects;
  }
  const own = await client.request(ownDocument, { id: 'demo-nl:custom:lung-ct-01' });
  // @ts-expect-error Property 'description' does not exist
  void own.dataset?.description;
}

/** What must compile: the calls the README, docs/sdk.md and the examples make. */
export async function rightCalls(): Promise<void> {
  const { data } = await client.cohortBySite({ cancerTypes: ['PROSTATE'], modalities: ['MR'], ageAtDiagnosis: { min: 50 } }, { deadlineMs: 2_000 });
  const totals = sumCohortCounts(data!.providers);
  if (totals.subjects.isLowerBound) void totals.subjects.suppressedParts;
  const sites: CohortBySiteQuery['providers'] = data!.providers;
  void sites;
  for await (const dataset of client.datasets({ cancerTypes: ['LUNG'] }, { pageSize: 100 })) void dataset.title.toUpperCase();
  for await (const page of client.datasets().pages()) void page.totalCount;
  for await (const row of client.datasetSeries('demo-nl:custom:lung-ct-01')) void row.series.retrieveUrl?.length;
  for await (const found of client.studies(subject)) void found.studyInstanceUid;
  for await (const series of client.series(study)) void series.seriesInstanceUid;
  const request = await client.requestAccess({ datasetIds: ['demo-nl:custom:lung-ct-01'], purpose: 'Validating a detector on an external cohort.' });
  await client.approveAccessRequest(request.id, { expiresAt: new Date(Date.now() + 86_400_000) });
  await client.execute(SaveCohortDocument, { criteria: {} });
  const own = await client.request(ownDocument, { id: 'demo-nl:custom:lung-ct-01' });
  void own.dataset?.title;
}
