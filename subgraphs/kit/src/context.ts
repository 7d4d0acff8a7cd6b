import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import { subjectRefKey, type CallContext, type SegmentationRecord, type SeriesRecord, type StudyRecord, type SubjectRef } from './adapter.js';
import type { AccessPolicy, Caller } from './privacy/access-policy.js';
import { createRecordAudit, type AuditDestination, type RecordAudit } from './privacy/record-audit.js';
import type { SiteRuntime } from './site-runtime.js';

/** Per-site batch loaders, created lazily per request so batches never mix callers. */
export interface SiteLoaders {
  readonly studies: DataLoader<SubjectRef, StudyRecord[], string>;
  readonly series: DataLoader<string, SeriesRecord[]>;
  readonly segmentations: DataLoader<string, SegmentationRecord[]>;
}

export interface ProviderContext {
  readonly caller: Caller;
  readonly requestId: string;
  readonly logger: Logger;
  /** One clock reading per request, so every grant check in it agrees. */
  readonly now: Date;
  readonly policy: AccessPolicy;
  /** The gateway's public base URL (x-cig-public-url), for links such as retrieve URLs; '' when unknown. */
  readonly publicBaseUrl: string;
  /** The request's GraphQL operation name, `anonymous` when it named none: for the audit log. */
  readonly operationName: string;
  /** Writes the request's record-level reads to the audit log before they are answered. */
  readonly audit: RecordAudit;
  loadersFor(site: SiteRuntime): SiteLoaders;
}

function batched<K, V>(
  site: SiteRuntime,
  logger: Logger,
  load: (keys: readonly K[], ctx: CallContext) => Promise<ReadonlyMap<string, V[]>>,
  keyOf: (key: K) => string,
): DataLoader<K, V[], string> {
  return new DataLoader<K, V[], string>(
    async (keys) => {
      const found = await site.call((ctx) => load(keys, ctx), { logger });
      return keys.map((key) => found.get(keyOf(key)) ?? []);
    },
    { cacheKeyFn: keyOf, maxBatchSize: 1000 },
  );
}

export function createProviderContext(options: {
  caller: Caller;
  requestId: string;
  logger: Logger;
  policy: AccessPolicy;
  publicBaseUrl?: string;
  /** Default `anonymous`. */
  operationName?: string;
  /** Default `unconfigured`: record-level reads are refused until an audit log is given. */
  audit?: AuditDestination;
}): ProviderContext {
  const loaders = new Map<string, SiteLoaders>();
  const logger = options.logger.child({ requestId: options.requestId });
  const now = new Date();
  const operationName = options.operationName ?? 'anonymous';
  return {
    caller: options.caller,
    requestId: options.requestId,
    logger,
    now,
    policy: options.policy,
    publicBaseUrl: options.publicBaseUrl ?? '',
    operationName,
    audit: createRecordAudit({
      destination: options.audit ?? { kind: 'unconfigured' },
      // Only authenticated callers get past the shield; the fallback never reaches the log.
      actorId: options.caller.id ?? 'anonymous',
      operationName, requestId: options.requestId, at: now, logger,
    }),
    loadersFor(site) {
      let siteLoaders = loaders.get(site.id);
      if (!siteLoaders) {
        siteLoaders = {
          studies: batched(site, logger, (refs, ctx) => site.adapter.listStudies(refs, ctx), subjectRefKey),
          series: batched(site, logger, (ids: readonly string[], ctx) => site.adapter.listSeries(ids, ctx), (id) => id),
          segmentations: batched(site, logger, (ids: readonly string[], ctx) => site.adapter.listSegmentations(ids, ctx), (id) => id),
        };
        loaders.set(site.id, siteLoaders);
      }
      return siteLoaders;
    },
  };
}
