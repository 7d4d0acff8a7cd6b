import KeyvRedis, { Keyv } from '@keyv/redis';
import type { WindowCounter } from './window-counter.js';

/**
 * INCR and, for the first request of a window, PEXPIRE, in one script: atomic on the
 * server, so gateways sharing the Redis never lose a count, and the key goes away with its
 * window.
 */
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`;

/** The one command we send; the adapter's client type is a union of client, cluster and sentinel. */
interface ScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisWindowCounterOptions {
  /** Prefix of every key, so the counters sit beside other data. @default 'cig:rate' */
  readonly namespace?: string;
  /** Give up connecting after this. @default 2000 */
  readonly connectTimeoutMs?: number;
}

/**
 * Window counters in Redis through @keyv/redis (CIG_REDIS_URL), shared by every gateway
 * instance pointed at it. Keyv's get/set cannot count across processes without losing
 * increments, so the count itself is the Lua INCR above, run on the adapter's connection
 * and under its key prefix.
 */
export function createRedisWindowCounter(url: string, options: RedisWindowCounterOptions = {}): WindowCounter {
  const namespace = options.namespace ?? 'cig:rate';
  const store = new KeyvRedis<number>(url, {
    namespace,
    throwOnConnectError: true,
    throwOnErrors: true,
    connectionTimeout: options.connectTimeoutMs ?? 2_000,
  });
  // The Keyv owns the adapter (and so its connection) as any other Keyv user would.
  const keyv = new Keyv<number>({ store, namespace, useKeyPrefix: false });
  return {
    async increment(key, windowStartMs, windowMs) {
      const client = (await store.getClient()) as unknown as ScriptClient;
      const count = await client.eval(INCREMENT_SCRIPT, {
        keys: [store.createKeyPrefix(`${key}@${windowStartMs}`, namespace)],
        arguments: [String(windowMs)],
      });
      return Number(count);
    },
    async close() {
      await keyv.disconnect();
    },
  };
}
