import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAuthenticator } from './auth/authenticate-request.js';
import type { GatewayContext } from './context.js';
import { graphQLErrorBody, sendJson } from './http.js';
import { rateLimitKey } from './rate-limit/client-key.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';

export interface RequestGuardOptions {
  readonly authenticate: RequestAuthenticator;
  /** Absent: no rate limiting. */
  readonly rateLimiter?: RateLimiter;
  /** Proxies whose X-Forwarded-For is trusted for an anonymous caller's address. */
  readonly trustProxyHops: number;
}

/**
 * Admits a request, or answers it. Resolves to the request's context with its verified
 * caller, or undefined when it has already answered: 401 `UNAUTHENTICATED` for a bad
 * token, 503 when the identity provider's keys could not be fetched, 429 `RATE_LIMITED`
 * over budget. Runs before the body is read and before any operation is planned, for
 * /graphql and the gateway's document endpoints alike.
 */
export type RequestGuard = (req: IncomingMessage, res: ServerResponse, context: GatewayContext) => Promise<GatewayContext | undefined>;

export function createRequestGuard(options: RequestGuardOptions): RequestGuard {
  return async (req, res, context) => {
    const authentication = await options.authenticate(req.headers.authorization);
    const caller = authentication.outcome === 'verified' ? authentication.caller : undefined;

    // Refused tokens spend the address's budget too, so a flood of junk tokens is cut off.
    if (options.rateLimiter) {
      const decision = await options.rateLimiter.check(rateLimitKey(caller, req, options.trustProxyHops));
      res.setHeader('ratelimit-limit', String(decision.limit));
      res.setHeader('ratelimit-remaining', String(decision.remaining));
      res.setHeader('ratelimit-reset', String(decision.resetSeconds));
      if (!decision.allowed) {
        context.logger.info({ caller: caller ? 'verified' : 'anonymous', retryAfter: decision.resetSeconds }, 'rate limited');
        sendJson(
          res,
          429,
          {
            errors: [{
              message: `Too many requests: at most ${decision.limit} per window. Retry after ${decision.resetSeconds} s.`,
              extensions: { code: 'RATE_LIMITED', retryAfter: decision.resetSeconds },
            }],
          },
          { 'retry-after': String(decision.resetSeconds), 'cache-control': 'no-store' },
        );
        return undefined;
      }
    }

    if (authentication.outcome === 'refused') {
      context.logger.info({ reason: authentication.reason, status: authentication.status }, 'bearer token refused');
      const code = authentication.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL';
      sendJson(res, authentication.status, graphQLErrorBody(authentication.message, code), { ...authentication.headers, 'cache-control': 'no-store' });
      return undefined;
    }
    return caller ? { ...context, caller } : context;
  };
}
