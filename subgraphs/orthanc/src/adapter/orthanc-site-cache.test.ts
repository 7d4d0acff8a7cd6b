import { ProviderBadResponseError, ProviderTimeoutError } from '@cancer-imaging/provider-kit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { OrthancClient } from './orthanc-client.js';
import { createGrouping } from './orthanc-options.js';
import { OrthancSiteCache } from './orthanc-site-cache.js';

// SiteRead.share: the work the kit's concurrent count and breakdowns derive from one read.

/** An empty Orthanc answering only what a refresh asks, each answer after `delayMs`. */
function emptyOrthanc(delayMs = 0): OrthancClient {
  const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), delayMs));
  return {
    lastChange: () => later({ Changes: [], Done: true, Last: 0 }),
    changes: () => later({ Changes: [], Done: true, Last: 0 }),
    statistics: () => later({ CountPatients: 0, CountStudies: 0, CountSeries: 0, CountInstances: 0, TotalDiskSizeMB: 0, TotalUncompressedSizeMB: 0 }),
    find: () => later([]),
  } as unknown as OrthancClient;
}

function cacheOf(client: OrthancClient): OrthancSiteCache {
  return new OrthancSiteCache({
    client, grouping: createGrouping({ by: 'site' }, []), parallelism: 2, batchSize: 10, changesLimit: 100, logger: pino({ level: 'silent' }),
  });
}

/** Work that counts its runs and settles when told, failing as its signal aborts. */
function controlledWork() {
  let runs = 0;
  const pending: { resolve: (value: string) => void; reject: (error: Error) => void }[] = [];
  const work = (signal: AbortSignal) => new Promise<string>((resolve, reject) => {
    runs += 1;
    pending.push({ resolve, reject });
    signal.addEventListener('abort', () => reject(new ProviderTimeoutError()), { once: true });
  });
  return { work, pending, runs: () => runs };
}

describe('OrthancSiteCache.read: work shared by the operations of one read', () => {
  it('lets operations that join a read in flight share it, and its work', async () => {
    const cache = cacheOf(emptyOrthanc(5));
    const live = new AbortController().signal;
    const [a, b] = await Promise.all([cache.read(live), cache.read(live)]);
    expect(a).toBe(b);
    const { work, pending, runs } = controlledWork();
    const first = a.share('index', live, work);
    const second = b.share('index', live, work);
    await new Promise((resolve) => setTimeout(resolve, 1));
    pending[0]!.resolve('built');
    expect(await Promise.all([first, second])).toEqual(['built', 'built']);
    expect(runs()).toBe(1);
    // An operation that starts later makes a new read: its work is done again.
    const later = await cache.read(live);
    expect(later).not.toBe(a);
    expect(later.snapshot).toBe(a.snapshot);
  });

  it('redoes the work for an operation with time left when the one that started it ran out', async () => {
    const cache = cacheOf(emptyOrthanc());
    const read = await cache.read(new AbortController().signal);
    const short = new AbortController();
    const { work, pending, runs } = controlledWork();
    const first = read.share('series', short.signal, work);
    const second = read.share('series', new AbortController().signal, work);
    const third = read.share('series', new AbortController().signal, work);
    short.abort(new ProviderTimeoutError());
    await expect(first).rejects.toBeInstanceOf(ProviderTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 1));
    // The second does it again; the third joins the second rather than doing it a third time.
    expect(runs()).toBe(2);
    pending[1]!.resolve('again');
    expect(await Promise.all([second, third])).toEqual(['again', 'again']);
  });

  it('gives every operation of the read the same failure when the site fails, asking the site once', async () => {
    const cache = cacheOf(emptyOrthanc());
    const read = await cache.read(new AbortController().signal);
    let runs = 0;
    const failing = async () => {
      runs += 1;
      throw new ProviderBadResponseError();
    };
    const results = await Promise.allSettled([read.share('find', new AbortController().signal, failing), read.share('find', new AbortController().signal, failing)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
  });
});
