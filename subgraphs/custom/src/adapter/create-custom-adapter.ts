import {
  ProviderTimeoutError, ProviderBadResponseError, subjectRefKey,
  type AdapterDeps, type CallContext, type CohortCountRecord, type CreateAdapter, type ProviderAdapter,
  type SegmentationRecord, type SeriesRecord, type SiteConfig, type StudyRecord,
} from '@cancer-imaging/provider-kit';
import { breakdownFromIndex } from './custom-breakdown.js';
import { compileCriteria, EXACT_CRITERIA } from './custom-criteria.js';
import { toIndexError } from './custom-errors.js';
import { missingColumns, openIndexFile, type SqliteDatabase } from './custom-index.js';
import { resolveIndexFile } from './custom-location.js';
import { toSegmentationRecord, toSeriesRecord, toStudyRecords, toSubjectRecord } from './custom-mappers.js';
import { countSourceOf, createAggregateQueries, createIndexQueries, MAX_BATCH_PARAMETERS, type AggregateQueries, type IndexQueries } from './custom-queries.js';
import type { ReadPool } from './read-pool.js';

/** Version of the index contract this adapter reads; reported as the site's API version. */
export const CUSTOM_INDEX_API_VERSION = 'custom-index/1';

export interface CustomAdapterDeps extends AdapterDeps {
  /** Path of the embedded demo index (what ensureDemoIndex returned), for `demo:` sites. */
  readonly demoIndexPath?: string;
  /**
   * Opens an index file. Default: its own read-only connection per site, closed by
   * `close()`. A connection this hook returns belongs to the caller (who may share one
   * among the demo sites) and is not closed by the adapter.
   */
  readonly openIndex?: (file: string) => SqliteDatabase;
  /**
   * Reader threads for counts and breakdowns (read-pool.ts), shared by the sites of a
   * subgraph. Default: counted inline on the calling thread.
   */
  readonly readPool?: ReadPool;
}

/**
 * The adapter of one custom site: a series-level SQLite index read with synchronous
 * prepared statements, filtered to the site's rows. The file is opened on first use, so a
 * missing or broken index makes the site UNREACHABLE/ERROR rather than stopping the
 * process, and is retried on the next call.
 */
