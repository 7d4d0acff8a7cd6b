import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * A pool of worker threads that run read-only SQL on index files. better-sqlite3 is
 * synchronous: on the main thread, counting 30 sites one after another blocks GraphQL and
 * uses one core. In the pool, sites count in parallel on every core and the event loop
 * stays free. Only aggregate queries go here; browsing pages are small and stay inline.
 *
 * The worker is plain JavaScript evaluated from a string, so it runs the same from sources
 * (tsx, vitest) and from dist/ without a loader; it gets better-sqlite3's resolved path.
 */
export interface ReadPool {
  all<T>(file: string, sql: string, params: readonly unknown[]): Promise<T[]>;
  readonly size: number;
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const connections = new Map();
const statements = new Map();
parentPort.on('message', ({ id, file, sql, params }) => {
  try {
    let db = connections.get(file);
    if (!db) {
      db = new Database(file, { readonly: true, fileMustExist: true });
      // Each reader has its own page cache: big enough for the count summary, and memory
      // mapped so pages are not copied out of the OS cache on every query.
      db.pragma('cache_size = -131072');
      db.pragma('mmap_size = 1073741824');
      connections.set(file, db);
    }
    const key = file + '\\u0000' + sql;
    let statement = statements.get(key);
    if (!statement) {
      if (statements.size >= 512) statements.clear();
      statement = db.prepare(sql);
      statements.set(key, statement);
    }
    parentPort.postMessage({ id, rows: statement.all(...params) });
  } catch (error) {
    parentPort.postMessage({ id, error: { name: String(error && error.name), message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Pending {
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

interface PooledWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

interface Queued extends Pending {
  readonly id: number;
  readonly file: string;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Queries a reader holds at once. One: a free reader takes the next query from the shared
 * queue, so sites of different sizes even out across readers (handing each reader its
 * share up front left one busy while the other idled).
 */
const IN_FLIGHT_PER_READER = 2;

/** An error raised in a worker, rebuilt with its name and SQLite code for toIndexError. */
export class WorkerQueryError extends Error {
  constructor(message: string, override readonly name: string, readonly code?: string) {
    super(message);
  }
}

/** Default size: one worker per core (the main thread mostly waits while they count). */
export function defaultReadPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export function createReadPool(size: number = defaultReadPoolSize()): ReadPool {
  const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
  let nextId = 0;
  let closed = false;
  const queue: Queued[] = [];
  const workers: PooledWorker[] = Array.from({ length: size }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { betterSqlite3 } });
    const pooled: PooledWorker = { worker, pending: new Map() };
    worker.on('message', (message: { id: number; rows?: unknown[]; error?: { name: string; message: string; code?: string } }) => {
      const task = pooled.pending.get(message.id);
      if (!task) return;
      pooled.pending.delete(message.id);
      if (message.error) task.reject(new WorkerQueryError(message.error.message, message.error.name, message.error.code));
      else task.resolve(message.rows ?? []);
      dispatch(pooled);
      if (pooled.pending.size === 0) worker.unref();
    });
    // A worker that dies fails what it holds; the pool keeps serving with the others.
    worker.on('error', (error) => failAll(pooled, error));
    worker.on('exit', () => failAll(pooled, new Error('An index reader stopped.')));
    // Idle readers must not keep a finished process alive; busy ones must (see all()).
    worker.unref();
    return pooled;
  });

  function failAll(pooled: PooledWorker, error: Error): void {
    for (const task of pooled.pending.values()) task.reject(error);
    pooled.pending.clear();
    const index = workers.indexOf(pooled);
    if (index >= 0) workers.splice(index, 1);
    if (workers.length === 0) for (const task of queue.splice(0)) task.reject(error);
  }

  /** Hands queued queries to a reader while it has room. */
  function dispatch(pooled: PooledWorker): void {
    while (pooled.pending.size < IN_FLIGHT_PER_READER && queue.length > 0) {
      const task = queue.shift()!;
      if (pooled.pending.size === 0) pooled.worker.ref();
      pooled.pending.set(task.id, task);
      pooled.worker.postMessage({ id: task.id, file: task.file, sql: task.sql, params: task.params });
    }
  }

  return {
    get size() {
      return workers.length;
    },
    all<T>(file: string, sql: string, params: readonly unknown[]): Promise<T[]> {
      if (closed) return Promise.reject(new Error('The index reader pool is closed.'));
      if (workers.length === 0) return Promise.reject(new Error('No index reader is running.'));
      return new Promise<T[]>((resolve, reject) => {
        queue.push({ id: nextId++, file, sql, params, resolve: resolve as (rows: unknown[]) => void, reject });
        const free = workers.find((w) => w.pending.size < IN_FLIGHT_PER_READER);
        if (free) dispatch(free);
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error('The index reader pool is closed.'));
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}
