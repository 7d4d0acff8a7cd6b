import { CIRCUIT_STATE_VALUE, type CircuitBreaker } from '../resilience/circuit-breaker.js';
import { createMetricsRegistry, type MetricsRegistry } from './registry.js';

/**
 * How one adapter call of a site ended, as `cig_site_calls_total` counts it: `ok`; `timeout`
 * (the site's deadline or the client's shorter one ran out); `unavailable` (unreachable);
 * `error` (any other failure: bad response, refused credentials); `rejected` (the site's
 * circuit was open, the adapter was not called).
 */
export type SiteCallOutcome = 'ok' | 'timeout' | 'unavailable' | 'error' | 'rejected';

export const SITE_CALL_OUTCOMES: readonly SiteCallOutcome[] = ['ok', 'timeout', 'unavailable', 'error', 'rejected'];

/** The per-site series of a kind subgraph's /metrics. Labels are site ids only. */
export interface SiteMetrics {
  readonly registry: MetricsRegistry;
  /**
   * Starts a site's series at zero, so a rate over them works from the first scrape; with a
   * circuit, its state is sampled at every scrape (an open circuit turns half-open when
   * next asked, not on a timer).
   */
  addSite(siteId: string, circuit?: CircuitBreaker): void;
  /** One adapter call; `seconds` is how long the adapter took (none for a rejected call). */
  observeCall(siteId: string, outcome: SiteCallOutcome, seconds?: number): void;
}

export function createSiteMetrics(registry: MetricsRegistry = createMetricsRegistry()): SiteMetrics {
  const state = registry.gauge({
    name: 'cig_site_circuit_state',
    help: 'Circuit breaker of each site: 0 closed, 1 half-open, 2 open. Sites whose circuit is turned off have no series.',
    labelNames: ['site'],
  });
  const calls = registry.counter({
    name: 'cig_site_calls_total',
    help: 'Adapter calls of each site by outcome: ok, timeout, unavailable, error, rejected (circuit open, adapter not called).',
    labelNames: ['site', 'outcome'],
  });
  const duration = registry.histogram({
    name: 'cig_site_call_duration_seconds',
    help: 'Duration of adapter calls that reached the adapter, failed ones included (a retrieve: until the archive starts).',
    labelNames: ['site'],
  });
  const circuits = new Map<string, CircuitBreaker>();
  registry.beforeRender(() => {
    for (const [site, circuit] of circuits) state.set({ site }, CIRCUIT_STATE_VALUE[circuit.state]);
  });
  return {
    registry,
    addSite(siteId, circuit) {
      for (const outcome of SITE_CALL_OUTCOMES) calls.inc({ site: siteId, outcome }, 0);
      if (circuit) {
        circuits.set(siteId, circuit);
        state.set({ site: siteId }, CIRCUIT_STATE_VALUE[circuit.state]);
      }
    },
    observeCall(siteId, outcome, seconds) {
      calls.inc({ site: siteId, outcome });
      if (seconds !== undefined) duration.observe({ site: siteId }, seconds);
    },
  };
}