export function createCustomAdapter(site: SiteConfig, deps: CustomAdapterDeps): ProviderAdapter {
  const file = resolveIndexFile(site, deps.demoIndexPath);
  const ownsConnection = deps.openIndex === undefined;
  const open = deps.openIndex ?? openIndexFile;
  let db: SqliteDatabase | undefined;
  let queries: IndexQueries | undefined;
  let aggregates: AggregateQueries | undefined;

  const connect = (): IndexQueries => {
    if (queries) return queries;
    const opened = open(file);
    try {
      const missing = missingColumns(opened);
      if (missing.length > 0) throw new ProviderBadResponseError(`The site's index lacks required columns: ${missing.join(', ')}.`);
    } catch (error) {
      if (ownsConnection) opened.close();
      throw error;
    }
    db = opened;
    queries = createIndexQueries(opened, site.id);
    const pool = deps.readPool;
    aggregates = pool
      ? createAggregateQueries(site.id, countSourceOf(opened), (sql, params) => pool.all(file, sql, params))
      : queries.aggregates;
    return queries;
  };

  /** The aggregate queries, opening the index first (in the pool or inline). */
  const aggregatesOf = (): AggregateQueries => {
    connect();
    return aggregates!;
  };

  const checkSignal = (ctx: CallContext) => {
    // SQLite calls are synchronous and cannot be interrupted; we check before each one.
    if (ctx.signal.aborted) throw new ProviderTimeoutError();
  };

  const run = async <T>(operation: string, ctx: CallContext, work: (q: IndexQueries) => T | Promise<T>): Promise<T> => {
    checkSignal(ctx);
    try {
      return await work(connect());
    } catch (error) {
      const mapped = toIndexError(error);
      if (mapped.code !== 'PROVIDER_TIMEOUT') {
        ctx.logger.warn({ err: error, operation, code: mapped.code }, 'custom index operation failed');
      }
      throw mapped;
    }
  };

  /** Runs a batched query over chunks that fit the parameter budget, checking the deadline between chunks. */
  function inChunks<I, R>(ctx: CallContext, items: readonly I[], perItem: number, query: (chunk: readonly I[]) => R[]): R[] {
    const size = Math.max(1, Math.floor((MAX_BATCH_PARAMETERS - 1) / perItem));
    const rows: R[] = [];
    for (let start = 0; start < items.length; start += size) {
      if (start > 0) checkSignal(ctx);
      rows.push(...query(items.slice(start, start + size)));
    }
    return rows;
  }

  return {
    describe(ctx) {
      return run('describe', ctx, (q) => {
        q.ping();
        return { apiVersion: CUSTOM_INDEX_API_VERSION, exactCriteria: EXACT_CRITERIA };
      });
    },

    listDatasets(ctx) {
      return run('listDatasets', ctx, async () =>
        (await aggregatesOf().countByDataset({ sql: '', params: [] }))
          .map((row) => ({ localId: row.datasetId, subjects: row.subjects, studies: row.studies, series: row.series }))
          .sort((a, b) => compareText(a.localId, b.localId)));
    },

    countCohort(criteria, ctx) {
      return run('countCohort', ctx, async (): Promise<CohortCountRecord> => {
        const byDataset = (await aggregatesOf().countByDataset(compileCriteria(criteria)))
          .map((row) => ({ datasetLocalId: row.datasetId, subjects: row.subjects, studies: row.studies, series: row.series }))
          .sort((a, b) => compareText(a.datasetLocalId, b.datasetLocalId));
        // Subjects are (dataset, PatientID) pairs and a study sits in one dataset, so the
        // site's totals are the sums over its datasets.
        return {
          subjects: sum(byDataset, 'subjects'),
          studies: sum(byDataset, 'studies'),
          series: sum(byDataset, 'series'),
          byDataset,
          unsupportedCriteria: [],
        };
      });
    },

    breakdownCohort(criteria, by, ctx) {
      return run('breakdownCohort', ctx, () => breakdownFromIndex(aggregatesOf(), criteria, by));
    },

    listSubjects(datasetLocalId, page, ctx) {
      return run('listSubjects', ctx, (q) => {
        const offset = Math.max(0, Math.trunc(page.offset));
        const limit = Math.max(0, Math.trunc(page.limit));
        const totalCount = q.subjectCount(datasetLocalId);
        const items = limit === 0 || offset >= totalCount ? [] : q.subjectPage(datasetLocalId, offset, limit);
        return { items: items.map((row) => toSubjectRecord(row, datasetLocalId)), totalCount };
      });
    },

    listStudies(subjects, ctx) {
      return run('listStudies', ctx, (q) => {
        const refs = uniqueBy(subjects, subjectRefKey);
        const parts = inChunks(ctx, refs, 2, (chunk) => q.studyParts(chunk));
        const result = new Map<string, StudyRecord[]>(refs.map((ref) => [subjectRefKey(ref), []]));
        const grouped = groupBy(parts, (part) => subjectRefKey({ datasetLocalId: part.datasetId, nativePatientId: part.patientId }));
        for (const [key, subjectParts] of grouped) result.set(key, toStudyRecords(subjectParts));
        return result;
      });
    },

    listSeries(studyLocalIds, ctx) {
      return run('listSeries', ctx, (q) => {
        const ids = [...new Set(studyLocalIds)];
        const result = new Map<string, SeriesRecord[]>(ids.map((id) => [id, []]));
        for (const row of inChunks(ctx, ids, 1, (chunk) => q.series(chunk))) result.get(row.studyUid)?.push(toSeriesRecord(row));
        return result;
      });
    },

    listSegmentations(seriesLocalIds, ctx) {
      return run('listSegmentations', ctx, (q) => {
        const ids = [...new Set(seriesLocalIds)];
        const result = new Map<string, SegmentationRecord[]>(ids.map((id) => [id, []]));
        for (const row of inChunks(ctx, ids, 1, (chunk) => q.segmentations(chunk))) result.get(row.seriesUid)?.push(toSegmentationRecord(row));
        return result;
      });
    },

    async close() {
      if (ownsConnection) db?.close();
      db = undefined;
      queries = undefined;
    },
  };
}

/**
 * Binds the server's extra dependencies, for createProviderSubgraph:
 * `createAdapter: createCustomAdapterFactory({ demoIndexPath })`.
 */
export function createCustomAdapterFactory(extra: Pick<CustomAdapterDeps, 'demoIndexPath' | 'openIndex' | 'readPool'>): CreateAdapter {
  return (site, deps) => createCustomAdapter(site, { ...deps, ...extra });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sum<K extends string>(rows: readonly Record<K, number>[], key: K): number {
  let total = 0;
  for (const row of rows) total += row[key];
  return total;
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
