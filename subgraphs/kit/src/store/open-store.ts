import path from 'node:path';
import { openPostgresGraphStore, type PostgresStoreOptions } from './postgres-store.js';
import { openSqliteGraphStore } from './sqlite-store.js';
import type { GraphStore } from './types.js';

export interface OpenGraphStoreOptions extends PostgresStoreOptions {
  /** The SQLite file used when no URL is given (its folder is created if missing). */
  readonly defaultSqlitePath: string;
}

export class StoreUrlError extends Error {
  override name = 'StoreUrlError';
}

/** Where a database URL points, without opening it. */
export type StoreLocation = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };

/**
 * Reads a database URL: `sqlite:/abs/path` (or `sqlite:///abs/path`), `sqlite::memory:`,
 * `postgres://…` or `postgresql://…`. Anything else is a StoreUrlError whose message never
 * repeats the URL (it may hold a password).
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    const rest = url.slice('sqlite:'.length);
    if (rest === ':memory:') return { kind: 'sqlite', file: ':memory:' };
    const file = rest.startsWith('///') ? rest.slice(2) : rest;
    if (!path.isAbsolute(file)) throw new StoreUrlError('A sqlite: database URL needs an absolute path (sqlite:/var/lib/cig/graph.sqlite) or :memory:.');
    return { kind: 'sqlite', file };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new StoreUrlError(
    `Unsupported database URL${scheme ? ` scheme "${scheme}:"` : ''}: use sqlite:/absolute/path, sqlite::memory:, postgres:// or postgresql://.`,
  );
}

/**
 * Opens the graph's store: SQLite at `defaultSqlitePath` when `url` is undefined (or empty),
 * else the database the URL names. The schema is migrated before it returns.
 */
export async function openGraphStore(url: string | undefined, options: OpenGraphStoreOptions): Promise<GraphStore> {
  const location: StoreLocation = url ? parseStoreUrl(url) : { kind: 'sqlite', file: options.defaultSqlitePath };
  if (location.kind === 'postgres') return openPostgresGraphStore(location.url, options);
  return openSqliteGraphStore(location.file);
}
