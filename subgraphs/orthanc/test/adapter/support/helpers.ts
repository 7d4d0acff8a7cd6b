import { readFileSync } from 'node:fs';
import type { CallContext, DatasetMetadata, SiteConfig } from '@cancer-imaging/provider-kit';
import { pino, type Logger } from 'pino';

/** A recorded Orthanc 1.10.1 response from test/adapter/fixtures (see its README). */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** The raw text of a fixture, as Orthanc sent it. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

/** A pino logger at trace level writing into `lines`, to prove what is (not) logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (chunk: string) => { lines.push(chunk); } });
  return { logger, lines };
}

export const silentLogger: Logger = pino({ level: 'silent' });

export function callContext(signal: AbortSignal = new AbortController().signal, logger: Logger = silentLogger): CallContext {
  return { signal, logger };
}

export const USER_VAR = 'CIG_ORTHANC_TEST_USER';
export const PASSWORD_VAR = 'CIG_ORTHANC_TEST_PASSWORD';

/** A registry site of kind orthanc whose credentials are named by USER_VAR / PASSWORD_VAR. */
export function orthancSite(overrides: Partial<SiteConfig> & { baseUrl: string }): SiteConfig {
  return {
    id: 'orthanc-a',
    name: 'Orthanc A',
    country: 'BE',
    kind: 'orthanc',
    credentials: { username: USER_VAR, password: PASSWORD_VAR },
    privacy: { minCount: 10, roundTo: 10 },
    deadlineMs: 5_000,
    options: {},
    ...overrides,
  };
}

export function curatedDataset(site: string, localId: string, cancerTypes: string[]): DatasetMetadata {
  return {
    site,
    localId,
    title: `Dataset ${localId}`,
    description: '',
    cancerTypes,
    modalities: [],
    bodyParts: [],
    manufacturers: [],
    sex: [],
    accessRights: 'RESTRICTED',
    accessModes: ['DOWNLOAD'],
    publisher: { name: 'Test publisher' },
    keywords: [],
  };
}

/** Upstream calls seen through a wrapped fetch, keyed "METHOD /path" with Orthanc ids as {id}. */
export interface CallLog {
  readonly calls: string[];
  reset(): void;
  /** Calls per endpoint since the last reset. */
  byEndpoint(): Record<string, number>;
  /** Calls that read instance or shared tags. */
  tagReads(): number;
}

const ORTHANC_ID = /[0-9a-f]{8}(?:-[0-9a-f]{8}){4}/g;

export function countingFetch(inner: typeof fetch = (...args) => globalThis.fetch(...args)): { fetch: typeof fetch; log: CallLog } {
  const calls: string[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const query = url.search === '?last' ? '?last' : '';
    calls.push(`${method} ${url.pathname.replace(ORTHANC_ID, '{id}')}${query}`);
    return inner(input, init);
  };
  const log: CallLog = {
    calls,
    reset: () => { calls.length = 0; },
    byEndpoint: () => {
      const counts: Record<string, number> = {};
      for (const call of calls) counts[call] = (counts[call] ?? 0) + 1;
      return counts;
    },
    tagReads: () => calls.filter((call) => /simplified-tags|shared-tags|\/tags$/.test(call)).length,
  };
  return { fetch: wrapped, log };
}
