import type { CallContext } from './adapter.js';
import { ProviderError, toProviderError } from './errors.js';

/**
 * Runs one adapter operation, mapping any failure to a ProviderError and logging it
 * without identifiers (site, operation, code). Timeouts are the kit's to report, not logged
 * here. `kind` names the repository kind in the log line.
 */
export async function runAdapterOperation<T>(kind: string, siteId: string, operation: string, ctx: CallContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const mapped = error instanceof ProviderError ? error : toProviderError(error);
    if (mapped.code !== 'PROVIDER_TIMEOUT') {
      ctx.logger.warn({ site: siteId, operation, code: mapped.code, err: mapped.cause ?? mapped }, `${kind} operation failed`);
    }
    throw mapped;
  }
}
