import type { Logger } from 'pino';
import type { DatasetRecord, ProviderAdapter, SiteDescription } from './adapter.js';
import { settleWithDeadline, withDeadline, type SiteOutcome } from './deadline.js';
import type { SiteConfig } from './registry.js';

/** How long a site's description and dataset totals are reused across requests. */
const SITE_FACTS_TTL_MS = 30_000;

interface Cached<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

/**
 * One site served by a kind subgraph: its registry entry, its adapter, and short-lived
 * caches of facts that change rarely (description, dataset totals), so a page of 50
 * datasets costs one upstream call, not 50.
 */
export class SiteRuntime {
  private description?: Cached<SiteDescription>;
  private datasets?: Cached<ReadonlyMap<string, DatasetRecord>>;

  /**
   * The datasets the site publishes (curated metadata in the registry). When the registry
   * describes any for the site, only those are served: an uncatalogued project or grouping
   * (a QA phantom project, a private collection) is neither counted nor browsable.
   */
  readonly curated: ReadonlySet<string> | undefined;

  constructor(
    readonly config: SiteConfig,
    readonly adapter: ProviderAdapter,
    private readonly logger: Logger,
    curatedLocalIds: readonly string[] = [],
  ) {
    this.curated = curatedLocalIds.length > 0 ? new Set(curatedLocalIds) : undefined;
  }

  /** Is this dataset (local id) served? */
  serves(localId: string): boolean {
    return this.curated === undefined || this.curated.has(localId);
  }

  get id(): string {
    return this.config.id;
  }

  describe(): Promise<SiteOutcome<SiteDescription>> {
    const cached = this.fresh(this.description);
    if (cached) return settleWithDeadline(this.config.deadlineMs, this.logger, () => cached);
    const outcome = settleWithDeadline(this.config.deadlineMs, this.logger, (ctx) => this.adapter.describe(ctx));
    this.description = { at: Date.now(), value: outcome.then((o) => (o.ok ? o.value : Promise.reject(o.error))) };
    this.description.value.catch(() => { this.description = undefined; });
    return outcome;
  }

  datasetTotals(): Promise<ReadonlyMap<string, DatasetRecord>> {
    const cached = this.fresh(this.datasets);
    if (cached) return cached;
    const value = withDeadline(this.config.deadlineMs, this.logger, async (ctx) => {
      const records = await this.adapter.listDatasets(ctx);
      return new Map(records.filter((record) => this.serves(record.localId)).map((record) => [record.localId, record]));
    });
    this.datasets = { at: Date.now(), value };
    value.catch(() => { this.datasets = undefined; });
    return value;
  }

  private fresh<T>(entry: Cached<T> | undefined): Promise<T> | undefined {
    return entry && Date.now() - entry.at < SITE_FACTS_TTL_MS ? entry.value : undefined;
  }
}
