import type { Logger } from 'pino';
import type { CallContext, DatasetRecord, ProviderAdapter, SiteDescription } from './adapter.js';
import { withDeadline, type SiteOutcome } from './deadline.js';
import { ProviderTimeoutError, toProviderError } from './errors.js';
import type { SiteMetrics, SiteCallOutcome } from './metrics/site-metrics.js';
import type { SiteConfig } from './registry.js';
import type { CircuitBreaker } from './resilience/circuit-breaker.js';
import { createSiteCircuit, SiteCircuitOpenError, verdictOf, type SiteCircuitSettings } from './resilience/site-circuit.js';

/** How long a site's description and dataset totals are reused across requests. */
const SITE_FACTS_TTL_MS = 30_000;

interface Cached<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

/** How one adapter call of a site is bounded. */
export interface SiteCallOptions {
  /**
   * The budget of the call; default the site's own deadline. A shorter one is the client's
   * (a cohort's `deadlineMs`): running out of it does not count against the site's circuit.
   */
  readonly deadlineMs?: number;
  /** An outer budget (a cohort's, shared by its calls) that aborts the call too. */
  readonly signal?: AbortSignal;
  /** The adapter's `ctx.logger` (the request's); default the site's. */
  readonly logger?: Logger;
  /**
   * false: the call may not be the probe of a half-open circuit, because its deadline is far
   * longer than the site's (a retrieve streams for minutes) and a probe blocks every other
   * call until it ends. While half-open it then goes through without counting. Default true.
   */
  readonly mayProbe?: boolean;
}

/** What guards a site's calls; both optional (circuit off, no metrics). */
export interface SiteGuards {
  /** The site's circuit breaker settings (siteCircuitSettings); undefined: no circuit. */
  readonly circuit?: SiteCircuitSettings;
  readonly metrics?: SiteMetrics;
}

function outcomeOf(code: string): SiteCallOutcome {
  if (code === 'PROVIDER_TIMEOUT') return 'timeout';
  if (code === 'PROVIDER_UNAVAILABLE') return 'unavailable';
  return 'error';
}

/**
 * One site served by a kind subgraph: its registry entry, its adapter, and short-lived
 * caches of facts that change rarely (description, dataset totals), so a page of 50
 * datasets costs one upstream call, not 50. Every adapter call of the kit goes through
 * `call` (or `settle`): the site's circuit breaker, a deadline, and the site's metrics.
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

  /** The site's circuit breaker; undefined when circuits are off for it. */
  readonly circuit: CircuitBreaker | undefined;
  private readonly metrics: SiteMetrics | undefined;

  constructor(
    readonly config: SiteConfig,
    readonly adapter: ProviderAdapter,
    private readonly logger: Logger,
    curatedLocalIds: readonly string[] = [],
    guards: SiteGuards = {},
  ) {
    this.curated = curatedLocalIds.length > 0 ? new Set(curatedLocalIds) : undefined;
    // An open circuit forgets the cached description: Provider.status then says UNREACHABLE
    // while the site is not called, not the OK of a description fetched before it failed.
    // (Dataset totals stay cached: published metadata, not a sign of life.)
    this.circuit = guards.circuit && createSiteCircuit(config.id, guards.circuit, logger, () => { this.description = undefined; });
    this.metrics = guards.metrics;
    this.metrics?.addSite(config.id, this.circuit);
  }

  /**
   * Runs one adapter call: refused at once (SiteCircuitOpenError, PROVIDER_UNAVAILABLE)
   * while the site's circuit is open, else under the deadline, its outcome told to the
   * circuit and the metrics. Failures come back as ProviderError.
   */
  async call<T>(operation: (ctx: CallContext) => Promise<T>, options: SiteCallOptions = {}): Promise<T> {
    const budgetMs = options.deadlineMs ?? this.config.deadlineMs;
    // A budget already spent (the cohort's, by a slow description) never reaches the site:
    // nothing to count, for the circuit or the metrics.
    if (options.signal?.aborted) throw new ProviderTimeoutError();
    const { circuit, metrics } = this;
    const probing = circuit !== undefined && (options.mayProbe !== false || circuit.state !== 'half-open');
    const permit = probing ? circuit.tryAcquire() : undefined;
    if (probing && !permit) {
      metrics?.observeCall(this.id, 'rejected');
      throw new SiteCircuitOpenError(circuit.retryInMs());
    }
    const started = performance.now();
    try {
      const value = await withDeadline(budgetMs, options.logger ?? this.logger, operation, options.signal);
      permit?.success();
      metrics?.observeCall(this.id, 'ok', (performance.now() - started) / 1000);
      return value;
    } catch (error) {
      const providerError = toProviderError(error);
      permit?.[verdictOf(providerError, budgetMs, this.config.deadlineMs)]();
      metrics?.observeCall(this.id, outcomeOf(providerError.code), (performance.now() - started) / 1000);
      throw providerError;
    }
  }

  /** `call`, with the outcome as a value and the time it took. */
  async settle<T>(operation: (ctx: CallContext) => Promise<T>, options: SiteCallOptions = {}): Promise<SiteOutcome<T>> {
    const started = performance.now();
    try {
      const value = await this.call(operation, options);
      return { ok: true, value, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, error: toProviderError(error), latencyMs: Math.round(performance.now() - started) };
    }
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
    if (cached) return settleCached(cached);
    const outcome = this.settle((ctx) => this.adapter.describe(ctx));
    this.description = { at: Date.now(), value: outcome.then((o) => (o.ok ? o.value : Promise.reject(o.error))) };
    this.description.value.catch(() => { this.description = undefined; });
    return outcome;
  }

  datasetTotals(): Promise<ReadonlyMap<string, DatasetRecord>> {
    const cached = this.fresh(this.datasets);
    if (cached) return cached;
    const value = this.call(async (ctx) => {
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

/**
 * A description already asked for (answered, or still on its way for another request):
 * waited for as it is, without a call of its own, so it neither takes a circuit permit nor
 * counts in the metrics. Its own call has the site's deadline.
 */
async function settleCached<T>(value: Promise<T>): Promise<SiteOutcome<T>> {
  const started = performance.now();
  try {
    return { ok: true, value: await value, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: toProviderError(error), latencyMs: Math.round(performance.now() - started) };
  }
}
