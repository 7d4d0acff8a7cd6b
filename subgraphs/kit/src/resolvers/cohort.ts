import type { BreakdownDimension, BreakdownRow, CohortCountRecord, CountsRecord, CriteriaField } from '../adapter.js';
import type { ProviderContext } from '../context.js';
import { toSiteCriteria, type NormalizedCriteria } from '../criteria.js';
import { ProviderTimeoutError, type ProviderError } from '../errors.js';
import { toGraphId } from '../ids.js';
import { protectCount, UNAVAILABLE_COUNT, type ProtectedCount } from '../privacy/protect-count.js';
import type { SiteRuntime } from '../site-runtime.js';
import type { DatasetObject } from './objects.js';

export type SiteStatus = 'OK' | 'PARTIAL' | 'TIMEOUT' | 'UNREACHABLE' | 'ERROR';

export interface ProviderCohortResult {
  readonly status: SiteStatus;
  readonly latencyMs: number | null;
  readonly subjects: ProtectedCount;
  readonly studies: ProtectedCount;
  readonly series: ProtectedCount;
  readonly datasets: readonly { dataset: DatasetObject; subjects: ProtectedCount; studies: ProtectedCount; series: ProtectedCount }[];
  readonly unsupportedCriteria: readonly CriteriaField[];
  readonly errorCode: string | null;
  /** Protected buckets per requested dimension (see requested-breakdowns.ts). */
  readonly breakdowns: ReadonlyMap<BreakdownDimension, readonly CohortBucket[]>;
}

export interface CohortBucket {
  readonly key: string;
  readonly subjects: ProtectedCount;
}

export function statusOf(error: ProviderError): SiteStatus {
  switch (error.code) {
    case 'PROVIDER_TIMEOUT': return 'TIMEOUT';
    case 'PROVIDER_UNAVAILABLE': return 'UNREACHABLE';
    default: return 'ERROR';
  }
}

const EMPTY: CohortCountRecord = { subjects: 0, studies: 0, series: 0, byDataset: [], unsupportedCriteria: [] };

/**
 * Counts a cohort at one site and protects every count before it leaves. Never throws for
 * a site failure: the failure becomes the cohort's status, so other sites still answer.
 */
