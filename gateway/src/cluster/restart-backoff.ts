export interface RestartBackoffOptions {
  /** Delay before restarting a worker that died once. @default 500 */
  readonly baseMs?: number;
  /** Longest delay, however often a worker keeps dying. @default 30_000 */
  readonly maxMs?: number;
  /** A worker that ran this long counts as healthy: its next death starts again from baseMs. @default 60_000 */
  readonly stableMs?: number;
}

export const DEFAULT_RESTART_BACKOFF: Required<RestartBackoffOptions> = { baseMs: 500, maxMs: 30_000, stableMs: 60_000 };

/**
 * The delays before restarting one worker slot: doubling while its workers keep dying
 * soon after they start (a crash loop should not burn the cores the other workers serve
 * on), bounded by maxMs, and back to baseMs once a worker has run for stableMs.
 */
export function createRestartBackoff(options: RestartBackoffOptions = {}): { delayAfter(uptimeMs: number): number } {
  const { baseMs, maxMs, stableMs } = { ...DEFAULT_RESTART_BACKOFF, ...options };
  let quickDeaths = 0;
  return {
    delayAfter(uptimeMs) {
      quickDeaths = uptimeMs >= stableMs ? 1 : quickDeaths + 1;
      // Capped exponent: 2 ** 1000 is Infinity, which min() would take care of, but stays readable this way.
      return Math.min(maxMs, baseMs * 2 ** Math.min(quickDeaths - 1, 30));
    },
  };
}
