import type { Logger } from 'pino';
import { ProviderUnavailableError, type ProviderError } from '../errors.js';
import type { SiteCircuitConfig, SiteConfig } from '../registry.js';
import { createCircuitBreaker, type CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';

/** The settings of a site's circuit breaker (see the registry's `circuit`). */
export type SiteCircuitSettings = Required<Omit<SiteCircuitConfig, 'enabled'>>;

/**
 * Opens when at least half of a site's last 20 calls failed, once it has made 5; stays open
 * 5 s, then lets one probe through. With a 5 s deadline a dead site costs at most five
 * waits for its deadline before the kit stops calling it.
 */
export const DEFAULT_SITE_CIRCUIT: SiteCircuitSettings = { windowSize: 20, minimumCalls: 5, failureRatio: 0.5, openMs: 5_000 };

/**
 * The kind subgraph's circuits: `false` turns every site's off (whatever the registry says),
 * an object sets defaults for the fields a site's registry entry leaves out.
 */
export type SiteCircuitsOption = false | Partial<SiteCircuitSettings>;

/** A site's circuit settings: the registry's, then the subgraph's, then the kit's; undefined when off. */
export function siteCircuitSettings(site: Pick<SiteConfig, 'circuit'>, option?: SiteCircuitsOption): SiteCircuitSettings | undefined {
  if (option === false || site.circuit?.enabled === false) return undefined;
  const defaults = option ?? {};
  const pick = <K extends keyof SiteCircuitSettings>(key: K) => site.circuit?.[key] ?? defaults[key] ?? DEFAULT_SITE_CIRCUIT[key];
  return { windowSize: pick('windowSize'), minimumCalls: pick('minimumCalls'), failureRatio: pick('failureRatio'), openMs: pick('openMs') };
}

/** A site's circuit breaker, logging its state changes (site id only); `onOpen` is told each time it opens. */
export function createSiteCircuit(siteId: string, settings: SiteCircuitSettings, logger: Logger, onOpen?: () => void): CircuitBreaker {
  const options: CircuitBreakerOptions = {
    ...settings,
    onStateChange: (state, previous) => {
      if (state === 'open') onOpen?.();
      const line = { site: siteId, state, previous };
      if (state === 'open') logger.warn({ ...line, openMs: settings.openMs }, 'site circuit opened: calls to the site fail at once until a probe succeeds');
      else logger.info(line, state === 'closed' ? 'site circuit closed' : 'site circuit half-open: one probe call goes through');
    },
  };
  return createCircuitBreaker(options);
}

/** What a call refused by an open circuit throws: the site is UNREACHABLE, and the adapter was not called. */
export class SiteCircuitOpenError extends ProviderUnavailableError {
  constructor(retryInMs: number) {
    super(`The site failed repeatedly; the graph stops calling it for a while (next try in ${Math.max(1, Math.ceil(retryInMs / 1000))} s).`);
  }
}

/**
 * How a failed call settles its permit. Only failures of the site count: unreachable, or
 * out of time when the budget was the site's own deadline. A client's shorter deadline
 * running out says nothing about the site (a client asking for 100 ms must not open the
 * circuit for everyone). Anything else (a bad response, refused credentials) is an answer:
 * the site is there.
 */
export function verdictOf(error: ProviderError, budgetMs: number, siteDeadlineMs: number): 'failure' | 'release' | 'success' {
  if (error.code === 'PROVIDER_UNAVAILABLE') return 'failure';
  if (error.code === 'PROVIDER_TIMEOUT') return budgetMs >= siteDeadlineMs ? 'failure' : 'release';
  return 'success';
}
