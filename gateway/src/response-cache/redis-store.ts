import KeyvRedis from '@keyv/redis';
import type { ResponseStore } from './response-store.js';

/** The commands we send; the adapter's client type is a union of client, cluster and sentinel. */
interface RedisCommands {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  mGet(keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  incr(key: string): Promise<number>;
}

export interface RedisResponseStoreOptions {
  /**
   * Prefix of every key. The version names the entry format: a gateway that writes another
   * format uses another namespace rather than misreading this one. @default 'cig:response-cache:v1'
   */
  readonly namespace?: string;
  /** Give up one connection attempt after this. @default 1000 */
  readonly connectTimeoutMs?: number;
}

/** Thrown for every command while the connection is down: the cache counts it as a miss at once. */
export class RedisNotConnectedError extends Error {
  constructor(cause: unknown) {
    super('The response cache\'s Redis is not connected.', { cause });
    this.name = 'RedisNotConnectedError';
  }
}

/**
 * Kept answers in Redis through @keyv/redis (CIG_REDIS_URL), shared by every gateway
 * pointed at it. Entries are written with the adapter (PX TTL, namespaced keys); reads go
 * to its client as one MGET of the generation and the entry, so a lookup is one round trip
 * and always sees the latest generation; the generation is an INCR, atomic on the server.
 *
 * The connection is opened once and re-opened in the background (backoff up to 2 s). While
 * it is down every command fails at once (no offline queue, so nothing piles up to run
 * late), except before the first connection attempt has settled, when a command waits for it (the
 * cache bounds that wait).
 */
export function createRedisResponseStore(url: string, options: RedisResponseStoreOptions = {}): ResponseStore {
  const namespace = options.namespace ?? 'cig:response-cache:v1';
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const adapter = new KeyvRedis<string>(
    {
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
    },
    { namespace, throwOnConnectError: true, throwOnErrors: true },
  );
  let lastError: unknown;
  // Settles when the first connection attempt does, either way: commands wait for it once,
  // then fail at once while the connection is down (a wait per command could pile up).
  let settleFirstAttempt: () => void = () => undefined;
  const firstAttempt = new Promise<void>((resolve) => {
    settleFirstAttempt = resolve;
  });
  // node-redis reports every failed (re)connection; the cache reports the commands that fail.
  adapter.on('error', (error: unknown) => {
    lastError = error;
    settleFirstAttempt();
  });
  // A server that accepts but never answers settles nothing: stop waiting with the connect timeout.
  setTimeout(settleFirstAttempt, connectTimeoutMs).unref();
  const client = adapter.client as unknown as RedisCommands;
  client.connect().then(() => settleFirstAttempt(), (error: unknown) => {
    lastError = error;
    settleFirstAttempt();
  });

  const generationKey = adapter.createKeyPrefix('generation', namespace);
  const entryKey = (key: string) => adapter.createKeyPrefix(`answer:${key}`, namespace);
  const connected = async (): Promise<void> => {
    await firstAttempt;
    if (!client.isReady) throw new RedisNotConnectedError(lastError);
  };

  return {
    kind: 'redis',
    async read(key) {
      await connected();
      const [generation, entry] = await client.mGet([generationKey, entryKey(key)]);
      return { generation: Number(generation ?? 0), entry: entry ?? undefined };
    },
    async generation() {
      await connected();
      return Number((await client.get(generationKey)) ?? 0);
    },
    async write(key, entry, ttlMs) {
      await connected();
      // The adapter prefixes the key itself: same key as entryKey(key).
      await adapter.set(`answer:${key}`, entry, ttlMs);
    },
    async increment() {
      await connected();
      return client.incr(generationKey);
    },
    async close() {
      // QUIT lets writes in flight finish; a connection that is down is simply dropped.
      await adapter.disconnect(!client.isReady);
    },
  };
}