export async function resolveSiteCohort(
  site: SiteRuntime,
  kind: string,
  criteria: NormalizedCriteria,
  context: ProviderContext,
  requestedDeadlineMs?: number,
  dimensions: readonly BreakdownDimension[] = [],
): Promise<ProviderCohortResult> {
  // One budget for the whole site answer (description and count): the site's deadline, or
  // less when the client asks for less. When it runs out the site is TIMEOUT, whatever it
  // was doing, and its adapter call is aborted. Only the site's own deadline running out
  // counts against its circuit (SiteRuntime.call).
  const budgetMs = Math.min(site.config.deadlineMs, requestedDeadlineMs ?? site.config.deadlineMs);
  const budget = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => budget.abort(new ProviderTimeoutError()), budgetMs);
  const ranOut = new Promise<ProviderCohortResult>((resolve) => {
    budget.signal.addEventListener('abort', () => resolve(failed(new ProviderTimeoutError(), Math.round(performance.now() - started), site, context)), { once: true });
  });
  try {
    return await Promise.race([countAtSite(site, kind, criteria, context, budgetMs, budget.signal, dimensions), ranOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function countAtSite(
  site: SiteRuntime,
  kind: string,
  criteria: NormalizedCriteria,
  context: ProviderContext,
  budgetMs: number,
  signal: AbortSignal,
  dimensions: readonly BreakdownDimension[],
): Promise<ProviderCohortResult> {
  const siteCriteria = toSiteCriteria(criteria, site.id, kind);
  const started = performance.now();
  let counts: CohortCountRecord = EMPTY;
  let unsupported: CriteriaField[] = [];
  const breakdownRows = new Map<BreakdownDimension, readonly BreakdownRow[]>();
  if (siteCriteria) {
    const described = await site.describe();
    if (!described.ok) return failed(described.error, described.latencyMs, site, context);
    const exact = new Set<CriteriaField>([...described.value.exactCriteria, 'datasetIds', 'providerIds']);
    // The counts and every requested breakdown share the site's budget and run together.
    const [outcome, ...breakdowns] = await Promise.all([
      site.settle((ctx) => site.adapter.countCohort(siteCriteria, ctx), { deadlineMs: budgetMs, signal, logger: context.logger }),
      ...dimensions.map((by) => site.settle((ctx) => site.adapter.breakdownCohort(siteCriteria, by, ctx), { deadlineMs: budgetMs, signal, logger: context.logger })),
    ]);
    if (!outcome!.ok) return failed(outcome!.error, Math.round(performance.now() - started), site, context);
    for (const [index, breakdown] of breakdowns.entries()) {
      if (!breakdown.ok) return failed(breakdown.error, Math.round(performance.now() - started), site, context);
      breakdownRows.set(dimensions[index]!, (breakdown.value as readonly BreakdownRow[]).filter((row) => site.serves(row.datasetLocalId)));
    }
    counts = servedOnly(outcome!.value as CohortCountRecord, site);
    unsupported = [...new Set([...criteria.fields.filter((field) => !exact.has(field)), ...counts.unsupportedCriteria])];
  }
  const thresholds = site.config.privacy;
  const datasets = counts.byDataset
    .map((row) => {
      const id = toGraphId(site.id, kind, row.datasetLocalId);
      const exactForDataset = context.policy.canSeeExactCounts(context.caller, id, context.now);
      return {
        dataset: { id, localId: row.datasetLocalId, site },
        ...protectAll(row, thresholds, exactForDataset),
      };
    })
    // A dataset whose matching subjects fall below the threshold is left out, so the list
    // does not reveal that it holds one to k-1 of them.
    .filter((row) => row.subjects.precision !== 'SUPPRESSED' && (row.subjects.value ?? 0) > 0)
    .sort((a, b) => a.dataset.id.localeCompare(b.dataset.id));
  // The site's own totals are exact only for a caller granted every dataset of the site:
  // then even a zero is theirs to see; anyone else gets a small total suppressed.
  const exactTotal = await maySeeAllDatasets(site, kind, context);
  context.logger.debug({ site: site.id, fields: criteria.fields }, 'cohort counted');
  return {
    status: unsupported.length > 0 ? 'PARTIAL' : 'OK',
    latencyMs: Math.round(performance.now() - started),
    ...protectAll(counts, thresholds, exactTotal),
    datasets,
    unsupportedCriteria: unsupported,
    errorCode: null,
    breakdowns: new Map(dimensions.map((by) => [by, protectBuckets(by, breakdownRows.get(by) ?? [], thresholds, exactTotal)])),
  };
}

/**
 * Sums a breakdown's rows over datasets per key and protects each bucket like the site's
 * total. Buckets below the threshold are dropped (as datasets are), and the order depends
 * on keys only: sorting by count would rank buckets inside one rounding step.
 */
function protectBuckets(by: BreakdownDimension, rows: readonly BreakdownRow[], thresholds: SiteRuntime['config']['privacy'], exact: boolean): CohortBucket[] {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.key, (totals.get(row.key) ?? 0) + row.subjects);
  return [...totals]
    .filter(([, subjects]) => subjects > 0)
    .map(([key, subjects]) => ({ key, subjects: protectCount(subjects, thresholds, exact) }))
    .filter((bucket) => bucket.subjects.precision !== 'SUPPRESSED')
    .sort((a, b) => compareKeys(by, a.key, b.key));
}

/** Age bands in age order ("5-9" before "10-14", "90+" and UNKNOWN last); other keys alphabetically. */
function compareKeys(by: BreakdownDimension, a: string, b: string): number {
  if (by === 'AGE_BAND') {
    const low = (key: string) => (/^\d+/.test(key) ? Number.parseInt(key, 10) : Number.MAX_SAFE_INTEGER);
    if (low(a) !== low(b)) return low(a) - low(b);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Protects a cohort's three counts. The threshold is about people: when the subjects fall
 * below k, their studies and series are suppressed too, however many there are, or "40
 * studies" would tell that one to k-1 people are there.
 */
function protectAll(counts: CountsRecord, thresholds: SiteRuntime['config']['privacy'], exact: boolean) {
  const subjects = protectCount(counts.subjects, thresholds, exact);
  if (subjects.precision === 'SUPPRESSED') return { subjects, studies: subjects, series: subjects };
  return {
    subjects,
    studies: protectCount(counts.studies, thresholds, exact),
    series: protectCount(counts.series, thresholds, exact),
  };
}

function failed(error: ProviderError, latencyMs: number, site: SiteRuntime, context: ProviderContext): ProviderCohortResult {
  context.logger.warn({ site: site.id, code: error.code, err: error.cause ?? error }, 'site failed to count a cohort');
  return {
    status: statusOf(error),
    latencyMs,
    subjects: UNAVAILABLE_COUNT,
    studies: UNAVAILABLE_COUNT,
    series: UNAVAILABLE_COUNT,
    datasets: [],
    unsupportedCriteria: [],
    errorCode: error.code,
    breakdowns: new Map(),
  };
}

async function maySeeAllDatasets(site: SiteRuntime, kind: string, context: ProviderContext): Promise<boolean> {
  const datasets = await site.datasetTotals().catch(() => new Map());
  if (datasets.size === 0) return false;
  return [...datasets.keys()].every((localId) => context.policy.canSeeExactCounts(context.caller, toGraphId(site.id, kind, localId), context.now));
}

/** Keeps the rows of datasets the site serves; the site's totals are then their sums. */
function servedOnly(counts: CohortCountRecord, site: SiteRuntime): CohortCountRecord {
  if (site.curated === undefined || counts.byDataset.every((row) => site.serves(row.datasetLocalId))) return counts;
  const byDataset = counts.byDataset.filter((row) => site.serves(row.datasetLocalId));
  const sum = (field: 'subjects' | 'studies' | 'series') => byDataset.reduce((total, row) => total + row[field], 0);
  return { ...counts, byDataset, subjects: sum('subjects'), studies: sum('studies'), series: sum('series') };
}
